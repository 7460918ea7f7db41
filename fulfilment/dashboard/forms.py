"""Forms of the fulfilment dashboard.

They only parse what was typed into typed values; the rules (a reason is required
to reject, kg positive and to the gram, which dispositions exist, which statuses
allow what) live in the services, whose errors the views show as messages.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fulfilment.models import AllocationStatus, Disposition

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def error_messages(errors) -> list[str]:
    """A form's or a service's errors as flat sentences, for messages."""
    if isinstance(errors, ValidationError):
        return list(errors.messages)
    return [message for messages in errors.values() for message in messages]


class AllocationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *AllocationStatus.choices],
    )
    delivery_date = forms.DateField(
        label=_("Delivery date"), required=False, widget=DATE
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        required=False,  # the service refuses an empty reason, with its message
        widget=forms.TextInput(attrs={"placeholder": _("Why can't you supply it?")}),
    )


class ShipForm(forms.Form):
    kg = forms.DecimalField(
        label=_("Shipped (kg)"),
        widget=forms.NumberInput(attrs={"step": "0.001"}),
        help_text=_("Weighed when it left the cooperative."),
    )


class DeliveryDateForm(forms.Form):
    date = forms.DateField(label=_("Delivery date"), widget=DATE)


class DecideForm(forms.Form):
    disposition = forms.ChoiceField(
        label=_("Missing kg"),
        choices=[
            (Disposition.RETURNED, _("Return to stock")),
            (Disposition.WRITTEN_OFF, _("Write off")),
        ],
    )
