from django import forms
from django.utils.translation import gettext_lazy as _

from lovecards.models import CardStatus
from lovecards.services import MAX_BATCH


class IssueBatchForm(forms.Form):
    organisation_name = forms.CharField(label=_("Organisation"), max_length=128)
    face_value = forms.DecimalField(
        label=_("Face value (yuan)"), max_digits=12, decimal_places=2
    )
    expires_on = forms.DateField(
        label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    count = forms.IntegerField(
        label=_("Number of cards"), min_value=1, max_value=MAX_BATCH
    )


class CancelCardForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)


class CardSearchForm(forms.Form):
    number = forms.CharField(label=_("Card number"), max_length=24, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", "---------"), *CardStatus.choices],
        required=False,
    )
