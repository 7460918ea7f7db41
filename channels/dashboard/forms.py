"""Forms of the channels dashboard.

They only parse what was typed into typed values; the rules (codes unique and
slug-shaped, a closing date not before the opening one, what may change) live in
``channels.services``, whose errors ``apply_service_errors`` puts back on the
matching field.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channels.models import ChannelKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
OPEN = "true"
CLOSED = "false"


def apply_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's field errors on the form; unknown fields go on top."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, messages in errors.items():
        form.add_error(name if name in form.fields else None, messages)


class ChannelFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *ChannelKind.choices]
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), (OPEN, _("In operation")), (CLOSED, _("Closed"))],
    )

    def selection(self) -> dict:
        """Keyword arguments for ``channels_list`` (empty when the form is invalid)."""
        if not self.is_valid():
            return {}
        return {
            "kind": self.cleaned_data["kind"] or None,
            "active": {OPEN: True, CLOSED: False}.get(self.cleaned_data["active"]),
        }


class ChannelUpdateForm(forms.Form):
    """What may change about a channel; code and kind stay as they were opened."""

    name = forms.CharField(label=_("Name"), required=False)
    operator = forms.CharField(
        label=_("Operator"), required=False, help_text=_("e.g. 广百百货, 麦德龙")
    )
    city = forms.CharField(label=_("City"), required=False)
    district = forms.CharField(label=_("District"), required=False)


class ChannelCreateForm(ChannelUpdateForm):
    code = forms.CharField(
        label=_("Code"),
        required=False,
        help_text=_("Letters, digits, hyphens; how uploads and the API name it."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ChannelKind.choices)
    opened_on = forms.DateField(label=_("Opened on"), widget=DATE)

    field_order = ["code", "name", "kind", "operator", "city", "district", "opened_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].initial = "广州市"
        self.fields["opened_on"].initial = timezone.localdate()


class ChannelCloseForm(forms.Form):
    closed_on = forms.DateField(label=_("Closed on"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closed_on"].initial = timezone.localdate()
