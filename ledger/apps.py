from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    """The household income ledger: each final sale apportioned to households."""

    name = "ledger"
    verbose_name = _("Household ledger")
