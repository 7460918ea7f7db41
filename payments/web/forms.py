import uuid

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from payments.validators import PAYMENT_METHOD

SUBMISSION = RegexValidator(r"^[0-9a-f]{32}$", _("This form is out of date."))


def new_submission() -> str:
    return uuid.uuid4().hex


class PayByCardForm(forms.Form):
    """The payer's Stripe payment method, as in the store's checkout
    (``shop.apps.checkout.forms.CardForm``): in the browser, Stripe.js Elements
    would turn the card into a payment method id (``pm_...``) and fill this field;
    until that page exists it takes the id as typed (Stripe's test payment methods
    in test mode). ``submission`` names this rendering of the form: sent twice, it
    is the same payment."""

    payment_method = forms.CharField(
        label=_("Stripe payment method"), max_length=255, validators=[PAYMENT_METHOD]
    )
    submission = forms.CharField(
        widget=forms.HiddenInput, max_length=32, validators=[SUBMISSION]
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"submission": new_submission()})
        super().__init__(*args, **kwargs)

    def renew(self) -> "PayByCardForm":
        """The form again, for another attempt (another card, after a refusal)."""
        return PayByCardForm(
            initial={
                "payment_method": self.data.get("payment_method", ""),
                "submission": new_submission(),
            }
        )
