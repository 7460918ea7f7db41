"""Canteen accounts: buying on credit, invoiced on what was received.

Most canteens do not pay when they order: they buy on account up to a credit
limit, are invoiced once an order is received (for the *received* kg, so kg
that never arrived are never billed), and pay by bank transfer against a
monthly statement.

The money is kept in a small double-entry book: every invoice, bank payment and
credit note is a ``JournalEntry`` whose ``Posting`` rows sum to zero (an invoice
debits the canteen's receivable and credits sales; a payment debits the bank
and credits the receivable; a credit note debits sales allowances and credits
the receivable). A canteen's balance is the sum of its receivable postings, so
it is never a stored figure that could drift. Which payment or credit settled
which invoice is recorded separately (``Match``), oldest due first.

django-oscar-accounts (3.0.1, 2021, for Oscar 3) was considered: it checks a
transfer against the limit before its transaction and without a row lock, so
two concurrent orders can both pass, and it has no invoices or statements.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}
KG = {"max_digits": 12, "decimal_places": 3}
ZERO = Decimal("0.00")


class Account(models.Model):
    """A canteen organisation's account: while active, its orders are on credit."""

    organisation = models.OneToOneField(
        "canteens.Organisation",
        verbose_name=_("Canteen"),
        on_delete=models.PROTECT,
        related_name="account",
    )
    credit_limit = models.DecimalField(
        _("Credit limit (yuan)"),
        help_text=_(
            "Orders are refused when what the canteen owes plus its orders not "
            "yet invoiced would go above this"
        ),
        **MONEY,
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        _("Payment terms (days)"),
        default=30,
        help_text=_("An invoice is due this many days after it is issued"),
    )
    is_active = models.BooleanField(_("Active"), default=True)
    created_at = models.DateTimeField(_("Opened"), auto_now_add=True)

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("Canteen account")
        verbose_name_plural = _("Canteen accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__gte=0), name="billing_account_limit"
            )
        ]

    def __str__(self):
        return str(self.organisation)


class AccountOrder(models.Model):
    """A bulk order placed on account, for its ordered total.

    Until it is invoiced (or cancelled) the order counts against the credit
    limit at this amount.
    """

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="orders"
    )
    bulk_order = models.OneToOneField(
        "fulfilment.BulkOrder",
        on_delete=models.PROTECT,
        related_name="account_order",
    )
    amount = models.DecimalField(_("Ordered (yuan)"), **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Order on account")
        verbose_name_plural = _("Orders on account")

    def __str__(self):
        return f"{self.bulk_order_id}: {self.amount}"


class Invoice(models.Model):
    """An order's invoice, issued when it is received: the received kg at each
    line's price. ``settled`` is what payments and credit notes have matched so
    far (kept with the ``Match`` rows, under the account's lock)."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="invoices"
    )
    bulk_order = models.OneToOneField(
        "fulfilment.BulkOrder", on_delete=models.PROTECT, related_name="invoice"
    )
    number = models.CharField(_("Invoice number"), max_length=32, unique=True)
    issued_on = models.DateField(_("Issued on"))
    due_on = models.DateField(_("Due on"))
    ordered_amount = models.DecimalField(_("Ordered (yuan)"), **MONEY)
    amount = models.DecimalField(_("Amount (yuan)"), **MONEY)
    settled = models.DecimalField(_("Settled (yuan)"), default=ZERO, **MONEY)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("Invoice")
        verbose_name_plural = _("Invoices")
        indexes = [models.Index(fields=["account", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0)
                & Q(settled__gte=0)
                & Q(settled__lte=F("amount")),
                name="billing_invoice_settled",
            )
        ]

    def __str__(self):
        return self.number

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.settled


class InvoiceLine(models.Model):
    """A received order line: ordered and received kg, and the amount billed."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    bulk_line = models.OneToOneField(
        "fulfilment.BulkLine", on_delete=models.PROTECT, related_name="invoice_line"
    )
    title = models.CharField(_("Product"), max_length=255)
    unit_kg = models.DecimalField(_("Net kg per unit"), **KG)
    unit_price = models.DecimalField(_("Price per unit"), **MONEY)
    ordered_kg = models.DecimalField(_("Ordered (kg)"), **KG)
    received_kg = models.DecimalField(_("Received (kg)"), **KG)
    ordered_amount = models.DecimalField(_("Ordered (yuan)"), **MONEY)
    amount = models.DecimalField(_("Amount (yuan)"), **MONEY)

    class Meta:
        ordering = ["invoice_id", "id"]

    def __str__(self):
        return f"{self.invoice_id}: {self.title} {self.received_kg} kg"

    @property
    def not_charged(self) -> Decimal:
        """What was ordered but not billed: the kg that did not arrive."""
        return max(self.ordered_amount - self.amount, ZERO)


