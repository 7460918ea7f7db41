"""A canteen account's documents, read once into frozen values: the monthly
statement (what the PDF, the XLSX and the pages print) and an invoice.

The statement is the book's receivable postings for the month, in date order
with a running balance, so its closing balance is by construction what
``selectors.balance`` answers for the first day of the next month. Its open
invoices are those of the statement's last day (today for the current month):
issued by then, less what payments and credit notes dated by then settled.
"""

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import selectors
from billing.errors import BillingError
from billing.models import (
    Account,
    Book,
    EntryKind,
    Invoice,
    JournalEntry,
    Match,
    Posting,
)
from ledger.apportion import FEN

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class StatementEntry:
    """A journal entry of the month: an invoice is a debit, a payment or a
    credit note a credit; ``balance`` is what the canteen owed after it."""

    booked_on: datetime.date
    kind: str  # an ``EntryKind`` value
    document: str  # invoice number, bank reference or credit note number
    order_number: str  # invoices only
    debit: Decimal
    credit: Decimal
    balance: Decimal

    @property
    def label(self) -> str:
        return str(EntryKind(self.kind).label)


@dataclass(frozen=True)
class OpenInvoice:
    number: str
    order_number: str
    issued_on: datetime.date
    due_on: datetime.date
    amount: Decimal
    settled: Decimal
    outstanding: Decimal
    days_overdue: int  # 0 unless overdue

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0


@dataclass(frozen=True)
class AccountStatement:
    account_id: int
    organisation: str
    address: str
    year: int
    month: int
    start: datetime.date  # the month's first day
    end: datetime.date  # its last day
    as_of: datetime.date  # the open invoices' day: ``end``, or today this month
    opening_balance: Decimal
    entries: tuple[StatementEntry, ...]
    debits: Decimal
    credits: Decimal
    closing_balance: Decimal
    credit_limit: Decimal
    open_invoices: tuple[OpenInvoice, ...]

    @property
    def outstanding(self) -> Decimal:
        return sum((i.outstanding for i in self.open_invoices), ZERO)

    @property
    def overdue(self) -> Decimal:
        return sum((i.outstanding for i in self.open_invoices if i.overdue), ZERO)

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"


def _month(account: Account, year, month, today: datetime.date) -> datetime.date:
    """The month's first day, if the account has a statement for it."""
    try:
        start = datetime.date(year, month, 1)
    except (OverflowError, TypeError, ValueError):
        raise BillingError(
            _("Give a month as a year and a month number (1 to 12)."),
            code="invalid",
            field="month",
        ) from None
    if start > today.replace(day=1):
        raise BillingError(
            _("There is no statement yet for a month in the future."),
            code="future",
            field="month",
        )
    opened = timezone.localdate(account.created_at)
    if start < opened.replace(day=1):
        raise BillingError(
            _("The account was opened in %(month)s: there is no statement before.")
            % {"month": opened.strftime("%Y-%m")},
            code="before_opening",
            field="month",
        )
    return start


def _entries(account: Account, start, end, opening: Decimal) -> list[StatementEntry]:
    journal = (
        JournalEntry.objects.filter(account=account, booked_on__range=(start, end))
        .select_related("invoice__bulk_order__order", "payment", "credit_note")
        .order_by("booked_on", "pk")
    )
    # One receivable posting per entry: read as they are (no sums, no floats).
    owed = dict(
        Posting.objects.filter(
            account=account,
            book=Book.RECEIVABLE,
            entry__booked_on__range=(start, end),
        ).values_list("entry_id", "amount")
    )
    rows, running = [], opening
    for entry in journal:
        amount = owed.get(entry.pk, ZERO)
        running += amount
        order_number = ""
        if entry.invoice_id:
            document = entry.invoice.number
            order_number = entry.invoice.bulk_order.order.number
        elif entry.payment_id:
            document = entry.payment.reference
        elif entry.credit_note_id:
            document = entry.credit_note.number
        else:
            document = entry.memo
        rows.append(
            StatementEntry(
                booked_on=entry.booked_on,
                kind=entry.kind,
                document=document,
                order_number=order_number,
                debit=max(amount, ZERO),
                credit=max(-amount, ZERO),
                balance=running,
            )
        )
    return rows


