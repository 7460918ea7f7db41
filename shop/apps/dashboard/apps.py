from django.apps import apps
from django.urls import include, path
from oscar.apps.dashboard import apps as oscar_apps


class DashboardConfig(oscar_apps.DashboardConfig):
    """Oscar's dashboard plus the supply side (lots, households, movements) and
    fulfilment (allocations, delivery days, documents), the direct-supply
    channels and the counter sales they report, and cooperative settlement."""

    name = "shop.apps.dashboard"

    def ready(self):
        super().ready()
        self.supply_app = apps.get_app_config("supply_dashboard")
        self.fulfilment_app = apps.get_app_config("fulfilment_dashboard")
        self.channels_app = apps.get_app_config("channels_dashboard")
        self.sales_app = apps.get_app_config("ledger_dashboard")
        self.lovecards_app = apps.get_app_config("lovecards_dashboard")
        self.settlement_app = apps.get_app_config("settlement_dashboard")

    def get_urls(self):
        urls = super().get_urls()
        urls.append(path("supply/", include(self.supply_app.urls[0])))
        urls.append(path("fulfilment/", include(self.fulfilment_app.urls[0])))
        urls.append(path("channels/", include(self.channels_app.urls[0])))
        urls.append(path("sales/", include(self.sales_app.urls[0])))
        urls.append(path("lovecards/", include(self.lovecards_app.urls[0])))
        urls.append(path("settlement/", include(self.settlement_app.urls[0])))
        return self.post_process_urls(urls)
