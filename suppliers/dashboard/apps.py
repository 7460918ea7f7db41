from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig


class SupplyDashboardConfig(OscarDashboardConfig):
    """Dashboard pages for lots, households and stock movements.

    Mounted under /dashboard/supply/ by the forked dashboard app. Staff and partner
    users with dashboard access may enter; each view scopes its objects to the user.
    """

    label = "supply_dashboard"
    name = "suppliers.dashboard"
    verbose_name = _("Supply dashboard")
    namespace = "supply_dashboard"
    default_permissions = (["is_staff"], ["partner.dashboard_access"])

    def ready(self):
        from suppliers.dashboard import views

        self.views = views

    def get_urls(self):
        v = self.views
        urls = [
            path("lots/", v.LotListView.as_view(), name="supply-lot-list"),
            path("lots/new/", v.LotCreateView.as_view(), name="supply-lot-create"),
            path("lots/import/", v.LotImportView.as_view(), name="supply-lot-import"),
            path("lots/<int:pk>/", v.LotDetailView.as_view(), name="supply-lot-detail"),
            path(
                "lots/<int:pk>/adjust/",
                v.LotAdjustView.as_view(),
                name="supply-lot-adjust",
            ),
            path(
                "lots/<int:pk>/write-off/",
                v.LotWriteOffView.as_view(),
                name="supply-lot-write-off",
            ),
            path(
                "households/",
                v.HouseholdListView.as_view(),
                name="supply-household-list",
            ),
            path(
                "households/new/",
                v.HouseholdCreateView.as_view(),
                name="supply-household-create",
            ),
            path(
                "households/<int:pk>/",
                v.HouseholdDetailView.as_view(),
                name="supply-household-detail",
            ),
            path(
                "movements/", v.MovementListView.as_view(), name="supply-movement-list"
            ),
        ]
        return self.post_process_urls(urls)
