from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoveCardsConfig(AppConfig):
    """Love cards (消费扶贫爱心卡): prepaid cards issued in batches to
    organisations, spent in the store on certified poverty-area produce."""

    name = "lovecards"
    verbose_name = _("Love cards")
