from django import forms
from django.utils.translation import gettext_lazy as _


class BalanceForm(forms.Form):
    number = forms.CharField(label=_("Love card number"), max_length=24)
    pin = forms.CharField(
        label=_("PIN"),
        max_length=12,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
