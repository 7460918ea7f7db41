from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from lovecards import numbers


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


LOVE_CARD_SLOTS = 3


class LoveCardsForm(forms.Form):
    """Up to three love cards (消费扶贫爱心卡), a number and a PIN each; all
    optional. The PINs are checked by ``lovecards.services.check_card`` (which
    counts wrong ones), never kept in the session."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for slot in range(1, LOVE_CARD_SLOTS + 1):
            self.fields[f"love_card_{slot}"] = forms.CharField(
                label=_("Love card number"), max_length=24, required=False
            )
            self.fields[f"love_pin_{slot}"] = forms.CharField(
                label=_("PIN"),
                max_length=12,
                required=False,
                widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
            )

    def clean(self):
        cleaned = super().clean()
        seen = set()
        for slot in range(1, LOVE_CARD_SLOTS + 1):
            number = numbers.normalise(cleaned.get(f"love_card_{slot}", ""))
            pin = cleaned.get(f"love_pin_{slot}", "")
            if not number and not pin:
                continue
            if not numbers.is_valid(number):
                self.add_error(f"love_card_{slot}", _("Not a love card number."))
            elif number in seen:
                self.add_error(f"love_card_{slot}", _("This card is given twice."))
            if not pin:
                self.add_error(f"love_pin_{slot}", _("Give the card's PIN."))
            seen.add(number)
        return cleaned

    def pairs(self) -> list[tuple[str, str]]:
        """(number, PIN) of each card given, in the order given."""
        found = []
        for slot in range(1, LOVE_CARD_SLOTS + 1):
            number = numbers.normalise(self.cleaned_data.get(f"love_card_{slot}", ""))
            if number:
                found.append((number, self.cleaned_data[f"love_pin_{slot}"]))
        return found
