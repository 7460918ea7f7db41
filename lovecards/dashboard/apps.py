from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig


class LoveCardsDashboardConfig(OscarDashboardConfig):
    """Staff pages for love cards: issue a batch (its card list with PINs is
    the answer, once), batches and their card lists, a card's transactions and
    events, unlock and cancel. Mounted under /dashboard/lovecards/."""

    label = "lovecards_dashboard"
    name = "lovecards.dashboard"
    verbose_name = _("Love-cards dashboard")
    namespace = "lovecards_dashboard"
    default_permissions = ["is_staff"]

    def ready(self):
        from lovecards.dashboard import views

        self.views = views

    def get_urls(self):
        v = self.views
        urls = [
            path("", v.BatchListView.as_view(), name="lovecards-batch-list"),
            path("issue/", v.IssueBatchView.as_view(), name="lovecards-issue"),
            path(
                "batches/<int:pk>/", v.BatchCardsView.as_view(), name="lovecards-batch"
            ),
            path(
                "batches/<int:pk>/cards.csv",
                v.BatchCardsDownloadView.as_view(),
                name="lovecards-batch-download",
            ),
            path("cards/", v.CardSearchView.as_view(), name="lovecards-card-list"),
            path("cards/<int:pk>/", v.CardDetailView.as_view(), name="lovecards-card"),
            path(
                "cards/<int:pk>/unlock/",
                v.CardUnlockView.as_view(),
                name="lovecards-card-unlock",
            ),
            path(
                "cards/<int:pk>/cancel/",
                v.CardCancelView.as_view(),
                name="lovecards-card-cancel",
            ),
        ]
        return self.post_process_urls(urls)