class BankPayment(models.Model):
    """A bank transfer from the canteen, recorded by staff from the statement.

    The bank's reference is unique per account, so the same transfer typed in
    twice is refused rather than counted twice. ``matched`` is how much of it
    has settled invoices; the rest is the canteen's credit, matched to the next
    invoices.
    """

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="payments"
    )
    reference = models.CharField(_("Bank reference"), max_length=64)
    amount = models.DecimalField(_("Amount (yuan)"), **MONEY)
    received_on = models.DateField(_("Received on"))
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("For invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: settle the oldest invoices first"),
    )
    note = models.CharField(_("Note"), max_length=255, blank=True)
    matched = models.DecimalField(_("Matched (yuan)"), default=ZERO, **MONEY)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("Bank payment")
        verbose_name_plural = _("Bank payments")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "reference"], name="billing_payment_reference"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0)
                & Q(matched__gte=0)
                & Q(matched__lte=F("amount")),
                name="billing_payment_matched",
            ),
        ]

    def __str__(self):
        return f"{self.reference}: {self.amount}"

    @property
    def unmatched(self) -> Decimal:
        return self.amount - self.matched


class CreditNote(models.Model):
    """Money the platform gives back to the canteen on account (a quality claim,
    a price correction), usually against one invoice."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="credit_notes"
    )
    number = models.CharField(_("Credit note number"), max_length=40, unique=True)
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("Invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
    )
    amount = models.DecimalField(_("Amount (yuan)"), **MONEY)
    reason = models.CharField(_("Reason"), max_length=255)
    issued_on = models.DateField(_("Issued on"))
    matched = models.DecimalField(_("Matched (yuan)"), default=ZERO, **MONEY)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("Credit note")
        verbose_name_plural = _("Credit notes")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0)
                & Q(matched__gte=0)
                & Q(matched__lte=F("amount")),
                name="billing_credit_matched",
            )
        ]

    def __str__(self):
        return self.number

    @property
    def unmatched(self) -> Decimal:
        return self.amount - self.matched


class Match(models.Model):
    """Part of a payment or credit note settling part of an invoice."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="matches"
    )
    payment = models.ForeignKey(
        BankPayment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="matches",
    )
    credit_note = models.ForeignKey(
        CreditNote,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="matches",
    )
    amount = models.DecimalField(_("Amount (yuan)"), **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0)
                & (
                    Q(payment__isnull=False, credit_note__isnull=True)
                    | Q(payment__isnull=True, credit_note__isnull=False)
                ),
                name="billing_match_one_source",
            )
        ]

    def __str__(self):
        return f"{self.invoice_id}: {self.amount}"


class Book(models.TextChoices):
    """The book's accounts. Receivable postings carry the canteen's account."""

    RECEIVABLE = "receivable", _("Receivable from canteens")
    SALES = "sales", _("Sales")
    ALLOWANCES = "allowances", _("Sales allowances (credit notes)")
    BANK = "bank", _("Bank")


class EntryKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    PAYMENT = "payment", _("Bank payment")
    CREDIT_NOTE = "credit_note", _("Credit note")


class JournalEntry(models.Model):
    """One balanced movement of money, dated by the business (``booked_on``:
    the invoice's issue date, the day the bank received the transfer)."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    booked_on = models.DateField(_("Date"))
    invoice = models.OneToOneField(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="entry"
    )
    payment = models.OneToOneField(
        BankPayment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entry",
    )
    credit_note = models.OneToOneField(
        CreditNote,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entry",
    )
    memo = models.CharField(max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["booked_on", "id"]
        verbose_name = _("Journal entry")
        verbose_name_plural = _("Journal entries")
        indexes = [models.Index(fields=["account", "booked_on"])]

    def __str__(self):
        return f"{self.kind} {self.booked_on}"


class Posting(models.Model):
    """A debit (positive) or credit (negative) to one of the book's accounts."""

    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="postings"
    )
    book = models.CharField(max_length=16, choices=Book.choices)
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="postings",
        help_text=_("The canteen, on receivable postings"),
    )
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "book"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount=0), name="billing_posting_not_zero"
            ),
            models.CheckConstraint(
                condition=Q(book="receivable", account__isnull=False)
                | (~Q(book="receivable") & Q(account__isnull=True)),
                name="billing_posting_receivable_account",
            ),
        ]

    def __str__(self):
        return f"{self.book} {self.amount}"


class AccountEventKind(models.TextChoices):
    OPENED = "opened", _("Account opened")
    CHANGED = "changed", _("Terms changed")
    OVERDUE = "overdue", _("Invoice overdue")


class AccountEvent(models.Model):
    """An audit row for changes to an account that are not money (append-only)."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(max_length=16, choices=AccountEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"
