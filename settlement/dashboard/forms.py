from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from settlement.models import PaymentMethod


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("Start"), widget=forms.DateInput(attrs={"type": "date"})
    )


class PayoutForm(forms.Form):
    reference = forms.CharField(label=_("Payment reference"), max_length=64)


class HouseholdPaymentForm(forms.Form):
    household = forms.TypedChoiceField(label=_("Household"), coerce=int)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    paid_on = forms.DateField(
        label=_("Paid on"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("Reference"), max_length=64, required=False)
    allow_overpayment = forms.BooleanField(
        label=_("Record it even if it pays the household more than it earned"),
        required=False,
    )

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].choices = [
            (line.household_id, f"{line.household.archive_number} ({line.yuan})")
            for line in lines
        ]


def apply_error(form: forms.Form, error) -> None:
    """A service's refusal on its field, or on the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)
