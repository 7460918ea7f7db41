from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig


class ChannelsDashboardConfig(OscarDashboardConfig):
    """Dashboard pages for the direct-supply channels: list, open, edit, close.

    Mounted under /dashboard/channels/ by the forked dashboard app. Staff only:
    cooperative managers, who do have a dashboard, are refused (403).
    """

    label = "channels_dashboard"
    name = "channels.dashboard"
    verbose_name = _("Channels dashboard")
    namespace = "channels_dashboard"
    default_permissions = ["is_staff"]

    def ready(self):
        from channels.dashboard import views

        self.views = views

    def get_urls(self):
        v = self.views
        urls = [
            path("", v.ChannelListView.as_view(), name="channel-list"),
            path("new/", v.ChannelCreateView.as_view(), name="channel-create"),
            path("<int:pk>/", v.ChannelUpdateView.as_view(), name="channel-update"),
            path("<int:pk>/close/", v.ChannelCloseView.as_view(), name="channel-close"),
            path(
                "<int:pk>/reopen/", v.ChannelReopenView.as_view(), name="channel-reopen"
            ),
        ]
        return self.post_process_urls(urls)
