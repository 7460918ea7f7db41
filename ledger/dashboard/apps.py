from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig


class LedgerDashboardConfig(OscarDashboardConfig):
    """Dashboard pages for counter sales: batches, a batch's sales and their
    attribution, upload, withdraw, and the file's template.

    Mounted under /dashboard/sales/ by the forked dashboard app. Staff only:
    cooperative managers, who do have a dashboard, and officials are refused (403).
    """

    label = "ledger_dashboard"
    name = "ledger.dashboard"
    verbose_name = _("Sales dashboard")
    namespace = "ledger_dashboard"
    default_permissions = ["is_staff"]

    def ready(self):
        from ledger.dashboard import views

        self.views = views

    def get_urls(self):
        v = self.views
        urls = [
            path("", v.BatchListView.as_view(), name="sales-batch-list"),
            path("upload/", v.UploadView.as_view(), name="sales-upload"),
            path("template.csv", v.CsvTemplateView.as_view(), name="sales-template"),
            path("<int:pk>/", v.BatchDetailView.as_view(), name="sales-batch-detail"),
            path(
                "<int:pk>/withdraw/",
                v.WithdrawView.as_view(),
                name="sales-batch-withdraw",
            ),
        ]
        return self.post_process_urls(urls)
