from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliersConfig(AppConfig):
    """The supply side: places, cooperatives, households, harvest lots and stock."""

    name = "suppliers"
    verbose_name = _("Supply")