def open_invoices(*, account: Account, as_of: datetime.date) -> list[OpenInvoice]:
    """Invoices issued by ``as_of`` with money left to pay on that day, the first
    due first: settled by the matches of payments and credit notes dated by then.

    Only invoices open now or settled by later money can have been open then,
    so the query reads those, however long the account's history.
    """
    dated_by = Q(matches__payment__received_on__lte=as_of) | Q(
        matches__credit_note__issued_on__lte=as_of
    )
    later = (
        Match.objects.filter(invoice__account=account)
        .filter(Q(payment__received_on__gt=as_of) | Q(credit_note__issued_on__gt=as_of))
        .values("invoice_id")
    )
    invoices = (
        Invoice.objects.filter(account=account, issued_on__lte=as_of)
        .filter(Q(settled__lt=F("amount")) | Q(pk__in=later))
        .select_related("bulk_order__order")
        .annotate(settled_then=Sum("matches__amount", filter=dated_by))
        .order_by("due_on", "pk")
    )
    rows = []
    for invoice in invoices:
        # SQLite sums decimals as floats: back to fen, as the selectors do.
        settled = Decimal(invoice.settled_then or 0).quantize(FEN)
        outstanding = invoice.amount - settled
        if outstanding <= 0:
            continue
        rows.append(
            OpenInvoice(
                number=invoice.number,
                order_number=invoice.bulk_order.order.number,
                issued_on=invoice.issued_on,
                due_on=invoice.due_on,
                amount=invoice.amount,
                settled=settled,
                outstanding=outstanding,
                days_overdue=max((as_of - invoice.due_on).days, 0),
            )
        )
    return rows


def monthly_statement(
    *, account: Account, year: int, month: int, today: datetime.date | None = None
) -> AccountStatement:
    """The account's statement for a month: ``BillingError`` (field ``month``)
    for a month in the future or before the account was opened.

    Five queries (four with the organisation already read), however many
    entries and invoices.
    """
    today = today or timezone.localdate()
    start = _month(account, year, month, today)
    end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    as_of = min(end, today)
    opening = selectors.balance(account=account, before=start)
    entries = _entries(account, start, end, opening)
    debits = sum((e.debit for e in entries), ZERO)
    credits = sum((e.credit for e in entries), ZERO)
    organisation = account.organisation
    return AccountStatement(
        account_id=account.pk,
        organisation=organisation.name,
        address=organisation.delivery_address,
        year=start.year,
        month=start.month,
        start=start,
        end=end,
        as_of=as_of,
        opening_balance=opening,
        entries=tuple(entries),
        debits=debits,
        credits=credits,
        closing_balance=opening + debits - credits,
        credit_limit=account.credit_limit,
        open_invoices=tuple(open_invoices(account=account, as_of=as_of)),
    )


@dataclass(frozen=True)
class InvoiceDocumentLine:
    title: str
    ordered_kg: Decimal
    received_kg: Decimal
    price_per_kg: Decimal
    amount: Decimal
    not_charged: Decimal  # what the kg that did not arrive would have cost


@dataclass(frozen=True)
class InvoiceDocument:
    number: str
    organisation: str
    address: str
    order_number: str
    delivery_date: datetime.date
    issued_on: datetime.date
    due_on: datetime.date
    lines: tuple[InvoiceDocumentLine, ...]
    ordered_amount: Decimal
    amount: Decimal
    settled: Decimal
    outstanding: Decimal
    days_overdue: int

    @property
    def not_charged(self) -> Decimal:
        return sum((line.not_charged for line in self.lines), ZERO)


def invoice_document(
    invoice: Invoice, *, today: datetime.date | None = None
) -> InvoiceDocument:
    """An invoice as its PDF prints it, settled as of now (two queries)."""
    invoice = Invoice.objects.select_related(
        "account__organisation", "bulk_order__order"
    ).get(pk=invoice.pk)
    today = today or timezone.localdate()
    organisation = invoice.account.organisation
    lines = tuple(
        InvoiceDocumentLine(
            title=line.title,
            ordered_kg=line.ordered_kg,
            received_kg=line.received_kg,
            price_per_kg=(line.unit_price / line.unit_kg).quantize(
                FEN, rounding=ROUND_HALF_UP
            )
            if line.unit_kg
            else line.unit_price,
            amount=line.amount,
            not_charged=line.not_charged,
        )
        for line in invoice.lines.order_by("pk")
    )
    return InvoiceDocument(
        number=invoice.number,
        organisation=organisation.name,
        address=organisation.delivery_address,
        order_number=invoice.bulk_order.order.number,
        delivery_date=invoice.bulk_order.delivery_date,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        lines=lines,
        ordered_amount=invoice.ordered_amount,
        amount=invoice.amount,
        settled=invoice.settled,
        outstanding=invoice.outstanding,
        days_overdue=(today - invoice.due_on).days
        if selectors.is_overdue(invoice, today=today)
        else 0,
    )
