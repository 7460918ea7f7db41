from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from payments.models import PaymentStatus
from payments.web.forms import SUBMISSION, new_submission


class PaymentSearchForm(forms.Form):
    order_number = forms.CharField(
        label=_("Order number"), max_length=128, required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", "---------"), *PaymentStatus.choices],
        required=False,
    )


class RefundForm(forms.Form):
    """All or part of what is left of a paid card payment. ``submission`` names
    this rendering of the form: the refund's idempotency key comes from it, so the
    form sent twice (a double click, the browser's resend) refunds once."""

    amount = forms.DecimalField(
        label=_("Amount to refund (yuan)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)
    submission = forms.CharField(
        widget=forms.HiddenInput, max_length=32, validators=[SUBMISSION]
    )

    def __init__(self, *args, left: Decimal, **kwargs):
        kwargs.setdefault("initial", {"amount": left, "submission": new_submission()})
        super().__init__(*args, **kwargs)
        self.left = left

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount > self.left:
            raise forms.ValidationError(
                _("Only %(left)s yuan of this payment can still be refunded.")
                % {"left": self.left}
            )
        return amount
