import datetime

from django.urls import path, register_converter
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig

STAFF = ["is_staff"]


class IsoDateConverter:
    """A delivery date in URLs: 2026-11-26; anything else does not match (404)."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> datetime.date:
        return datetime.date.fromisoformat(value)  # ValueError: no match

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, datetime.date) else str(value)


# Registered on import, before any URL pattern that uses it is built.
register_converter(IsoDateConverter, "isodate")


class FulfilmentDashboardConfig(OscarDashboardConfig):
    """Dashboard pages for allocations, delivery days and their documents.

    Mounted under /dashboard/fulfilment/ by the forked dashboard app. Cooperative
    managers (``partner.dashboard_access``) reach the allocation pages and their
    own pick lists, each view scoping objects to the user (others' answer 404);
    everything else here is for staff only (``permissions_map``).
    """

    label = "fulfilment_dashboard"
    name = "fulfilment.dashboard"
    verbose_name = _("Fulfilment dashboard")
    namespace = "fulfilment_dashboard"
    default_permissions = (["is_staff"], ["partner.dashboard_access"])
    permissions_map = {
        "fulfilment-order-detail": STAFF,
        "fulfilment-order-deliver": STAFF,
        "fulfilment-receipt-line-decide": STAFF,
        "fulfilment-delivery-list": STAFF,
        "fulfilment-delivery-day": STAFF,
        "fulfilment-consolidation": STAFF,
        "fulfilment-delivery-note": STAFF,
    }

    def ready(self):
        from fulfilment.dashboard import document_views, views

        self.views = views
        self.document_views = document_views

    def get_urls(self):
        v, d = self.views, self.document_views
        urls = [
            path(
                "allocations/",
                v.AllocationListView.as_view(),
                name="fulfilment-allocation-list",
            ),
            path(
                "allocations/<int:pk>/",
                v.AllocationDetailView.as_view(),
                name="fulfilment-allocation-detail",
            ),
            path(
                "allocations/<int:pk>/accept/",
                v.AllocationAcceptView.as_view(),
                name="fulfilment-allocation-accept",
            ),
            path(
                "allocations/<int:pk>/reject/",
                v.AllocationRejectView.as_view(),
                name="fulfilment-allocation-reject",
            ),
            path(
                "allocations/<int:pk>/ship/",
                v.AllocationShipView.as_view(),
                name="fulfilment-allocation-ship",
            ),
            path(
                "orders/<str:number>/",
                v.OrderDetailView.as_view(),
                name="fulfilment-order-detail",
            ),
            path(
                "orders/<str:number>/deliver/",
                v.OrderDeliverView.as_view(),
                name="fulfilment-order-deliver",
            ),
            path(
                "receipt-lines/<int:pk>/decide/",
                v.ReceiptLineDecideView.as_view(),
                name="fulfilment-receipt-line-decide",
            ),
            path(
                "deliveries/",
                v.DeliveryListView.as_view(),
                name="fulfilment-delivery-list",
            ),
            path(
                "deliveries/<isodate:day>/",
                v.DeliveryDayView.as_view(),
                name="fulfilment-delivery-day",
            ),
            path(
                "deliveries/<isodate:day>/pick-lists/<int:cooperative_id>/",
                d.PickListView.as_view(),
                name="fulfilment-pick-list",
            ),
            path(
                "deliveries/<isodate:day>/consolidation/",
                d.ConsolidationSheetView.as_view(),
                name="fulfilment-consolidation",
            ),
            path(
                "deliveries/<isodate:day>/delivery-notes/<int:organisation_id>/",
                d.DeliveryNoteView.as_view(),
                name="fulfilment-delivery-note",
            ),
        ]
        return self.post_process_urls(urls)
