"""Forms of the canteen pages.

They parse what the buyer typed into typed values (``LineInput``, ``ReceivedLine``);
every rule about what may be ordered or received stays in the services, whose
errors ``show_order_errors`` and ``show_receipt_errors`` put back on the row and
field they are about.
"""

import datetime
import re
import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fulfilment.delivery import ReceivedLine
from fulfilment.models import StandingOrderMode
from fulfilment.placing import OrderInput
from fulfilment.uploads import MAX_BYTES
from fulfilment.validation import LineInput, OrderInvalid
from shop import uploads

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
KG_INPUT = forms.NumberInput(attrs={"step": "0.001", "min": "0"})
PICKER_ID = "canteen-products"


class CanteenChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def first_delivery_date(organisation, *, today=None) -> datetime.date:
    """The canteen's earliest delivery day its lead time allows (a default)."""
    day = (today or timezone.localdate()) + datetime.timedelta(
        days=organisation.lead_time_days
    )
    for _offset in range(7):
        if organisation.delivers_on(day):
            return day
        day += datetime.timedelta(days=1)
    return day


class OrderForm(forms.Form):
    """The order's own fields; the canteen only when the buyer buys for several.

    ``token`` is made when the page is rendered and sent as the idempotency key:
    submitting the same page twice places one order.
    """

    delivery_date = forms.DateField(label=_("Delivery date"), widget=DATE)
    note = forms.CharField(
        label=_("Note for the distribution centre"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    all_or_nothing = forms.BooleanField(
        label=_("All or nothing"),
        required=False,
        help_text=_("Refuse the order rather than accept a shortfall"),
    )
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(organisations[:2])
        self.only_organisation = choices[0] if len(choices) == 1 else None
        if len(choices) > 1:
            self.fields["organisation"] = CanteenChoiceField(
                label=_("Canteen"), queryset=organisations
            )
            self.order_fields(["organisation"])
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())
            if choices:
                self.initial.setdefault(
                    "delivery_date", first_delivery_date(choices[0])
                )

    @property
    def canteen(self):
        """The canteen chosen (or the buyer's only one), once the form is valid."""
        return self.cleaned_data.get("organisation") or self.only_organisation

    def renew_token(self) -> None:
        """A new one-time token for the page rendered again."""
        self.data = self.data.copy()
        self.data["token"] = str(uuid.uuid4())

    @property
    def idempotency_key(self) -> str:
        return f"canteen-web:{self.cleaned_data['token']}"

    def order_input(self, lines) -> OrderInput:
        return OrderInput(
            organisation_id=self.canteen.pk,
            delivery_date=self.cleaned_data["delivery_date"],
            lines=tuple(lines),
            note=self.cleaned_data["note"],
            all_or_nothing=self.cleaned_data["all_or_nothing"],
        )


class UploadForm(OrderForm):
    file = forms.FileField(
        label=_("File"),
        help_text=_("A .csv or .xlsx file of at most 2 MB with columns sku, quantity"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    field_order = ["organisation", "delivery_date", "file", "all_or_nothing", "note"]

    def clean_file(self):
        # Size (before reading), extension and content: shop.uploads.
        return uploads.validate_spreadsheet(
            self.cleaned_data["file"], max_bytes=MAX_BYTES
        )


class LineForm(forms.Form):
    sku = forms.CharField(
        label=_("Product (SKU)"),
        required=False,
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "list": PICKER_ID,
                "autocomplete": "off",
                "class": "form-control form-control-sm line-sku",
            }
        ),
    )
    units = forms.IntegerField(
        label=_("Quantity (units)"),
        required=False,
        widget=forms.NumberInput(
            attrs={
                "min": "1",
                "step": "1",
                "class": "form-control form-control-sm line-units",
            }
        ),
    )


class BaseLineFormSet(forms.BaseFormSet):
    """Rows of the grid; blank rows are skipped, half-filled rows are errors."""

    def clean(self):
        first_row: dict[str, int] = {}
        for number, form in enumerate(self.forms, start=1):
            if not hasattr(form, "cleaned_data") or form.errors:
                continue
            sku = (form.cleaned_data.get("sku") or "").strip()
            units = form.cleaned_data.get("units")
            if not sku and units is None:
                continue
            if not sku:
                form.add_error("sku", _("Choose a product."))
            elif sku in first_row:
                form.add_error(
                    "sku",
                    _("%(sku)s is already ordered in row %(row)s.")
                    % {"sku": sku, "row": first_row[sku]},
                )
            else:
                first_row[sku] = number
            if units is None:
                form.add_error("units", _("Enter the quantity."))

    def filled(self) -> list[tuple[forms.Form, LineInput]]:
        """The rows with a product, each with its ``LineInput`` (in grid order)."""
        return [
            (
                form,
                LineInput(form.cleaned_data["sku"].strip(), form.cleaned_data["units"]),
            )
            for form in self.forms
            if form.cleaned_data.get("sku")
        ]


def line_formset(data=None) -> BaseLineFormSet:
    """The grid, five blank rows to start; at most as many rows as an order has
    lines (read when the page is built, not at import)."""
    most = settings.NONGJIA_MAX_ORDER_LINES
    formset_class = forms.formset_factory(
        LineForm,
        formset=BaseLineFormSet,
        extra=5,
        max_num=most,
        absolute_max=most,
        validate_max=True,
    )
    return formset_class(data, prefix="lines")


def show_field_errors(exc: OrderInvalid, form: OrderForm, *, skip=()) -> None:
    """The service's order-level errors on the order form's fields (or on top)."""
    for name, messages in exc.field_errors.items():
        if name not in skip:
            form.add_error(name if name in form.fields else None, messages)


def show_line_errors(exc: OrderInvalid, rows: list[forms.Form]) -> None:
    """The service's line errors on the grid's rows: line i came from rows[i]."""
    for error in exc.line_errors:
        field = "sku" if error.field == "sku" else "units"
        rows[error.index].add_error(field, error.message)


def show_short_lines(short: dict, rows) -> None:
    """An all-or-nothing order refused for stock: mark the rows that were short
    (``short`` maps a line's SKU to its missing kg)."""
    for form, line in rows:
        if line.sku in short:
            form.add_error(
                "units",
                _("Not enough fresh stock: %(kg)s kg short.") % {"kg": short[line.sku]},
            )


DEFAULT_DAYS_AHEAD = 3


class StandingFromOrderForm(forms.Form):
    """ "Save as a weekly order" on an order page: the order's lines and weekday
    come from the order (on the server), the buyer chooses the rest."""

    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=128,
        help_text=_("Empty: “Weekly order”"),
    )
    days_ahead = forms.IntegerField(
        label=_("Created days ahead"),
        help_text=_("Each week's order is created this many days before delivery"),
    )
    mode = forms.ChoiceField(
        label=_("Each week"),
        choices=StandingOrderMode.choices,
        initial=StandingOrderMode.DRAFT,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, prefix="standing", **kwargs)
        lead, most = organisation.lead_time_days, organisation.max_days_ahead
        self.fields["days_ahead"].widget.attrs.update({"min": lead, "max": most})
        self.initial.setdefault(
            "days_ahead", min(max(DEFAULT_DAYS_AHEAD, lead), max(most, lead))
        )


