from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Officials' reports on the household ledger (read-only)."""

    name = "reports"
    verbose_name = _("Reports")
