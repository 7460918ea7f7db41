"""The audit log's filters, as the staff page reads them from its query string
(the API checks the same with ``audit.api.serializers.AuditQuerySerializer``)."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from audit.selectors import AuditQuery, is_object_type

MAX_ID = 2**63 - 1  # the databases' largest id
ACTION = re.compile(r"[a-z_]+(\.[a-z_]+)*")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def check_object_type(value: str) -> str:
    if value and not is_object_type(value):
        raise ValidationError(
            _("Unknown object type: give a model's label, such as order.order.")
        )
    return value


def check_action(value: str) -> str:
    if value and not ACTION.fullmatch(value):
        raise ValidationError(
            _("An action is lower-case words with dots, such as lot.received.")
        )
    return value


def check_dates(date_from, date_to) -> None:
    if date_from and date_to and date_from > date_to:
        raise ValidationError({"date_to": _("The end is before the start.")})


class AuditFilterForm(forms.Form):
    object_type = forms.CharField(
        label=_("Object type"),
        required=False,
        max_length=100,
        validators=[check_object_type],
        widget=forms.TextInput(attrs={"placeholder": "suppliers.stocklot"}),
    )
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=64,
        validators=[check_action],
        widget=forms.TextInput(attrs={"placeholder": "allocation"}),
    )
    actor_label = forms.CharField(
        label=_("Who"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"placeholder": "email, task:…"}),
    )
    actor = forms.IntegerField(
        label=_("User id"), required=False, min_value=1, max_value=MAX_ID
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        check_dates(data.get("date_from"), data.get("date_to"))
        return data

    def query(self) -> AuditQuery:
        data = self.cleaned_data
        return AuditQuery(
            object_type=data["object_type"].strip(),
            object_id=data["object_id"].strip(),
            actor=data["actor"],
            actor_label=data["actor_label"].strip(),
            action=data["action"].strip(),
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
