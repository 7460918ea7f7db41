from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Canteen accounts: credit limits, invoices from received kg, bank payments
    matched to invoices, credit notes and monthly statements, kept in a small
    double-entry book."""

    name = "billing"
    verbose_name = _("Canteen accounts")