def show_standing_errors(exc: OrderInvalid, form: StandingFromOrderForm) -> None:
    """The service's errors on the form's fields; the rest (the weekday, the
    lines taken from the order) on top of it."""
    show_field_errors(exc, form)
    for error in exc.line_errors:
        form.add_error(None, error.message)


class ReceiptLineForm(forms.Form):
    received_kg = forms.DecimalField(
        label=_("Received (kg)"),
        max_digits=12,
        decimal_places=3,
        min_value=0,
        widget=KG_INPUT,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=255)


class BaseReceiptFormSet(forms.BaseFormSet):
    """One form per delivered line, in the order the server lists them: the line
    ids never come from the browser."""

    def __init__(self, *args, lines, **kwargs):
        self.lines = lines
        # Exactly one form per line, none of them optional.
        self.min_num = self.max_num = self.absolute_max = len(lines)
        kwargs.setdefault(
            "initial", [{"received_kg": row.delivered_kg} for row in lines]
        )
        super().__init__(*args, prefix="receipt", **kwargs)

    def received(self) -> list[ReceivedLine]:
        return [
            ReceivedLine(
                line_id=row.line.pk,
                received_kg=form.cleaned_data["received_kg"],
                note=form.cleaned_data["note"],
            )
            for row, form in zip(self.lines, self.forms, strict=True)
        ]


ReceiptFormSet = forms.formset_factory(
    ReceiptLineForm,
    formset=BaseReceiptFormSet,
    extra=0,
    validate_min=True,
    validate_max=True,
)


class ReceiptForm(forms.Form):
    note = forms.CharField(
        label=_("Note on the delivery"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


LINE_KEY = re.compile(r"lines\[(\d+)\]\.(\w+)")


def show_receipt_errors(exc: ValidationError, form: ReceiptForm, formset) -> None:
    """``lines[i].received_kg`` on row i; anything else on top of the form."""
    for key, messages in exc.message_dict.items():
        match = LINE_KEY.fullmatch(key)
        if match and int(match[1]) < len(formset.forms):
            row = formset.forms[int(match[1])]
            row.add_error(match[2] if match[2] in row.fields else None, messages)
        else:
            form.add_error(None, messages)
