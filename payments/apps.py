from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    """Card payments through Stripe: payment intents, refunds, webhook events.

    Labelled ``payments``, never ``payment``: that label is Oscar's own app (its
    sources and source types, which the store checkout still records)."""

    name = "payments"
    verbose_name = _("Card payments")
