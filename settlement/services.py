"""Writing settlement: issuing statements, paying them, paying households.

**What a statement settles.** Issuing a period settles every ledger entry of the
cooperative with a sale date up to the period's end that no statement has settled
yet (``StatementEntry``: one statement per entry, ever), and that exists when the
statements are issued. An entry written later for a sale date in an issued period
(a late receipt, a reversal) is settled by the *next* statement as an adjustment
line: issued statements never change, and nothing is paid twice or forgotten.
Entries dated before the first period are history, never settled.

**Money.** Goods are the net yuan of the entries (reversals included). The fee
is ``goods * NONGJIA_PLATFORM_FEE_RATE`` rounded half-up to the fen (0.005 yuan
rounds up; a negative goods total gives a negative fee the same way, half away
from zero), and the payout is exactly goods - fee. The household lines are the
sums of the same entries per household, so they add up to goods to the fen.

Locks: the period, then the statement, then the household line.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from ledger.models import LedgerEntry
from settlement.errors import SettlementError
from settlement.models import (
    EventKind,
    HouseholdPayment,
    PaymentMethod,
    Payout,
    SettlementEvent,
    SettlementPeriod,
    Statement,
    StatementEntry,
    StatementHousehold,
    StatementLine,
)
from suppliers.access import is_staff
from suppliers.selectors import managed_cooperative_ids

FEN = Decimal("0.01")
ZERO = Decimal("0")


def platform_fee_rate() -> Decimal:
    """``NONGJIA_PLATFORM_FEE_RATE``: 0 by default (no fee, as on the national
    platform); 0.015 means 1.5 percent."""
    rate = Decimal(str(getattr(settings, "NONGJIA_PLATFORM_FEE_RATE", "0")))
    if not ZERO <= rate < 1:
        raise ValueError("NONGJIA_PLATFORM_FEE_RATE must be at least 0 and below 1")
    return rate


def platform_fee(goods: Decimal, rate: Decimal) -> Decimal:
    """The fee on ``goods`` at ``rate``, rounded half-up to the fen."""
    return (goods * rate).quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass
class _Sums:
    kg: Decimal = ZERO
    yuan: Decimal = ZERO

    def add(self, kg: Decimal, yuan: Decimal) -> None:
        self.kg += kg
        self.yuan += yuan


@dataclass
class _Draft:
    """One cooperative's entries, summed, before its statement is written."""

    entry_ids: list[int] = field(default_factory=list)
    total: _Sums = field(default_factory=_Sums)
    adjustments: _Sums = field(default_factory=_Sums)
    lines: dict = field(default_factory=lambda: defaultdict(_Sums))
    households: dict = field(default_factory=lambda: defaultdict(_Sums))


@transaction.atomic
def issue_statements(
    *, period_id: int, actor=None, today: datetime.date | None = None
) -> list[Statement]:
    """Issue the period's statements, one per cooperative with entries to settle,
    and close the period. Issuing a closed period again returns its statements and
    writes nothing. A period is issued only once it has ended and after every
    earlier period."""
    period = SettlementPeriod.objects.select_for_update().get(pk=period_id)
    if period.closed:
        return list(period.statements.order_by("cooperative_id"))
    today = today or timezone.localdate()
    if period.end >= today:
        raise SettlementError(
            _("The period ends on %(date)s: it can be issued from the day after.")
            % {"date": period.end.isoformat()},
            code="period_not_ended",
        )
    if SettlementPeriod.objects.filter(start__lt=period.start, closed=False).exists():
        raise SettlementError(
            _("An earlier period is not issued yet: issue periods in order."),
            code="earlier_period_open",
        )
    first_start = SettlementPeriod.objects.order_by("start").values_list(
        "start", flat=True
    )[0]
    drafts = _drafts(period=period, first_start=first_start)
    rate = platform_fee_rate()
    now = timezone.now()
    statements = [
        _write_statement(
            period=period,
            cooperative_id=cooperative_id,
            draft=drafts[cooperative_id],
            rate=rate,
            now=now,
            actor=actor,
        )
        for cooperative_id in sorted(drafts)
    ]
    period.closed = True
    period.issued_at = now
    period.save(update_fields=["closed", "issued_at"])
    SettlementEvent.objects.create(
        kind=EventKind.PERIOD_ISSUED,
        period=period,
        actor=actor,
        detail={
            "statements": len(statements),
            "goods_yuan": str(sum((s.goods_yuan for s in statements), ZERO)),
            "fee_rate": str(rate),
        },
    )
    return statements


