from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfilmentConfig(AppConfig):
    """Bulk orders: routing to lots, allocations, shipments and receipts."""

    name = "fulfilment"
    verbose_name = _("Fulfilment")
