from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    """Cooperative settlement: statements per period from the household ledger,
    payouts to cooperatives, and cooperatives' payments to their households."""

    name = "settlement"
    verbose_name = _("Cooperative settlement")
