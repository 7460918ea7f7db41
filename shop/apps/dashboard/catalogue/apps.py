import oscar.apps.dashboard.catalogue.apps as apps


class CatalogueDashboardConfig(apps.CatalogueDashboardConfig):
    """Oscar's catalogue pages, for staff only.

    Oscar lets partner users (our cooperative managers) create products and edit
    any product one of their stock records points at: its produce facts (net
    weight, certificate), which every cooperative selling it shares, and the stock
    record, which is derived from the lots and never edited by hand. Managers
    work from the supply pages instead.
    """

    name = "shop.apps.dashboard.catalogue"

    def configure_permissions(self):
        super().configure_permissions()
        self.permissions_map = {name: ["is_staff"] for name in self.permissions_map}
        self.default_permissions = ["is_staff"]
