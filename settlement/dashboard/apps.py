from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig

STAFF = ["is_staff"]


class SettlementDashboardConfig(OscarDashboardConfig):
    """Dashboard pages of settlement: periods (staff), statements, payouts (staff)
    and household payments (staff and the cooperative's managers).

    Mounted under /dashboard/settlement/ by the forked dashboard app. Managers
    (``partner.dashboard_access``) reach the statement pages, each view scoping
    statements to the user (another cooperative's answers 404).
    """

    label = "settlement_dashboard"
    name = "settlement.dashboard"
    verbose_name = _("Settlement dashboard")
    namespace = "settlement_dashboard"
    default_permissions = (["is_staff"], ["partner.dashboard_access"])
    permissions_map = {
        "settlement-period-list": STAFF,
        "settlement-period-open": STAFF,
        "settlement-period-issue": STAFF,
        "settlement-payout": STAFF,
    }

    def ready(self):
        from settlement.dashboard import views

        self.views = views

    def get_urls(self):
        v = self.views
        urls = [
            path("", v.StatementListView.as_view(), name="settlement-statement-list"),
            path("periods/", v.PeriodListView.as_view(), name="settlement-period-list"),
            path(
                "periods/open/",
                v.PeriodOpenView.as_view(),
                name="settlement-period-open",
            ),
            path(
                "periods/<int:pk>/issue/",
                v.PeriodIssueView.as_view(),
                name="settlement-period-issue",
            ),
            path(
                "statements/<int:pk>/",
                v.StatementDetailView.as_view(),
                name="settlement-statement-detail",
            ),
            path(
                "statements/<int:pk>/payout/",
                v.PayoutView.as_view(),
                name="settlement-payout",
            ),
            path(
                "statements/<int:pk>/payments/",
                v.HouseholdPaymentView.as_view(),
                name="settlement-household-payment",
            ),
        ]
        return self.post_process_urls(urls)
