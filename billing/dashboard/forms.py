"""Staff's account forms. They check only shape (a number, a date, a choice);
amounts, terms and references are ``billing.services``' to check, so a refusal
reads the same on every page and in the API."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import BankPayment, CreditNote, Invoice

# Wide enough for any amount the service then refuses with its own message.
AMOUNT = {"max_digits": 20, "decimal_places": None}


def _amount(label):
    return forms.DecimalField(
        label=label, widget=forms.TextInput(attrs={"inputmode": "decimal"}), **AMOUNT
    )


def _invoice_choices(invoices) -> list[tuple]:
    return [("", _("— none: the oldest due first —"))] + [
        (
            invoice.pk,
            _("%(number)s, due %(due)s, %(outstanding)s yuan to pay")
            % {
                "number": invoice.number,
                "due": invoice.due_on.isoformat(),
                "outstanding": invoice.outstanding,
            },
        )
        for invoice in invoices
    ]


MAX_ID = 2**63 - 1  # SQLite raises on larger ids


def _id(value) -> int:
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError(value)
    return number


class InvoiceField(forms.TypedChoiceField):
    """An invoice of the account's, chosen from a list; any id is passed on, as
    the service says whether the invoice is the canteen's (a settled invoice
    leaves the list, and a form sent twice must still reach the service)."""

    def __init__(self, **kwargs):
        super().__init__(coerce=_id, required=False, empty_value=None, **kwargs)

    def valid_value(self, value) -> bool:
        return True


class OpenAccountForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Canteen"), coerce=int)
    credit_limit = _amount(_("Credit limit (yuan)"))
    payment_terms_days = forms.IntegerField(label=_("Payment terms (days)"), initial=30)

    def __init__(self, *args, organisations=(), **kwargs):
        kwargs.setdefault("auto_id", "open_%s")
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [
            (organisation.pk, organisation.name) for organisation in organisations
        ]


class TermsForm(forms.Form):
    credit_limit = _amount(_("Credit limit (yuan)"))
    payment_terms_days = forms.IntegerField(label=_("Payment terms (days)"))
    is_active = forms.BooleanField(
        label=_("Orders go on account (unticked: the canteen pays by card)"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "terms_%s")
        super().__init__(*args, **kwargs)


class BankPaymentForm(forms.Form):
    reference = forms.CharField(
        label=_("Bank reference"),
        max_length=BankPayment._meta.get_field("reference").max_length,
        required=False,  # the service says why it is needed
    )
    amount = _amount(_("Amount (yuan)"))
    received_on = forms.DateField(
        label=_("Received on"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    invoice = InvoiceField(label=_("For invoice"))
    note = forms.CharField(
        label=_("Note"),
        max_length=BankPayment._meta.get_field("note").max_length,
        required=False,
    )

    def __init__(self, *args, invoices: list[Invoice] = (), **kwargs):
        kwargs.setdefault("auto_id", "payment_%s")
        super().__init__(*args, **kwargs)
        self.fields["invoice"].choices = _invoice_choices(invoices)


class CreditNoteForm(forms.Form):
    amount = _amount(_("Amount (yuan)"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=CreditNote._meta.get_field("reason").max_length,
        required=False,  # the service says why it is needed
    )
    invoice = InvoiceField(label=_("Invoice"))

    def __init__(self, *args, invoices: list[Invoice] = (), **kwargs):
        kwargs.setdefault("auto_id", "credit_%s")
        super().__init__(*args, **kwargs)
        self.fields["invoice"].choices = [
            ("", _("— none: on account —")),
            *_invoice_choices(invoices)[1:],
        ]
