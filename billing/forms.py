"""What the staff pages, the canteen's page and the API share: the month of a
statement as ``YYYY-MM``, the statement's file format, and showing a service's
refusal on its field."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.errors import BillingError

MONTH = re.compile(r"[1-9][0-9]{3}-(0[1-9]|1[0-2])")
FILE_FORMATS = ("pdf", "xlsx")


def parse_month(value) -> tuple[int, int]:
    """``2026-10`` as (2026, 10); anything else refused on the field ``month``.
    Whether the month may be asked for (not in the future, not before the account
    was opened) is ``monthly_statement``'s to say."""
    if not isinstance(value, str) or not MONTH.fullmatch(value.strip()):
        raise BillingError(
            _("Give the month as YYYY-MM, for example 2026-10."),
            code="invalid",
            field="month",
        )
    year, month = value.strip().split("-")
    return int(year), int(month)


class StatementForm(forms.Form):
    """A monthly statement to download: the month picker and the file."""

    month = forms.CharField(
        label=_("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    format = forms.ChoiceField(
        label=_("File"),
        choices=[("pdf", "PDF"), ("xlsx", "XLSX")],
        initial="pdf",
        widget=forms.Select(attrs={"style": "min-width: 6em"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "statement_%s")
        super().__init__(*args, **kwargs)

    def clean_month(self) -> tuple[int, int]:
        try:
            return parse_month(self.cleaned_data["month"])
        except BillingError as error:
            raise forms.ValidationError(error.message, code=error.code) from None


def apply_error(form: forms.Form, error: BillingError) -> None:
    """A service's refusal on its field, or on the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)
