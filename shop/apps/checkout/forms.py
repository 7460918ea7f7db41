from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _


class CardForm(forms.Form):
    """The payer's Stripe payment method.

    Card numbers never reach this server: in the browser, Stripe.js Elements
    (loaded from js.stripe.com, with ``STRIPE_PUBLISHABLE_KEY``) turns the card
    into a payment method id (``pm_...``) and puts it in this field. Until that
    page exists the field takes the id as typed: Stripe's test payment methods
    (``pm_card_visa``...) in test mode."""

    payment_method = forms.CharField(
        label=_("Stripe payment method"),
        max_length=255,
        validators=[
            RegexValidator(
                r"^pm_[A-Za-z0-9_]+$", _("Not a Stripe payment method id (pm_...).")
            )
        ],
    )
