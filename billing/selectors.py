"""Reading canteen accounts: credit in use, balances, who sees which account."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from billing.models import Account, AccountOrder, Book, Invoice, Posting
from canteens.selectors import organisation_ids
from fulfilment.models import OrderStatus
from ledger.apportion import FEN
from suppliers.access import is_staff

ZERO = Decimal("0.00")
NOT_COMMITTED = (OrderStatus.CANCELLED, OrderStatus.DRAFT)


def _sum(queryset, field: str = "amount") -> Decimal:
    # SQLite sums decimals as floats: back to fen.
    total = queryset.aggregate(total=Sum(field))["total"]
    return Decimal(total or 0).quantize(FEN)


@dataclass(frozen=True)
class Credit:
    """``owed``: the receivable balance (invoices less payments and credit notes;
    negative when the canteen paid ahead). ``open_orders``: orders on account not
    yet invoiced nor cancelled, at their ordered totals. ``used`` is both, and
    what the credit limit is checked against."""

    limit: Decimal
    owed: Decimal
    open_orders: Decimal

    @property
    def used(self) -> Decimal:
        return self.owed + self.open_orders

    @property
    def available(self) -> Decimal:
        return self.limit - self.used


def open_orders_by_account(*, account_ids: Iterable[int]) -> dict[int, Decimal]:
    """Each account's orders not yet invoiced, at their ordered totals, by account
    id (accounts without any left out): one grouped query, however many accounts.

    The one place that says which orders on account count against the limit
    (``credit`` for one account, ``queries.figures`` for a page of them): those
    neither invoiced nor cancelled nor drafts.
    """
    rows = (
        AccountOrder.objects.filter(
            account_id__in=list(account_ids), bulk_order__invoice__isnull=True
        )
        .exclude(bulk_order__order__status__in=NOT_COMMITTED)
        .values("account_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    # SQLite sums decimals as floats: back to fen.
    return {row["account_id"]: Decimal(row["total"] or 0).quantize(FEN) for row in rows}


def balance(*, account: Account, before: datetime.date | None = None) -> Decimal:
    """What the canteen owes (receivable postings), before a day if given."""
    postings = Posting.objects.filter(account=account, book=Book.RECEIVABLE)
    if before is not None:
        postings = postings.filter(entry__booked_on__lt=before)
    return _sum(postings)


def credit(*, account: Account) -> Credit:
    return Credit(
        limit=account.credit_limit,
        owed=balance(account=account),
        open_orders=open_orders_by_account(account_ids=[account.pk]).get(
            account.pk, ZERO
        ),
    )


def accounts_visible(*, user: User | AnonymousUser) -> QuerySet[Account]:
    """Staff: every account; a canteen's buyers and approvers: their canteen's."""
    accounts = Account.objects.select_related("organisation")
    if is_staff(user):
        return accounts
    return accounts.filter(organisation_id__in=organisation_ids(user=user))


def invoices_visible(*, user: User | AnonymousUser) -> QuerySet[Invoice]:
    invoices = Invoice.objects.select_related(
        "account__organisation", "bulk_order__order"
    )
    if is_staff(user):
        return invoices
    return invoices.filter(account__organisation_id__in=organisation_ids(user=user))


def overdue(invoices: QuerySet[Invoice], *, today: datetime.date | None = None):
    """Invoices past their due date with money still to pay."""
    today = today or timezone.localdate()
    return invoices.filter(due_on__lt=today, settled__lt=F("amount"))


def is_overdue(invoice: Invoice, *, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return invoice.due_on < today and invoice.outstanding > 0
