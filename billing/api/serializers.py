"""Representations of canteen accounts, invoices and bank payments, and the
bodies and query strings the API takes. Bodies check only shape; amounts,
dates and references are ``billing.services``' to check, so a refusal reads
the same in the API as on the pages."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from billing import selectors
from billing.errors import BillingError
from billing.forms import FILE_FORMATS, parse_month
from billing.models import (
    Account,
    BankPayment,
    EntryKind,
    Invoice,
    InvoiceLine,
    Match,
)
from shop.api.fields import IdField, ScopedIdField

MONEY = {"max_digits": 14, "decimal_places": 2, "read_only": True}


class UnknownParametersMixin:
    """A query string naming a parameter the endpoint does not take is refused
    by name, never ignored (a typo would otherwise widen the answer)."""

    allowed = ("page", "page_size", "format")

    def validate(self, attrs):
        known = set(self.fields) | set(self.allowed)
        unknown = sorted(set(self.initial_data) - known)
        if unknown:
            raise serializers.ValidationError(
                {name: [_("Unknown parameter.")] for name in unknown}
            )
        return super().validate(attrs)


class CanteenAccountSerializer(serializers.ModelSerializer):
    """An account and its credit (``figures`` set on it by the view)."""

    canteen = serializers.IntegerField(source="organisation_id", read_only=True)
    canteen_name = serializers.CharField(source="organisation.name", read_only=True)
    opened_at = serializers.DateTimeField(source="created_at", read_only=True)
    limit = serializers.DecimalField(source="figures.limit", **MONEY)
    owed = serializers.DecimalField(
        source="figures.owed",
        help_text=_(
            "Invoices less payments and credit notes; negative when paid ahead"
        ),
        **MONEY,
    )
    open_orders = serializers.DecimalField(
        source="figures.open_orders",
        help_text=_("Orders on account not yet invoiced, at their ordered totals"),
        **MONEY,
    )
    available = serializers.DecimalField(
        source="figures.available",
        help_text=_("The credit limit less what is owed and the open orders"),
        **MONEY,
    )
    overdue = serializers.DecimalField(
        source="figures.overdue",
        help_text=_("Still to pay on invoices past their due date"),
        **MONEY,
    )

    class Meta:
        model = Account
        fields = [
            "id",
            "canteen",
            "canteen_name",
            "payment_terms_days",
            "is_active",
            "opened_at",
            "limit",
            "owed",
            "open_orders",
            "available",
            "overdue",
        ]
        read_only_fields = fields


class InvoiceLineSerializer(serializers.ModelSerializer):
    not_charged = serializers.DecimalField(**MONEY)

    class Meta:
        model = InvoiceLine
        fields = [
            "title",
            "unit_kg",
            "unit_price",
            "ordered_kg",
            "received_kg",
            "ordered_amount",
            "amount",
            "not_charged",
        ]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    canteen_name = serializers.CharField(
        source="account.organisation.name", read_only=True
    )
    order_number = serializers.CharField(
        source="bulk_order.order.number", read_only=True
    )
    outstanding = serializers.DecimalField(**MONEY)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "account",
            "canteen_name",
            "order_number",
            "issued_on",
            "due_on",
            "ordered_amount",
            "amount",
            "settled",
            "outstanding",
            "overdue",
        ]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        return selectors.is_overdue(obj, today=self.context.get("today"))


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "lines"]
        read_only_fields = fields


class InvoiceQuerySerializer(UnknownParametersMixin, serializers.Serializer):
    account = IdField(required=False)
    overdue = serializers.BooleanField(
        required=False,
        default=None,
        allow_null=True,
        help_text=_("true: only invoices past due with money owed; false: the rest"),
    )


class MatchSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)

    class Meta:
        model = Match
        fields = ["invoice", "invoice_number", "amount"]
        read_only_fields = fields


class BankPaymentSerializer(serializers.ModelSerializer):
    """A payment and the invoices it settled."""

    unmatched = serializers.DecimalField(
        help_text=_("Not yet matched: kept as credit for the next invoices"), **MONEY
    )
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)
    matches = MatchSerializer(many=True, read_only=True)

    class Meta:
        model = BankPayment
        fields = [
            "id",
            "account",
            "reference",
            "amount",
            "received_on",
            "invoice",
            "note",
            "matched",
            "unmatched",
            "matches",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


class BankPaymentCreateSerializer(serializers.Serializer):
    """A bank transfer to record (staff)."""

    account = ScopedIdField(scope=selectors.accounts_visible)
    reference = serializers.CharField(
        max_length=BankPayment._meta.get_field("reference").max_length,
        allow_blank=True,
        trim_whitespace=False,
        help_text=_("The bank's reference; the same one twice is refused"),
    )
    amount = serializers.CharField(
        max_length=32, help_text=_("Yuan, at most two decimals: 1250.00")
    )
    received_on = serializers.DateField()
    invoice = IdField(
        required=False,
        allow_null=True,
        help_text=_("An invoice to settle first; none: the oldest due first"),
    )
    note = serializers.CharField(
        max_length=BankPayment._meta.get_field("note").max_length,
        required=False,
        allow_blank=True,
        default="",
    )


class BankPaymentQuerySerializer(UnknownParametersMixin, serializers.Serializer):
    account = IdField(required=False)


class StatementQuerySerializer(UnknownParametersMixin, serializers.Serializer):
    allowed = ("format",)

    month = serializers.CharField(help_text="YYYY-MM")
    format = serializers.ChoiceField(
        choices=["json", *FILE_FORMATS], required=False, default="json"
    )

    def validate_month(self, value) -> tuple[int, int]:
        try:
            return parse_month(value)
        except BillingError as error:
            raise serializers.ValidationError(error.message) from None


class StatementEntrySerializer(serializers.Serializer):
    booked_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=EntryKind.choices)
    document = serializers.CharField(
        help_text=_("Invoice number, bank reference or credit note number")
    )
    order_number = serializers.CharField(help_text=_("Invoices only"))
    debit = serializers.DecimalField(**MONEY)
    credit = serializers.DecimalField(**MONEY)
    balance = serializers.DecimalField(
        help_text=_("What the canteen owed after the entry"), **MONEY
    )


class StatementInvoiceSerializer(serializers.Serializer):
    number = serializers.CharField()
    order_number = serializers.CharField()
    issued_on = serializers.DateField()
    due_on = serializers.DateField()
    amount = serializers.DecimalField(**MONEY)
    settled = serializers.DecimalField(**MONEY)
    outstanding = serializers.DecimalField(**MONEY)
    days_overdue = serializers.IntegerField()
    overdue = serializers.BooleanField()


class AccountStatementSerializer(serializers.Serializer):
    """A month's statement: the balance brought forward, the month's invoices,
    payments and credit notes with a running balance, the balance carried, and
    the invoices still open on the statement's day (``as_of``)."""

    account = serializers.IntegerField(source="account_id")
    canteen_name = serializers.CharField(source="organisation")
    address = serializers.CharField()
    month = serializers.CharField(source="label")
    start = serializers.DateField()
    end = serializers.DateField()
    as_of = serializers.DateField()
    opening_balance = serializers.DecimalField(**MONEY)
    entries = StatementEntrySerializer(many=True)
    debits = serializers.DecimalField(**MONEY)
    credits = serializers.DecimalField(**MONEY)
    closing_balance = serializers.DecimalField(**MONEY)
    credit_limit = serializers.DecimalField(**MONEY)
    open_invoices = StatementInvoiceSerializer(many=True)
    outstanding = serializers.DecimalField(**MONEY)
    overdue = serializers.DecimalField(**MONEY)
