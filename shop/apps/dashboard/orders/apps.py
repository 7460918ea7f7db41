import oscar.apps.dashboard.orders.apps as apps


class OrdersDashboardConfig(apps.OrdersDashboardConfig):
    """Oscar's order pages, for staff only.

    Oscar lets partner users (our cooperative managers) into these pages and shows
    them every line of an order that has one of theirs (django-oscar issues #2240,
    #2324); a multi-cooperative bulk order would show each cooperative the others'
    lines. Managers work from the fulfilment dashboard's allocation pages instead.
    """

    name = "shop.apps.dashboard.orders"

    def configure_permissions(self):
        super().configure_permissions()
        self.permissions_map = {name: ["is_staff"] for name in self.permissions_map}
        self.default_permissions = ["is_staff"]