def _drafts(*, period: SettlementPeriod, first_start: datetime.date) -> dict:
    entries = (
        LedgerEntry.objects.filter(
            sale_date__gte=first_start,
            sale_date__lte=period.end,
            settlement__isnull=True,
        )
        .order_by("cooperative_id", "pk")
        .values_list(
            "pk",
            "cooperative_id",
            "product_id",
            "channel_id",
            "household_id",
            "sale_date",
            "kg",
            "yuan",
        )
    )
    drafts: dict[int, _Draft] = defaultdict(_Draft)
    for pk, cooperative, product, channel, household, sale_date, kg, yuan in entries:
        draft = drafts[cooperative]
        adjustment = sale_date < period.start
        draft.entry_ids.append(pk)
        draft.total.add(kg, yuan)
        if adjustment:
            draft.adjustments.add(kg, yuan)
        draft.lines[(product, channel, adjustment)].add(kg, yuan)
        draft.households[household].add(kg, yuan)
    return drafts


def _write_statement(*, period, cooperative_id, draft: _Draft, rate, now, actor):
    goods = draft.total.yuan
    fee = platform_fee(goods, rate)
    statement = Statement.objects.create(
        period=period,
        cooperative_id=cooperative_id,
        number=f"JS{period.start:%Y%m%d}-{cooperative_id}",
        issued_at=now,
        goods_kg=draft.total.kg,
        goods_yuan=goods,
        adjustments_yuan=draft.adjustments.yuan,
        fee_rate=rate,
        fee_yuan=fee,
        payout_yuan=goods - fee,
    )
    StatementLine.objects.bulk_create(
        StatementLine(
            statement=statement,
            product_id=product,
            channel_id=channel,
            adjustment=adjustment,
            kg=sums.kg,
            yuan=sums.yuan,
        )
        for (product, channel, adjustment), sums in sorted(draft.lines.items())
    )
    StatementHousehold.objects.bulk_create(
        StatementHousehold(
            statement=statement, household_id=household, kg=sums.kg, yuan=sums.yuan
        )
        for household, sums in sorted(draft.households.items())
    )
    StatementEntry.objects.bulk_create(
        (StatementEntry(statement=statement, entry_id=pk) for pk in draft.entry_ids),
        batch_size=2000,
    )
    SettlementEvent.objects.create(
        kind=EventKind.STATEMENT_ISSUED,
        period=period,
        statement=statement,
        actor=actor,
        detail={
            "entries": len(draft.entry_ids),
            "goods_yuan": str(goods),
            "adjustments_yuan": str(draft.adjustments.yuan),
            "fee_yuan": str(fee),
            "payout_yuan": str(goods - fee),
        },
    )
    return statement


