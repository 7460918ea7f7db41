from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CanteensConfig(AppConfig):
    """The buying side: canteen organisations, their buyers and approvers."""

    name = "canteens"
    verbose_name = _("Canteens")
