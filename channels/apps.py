from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    """The direct-supply channels (直供渠道) every sale is reported by."""

    name = "channels"
    verbose_name = _("Direct-supply channels")