@transaction.atomic
def mark_payout_paid(
    *,
    statement_id: int,
    reference: str,
    actor,
    paid_at: datetime.datetime | None = None,
) -> Payout:
    """Staff record that the platform paid the cooperative its payout, once."""
    if not is_staff(actor):
        raise SettlementError(
            _("Only platform staff can mark a payout paid."), code="forbidden"
        )
    reference = reference.strip()
    if not reference:
        raise SettlementError(
            _("Give the payment's reference."), code="required", field="reference"
        )
    statement = Statement.objects.select_for_update().get(pk=statement_id)
    if Payout.objects.filter(statement=statement).exists():
        raise SettlementError(
            _("This statement's payout is marked paid already."), code="already_paid"
        )
    if statement.payout_yuan <= 0:
        raise SettlementError(
            _("This statement has nothing to pay out."), code="nothing_to_pay"
        )
    payout = Payout.objects.create(
        statement=statement,
        amount=statement.payout_yuan,
        paid_at=paid_at or timezone.now(),
        reference=reference,
        paid_by=actor,
    )
    SettlementEvent.objects.create(
        kind=EventKind.PAYOUT_PAID,
        period_id=statement.period_id,
        statement=statement,
        actor=actor,
        detail={"amount": str(payout.amount), "reference": reference},
    )
    audit.record(
        "payout.paid",
        payout,
        {
            "statement": statement.number,
            "cooperative": statement.cooperative_id,
            "amount": payout.amount,
            "reference": reference,
        },
        actor=actor,
    )
    return payout


@transaction.atomic
def record_household_payment(
    *,
    statement_id: int,
    household_id: int,
    amount: Decimal,
    paid_on: datetime.date,
    method: str,
    reference: str = "",
    actor,
    allow_overpayment: bool = False,
) -> HouseholdPayment:
    """The cooperative paid a household of the statement (staff may record it for
    them). Refused: a household not in the statement, an amount not above zero or
    not in fen, a date in the future, and more in total than the household earned
    in the statement unless ``allow_overpayment``."""
    statement = Statement.objects.select_for_update().get(pk=statement_id)
    if not (
        is_staff(actor)
        or statement.cooperative_id in managed_cooperative_ids(user=actor)
    ):
        raise SettlementError(
            _("Only the cooperative's managers and platform staff can record this."),
            code="forbidden",
        )
    if method not in PaymentMethod.values:
        raise SettlementError(
            _("Choose how the household was paid."), code="invalid", field="method"
        )
    if amount <= 0 or amount != amount.quantize(FEN):
        raise SettlementError(
            _("The amount must be above zero, in yuan and fen."),
            code="invalid",
            field="amount",
        )
    if paid_on > timezone.localdate():
        raise SettlementError(
            _("The payment date cannot be in the future."),
            code="invalid",
            field="paid_on",
        )
    line = (
        StatementHousehold.objects.select_for_update()
        .filter(statement=statement, household_id=household_id)
        .first()
    )
    if line is None:
        raise SettlementError(
            _("This household has nothing in this statement."),
            code="not_in_statement",
            field="household",
        )
    paid = line.payments.aggregate(total=Sum("amount"))["total"] or ZERO
    overpayment = paid + amount > line.yuan
    if overpayment and not allow_overpayment:
        raise SettlementError(
            _(
                "The household earned %(earned)s yuan in this statement and has been "
                "paid %(paid)s: %(amount)s more would overpay it. Tick the box to "
                "record it anyway."
            )
            % {"earned": line.yuan, "paid": paid, "amount": amount},
            code="overpayment",
            field="amount",
        )
    payment = HouseholdPayment.objects.create(
        line=line,
        amount=amount,
        paid_on=paid_on,
        method=method,
        reference=reference.strip(),
        overpayment=overpayment,
        recorded_by=actor,
    )
    SettlementEvent.objects.create(
        kind=EventKind.HOUSEHOLD_PAID,
        period_id=statement.period_id,
        statement=statement,
        actor=actor,
        detail={
            "household": household_id,
            "amount": str(amount),
            "paid_on": paid_on.isoformat(),
            "method": method,
            "reference": payment.reference,
            "overpayment": overpayment,
        },
    )
    audit.record(
        "household_payment.recorded",
        payment,
        {
            "statement": statement.number,
            "household": household_id,
            "amount": amount,
            "paid_on": paid_on,
            "method": method,
            "overpayment": overpayment,
        },
        actor=actor,
    )
    return payment
