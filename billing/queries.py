"""Reads for the account pages and the API: every account's figures at once.

``billing.selectors.credit`` answers for one account (two queries); a list of
accounts would ask it once per row. ``figures`` answers for any number of
accounts in three grouped queries, by the same rules: what is owed is the sum
of the receivable postings, orders not yet invoiced are
``selectors.open_orders_by_account`` (which ``credit`` asks too), overdue is what
is left to pay on invoices past their due date (``selectors.overdue``).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from billing import selectors
from billing.models import Account, BankPayment, Book, Invoice, Posting
from canteens.models import Organisation
from ledger.apportion import FEN

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Figures:
    """An account's credit as the pages and the API show it."""

    limit: Decimal
    owed: Decimal
    open_orders: Decimal
    overdue: Decimal

    @property
    def used(self) -> Decimal:
        return self.owed + self.open_orders

    @property
    def available(self) -> Decimal:
        return self.limit - self.used


@dataclass(frozen=True)
class AccountRow:
    account: Account
    figures: Figures


def _totals(rows, field: str = "total") -> dict[int, Decimal]:
    # SQLite sums decimals as floats: back to fen, as the selectors do.
    return {row["account_id"]: Decimal(row[field] or 0).quantize(FEN) for row in rows}


def figures(
    *, accounts: Iterable[Account], today: datetime.date | None = None
) -> dict[int, Figures]:
    """Each account's figures by account id: three queries, however many."""
    accounts = list(accounts)
    if not accounts:
        return {}
    today = today or timezone.localdate()
    ids = [account.pk for account in accounts]
    owed = _totals(
        Posting.objects.filter(account_id__in=ids, book=Book.RECEIVABLE)
        .values("account_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    ordered = selectors.open_orders_by_account(account_ids=ids)
    overdue = _totals(
        selectors.overdue(Invoice.objects.filter(account_id__in=ids), today=today)
        .values("account_id")
        .annotate(total=Sum(F("amount") - F("settled")))
        .order_by()
    )
    return {
        account.pk: Figures(
            limit=account.credit_limit,
            owed=owed.get(account.pk, ZERO),
            open_orders=ordered.get(account.pk, ZERO),
            overdue=overdue.get(account.pk, ZERO),
        )
        for account in accounts
    }


def account_rows(
    accounts: QuerySet[Account], *, today: datetime.date | None = None
) -> list[AccountRow]:
    """The accounts with their figures: four queries in all."""
    accounts = list(accounts.select_related("organisation"))
    by_id = figures(accounts=accounts, today=today)
    return [AccountRow(account, by_id[account.pk]) for account in accounts]


def active_canteens() -> QuerySet[Organisation]:
    return Organisation.objects.filter(is_active=True)


def canteens_without_account() -> QuerySet[Organisation]:
    """Active canteens that pay by card: those an account can be opened for."""
    return Organisation.objects.filter(is_active=True, account__isnull=True)


def open_invoices(*, account: Account) -> QuerySet[Invoice]:
    """Invoices with money still to pay, the first due first."""
    return Invoice.objects.filter(account=account, settled__lt=F("amount")).order_by(
        "due_on", "pk"
    )


def recent_payments(*, account: Account, limit: int = 10) -> QuerySet[BankPayment]:
    return BankPayment.objects.filter(account=account).order_by("-received_on", "-pk")[
        :limit
    ]


@dataclass(frozen=True)
class InvoiceRow:
    """An invoice with its flags: ``settled``, nothing left to pay; ``overdue``,
    past its due date with money still owed."""

    invoice: Invoice
    settled: bool
    overdue: bool


def invoice_rows(
    invoices: Iterable[Invoice], *, today: datetime.date | None = None
) -> list[InvoiceRow]:
    today = today or timezone.localdate()
    return [
        InvoiceRow(
            invoice,
            settled=invoice.outstanding <= 0,
            overdue=selectors.is_overdue(invoice, today=today),
        )
        for invoice in invoices
    ]


def settled_invoices(*, account: Account) -> QuerySet[Invoice]:
    """Invoices paid in full (or credited), the latest first."""
    return Invoice.objects.filter(account=account, settled__gte=F("amount")).order_by(
        "-issued_on", "-pk"
    )
