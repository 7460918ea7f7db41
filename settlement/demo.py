"""Demo settlement, so the statements, payouts and the officials' report of unpaid
households have something to show after ``make run``.

Once (skipped when any settlement period exists, the way the demo orders are):
- the fortnight that ended yesterday, which holds the demo canteen's order received
  last week, is opened and issued: a statement for each cooperative with sales in it
  (the demo's H1 2020 history is dated before the first period, so it is never
  settled, with or without ``--no-history``);
- the next period is opened from today, as the daily task would;
- staff mark the payout of the demo ``manager``'s cooperative paid, with a bank
  reference, and that cooperative pays some of its member households: the first
  ``PAID_IN_FULL`` by archive number in full, the next one half, the rest nothing
  yet, so ``/reports/settlement/`` lists both paid and unpaid households.
All through the settlement services, with the demo users as actors.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from settlement.models import (
    HouseholdPayment,
    PaymentMethod,
    Payout,
    SettlementPeriod,
    Statement,
    StatementHousehold,
)
from settlement.periods import open_next_period, open_period
from settlement.selectors import household_lines
from settlement.services import (
    issue_statements,
    mark_payout_paid,
    record_household_payment,
)
from suppliers.selectors import managed_cooperative_ids

DEMO_DAYS = 14  # the issued fortnight ends yesterday and holds last week's receipt
PAID_IN_FULL = 3
FEN = Decimal("0.01")
# (method, reference prefix) of the household payments, in archive-number order.
METHODS = (
    (PaymentMethod.BANK_TRANSFER, "农信转账"),
    (PaymentMethod.MOBILE, "微信转账"),
    (PaymentMethod.CASH, "现金签收"),
    (PaymentMethod.BANK_TRANSFER, "农信转账"),
)


def payout_reference(statement: Statement) -> str:
    """A bank transfer reference as the platform's bank would print it."""
    return f"GDRCU-{statement.period.end:%Y%m%d}-{statement.cooperative_id:04d}"


@dataclass(frozen=True)
class SettlementSummary:
    periods_issued: int
    statements: int
    goods_yuan: Decimal
    payouts_paid: int
    household_lines: int
    households_paid: int  # paid something


@transaction.atomic
def ensure_settlement(*, today: datetime.date | None = None) -> bool:
    """Settle the demo's last fortnight once; returns whether this run did."""
    if SettlementPeriod.objects.exists():
        return False
    today = today or timezone.localdate()
    staff = User.objects.get(username="staff")
    manager = User.objects.get(username="manager")
    period = open_period(
        start=today - datetime.timedelta(days=DEMO_DAYS), days=DEMO_DAYS, actor=staff
    )
    statements = issue_statements(period_id=period.pk, actor=staff, today=today)
    open_next_period(after=period, actor=staff)
    managed = managed_cooperative_ids(user=manager)
    ours = [s for s in statements if s.cooperative_id in managed]
    for statement in ours[:1]:
        if statement.payout_yuan > 0:
            mark_payout_paid(
                statement_id=statement.pk,
                reference=payout_reference(statement),
                actor=staff,
            )
        _pay_households(statement=statement, manager=manager, today=today)
    return True


def _pay_households(*, statement: Statement, manager, today) -> None:
    """The first ``PAID_IN_FULL`` households in full, the next one half; at least
    one household is left unpaid whatever the number of lines."""
    lines = [line for line in household_lines(statement=statement) if line.yuan > 0]
    payable = lines[: max(len(lines) - 1, 0)][: PAID_IN_FULL + 1]
    for index, line in enumerate(payable):
        amount = line.yuan
        if index == PAID_IN_FULL:
            amount = (line.yuan / 2).quantize(FEN, ROUND_DOWN)
        if amount <= 0:
            continue
        method, prefix = METHODS[index % len(METHODS)]
        record_household_payment(
            statement_id=statement.pk,
            household_id=line.household_id,
            amount=amount,
            paid_on=today,
            method=method,
            reference=f"{prefix} {statement.number}-{index + 1}",
            actor=manager,
        )


def settlement_summary() -> SettlementSummary:
    """What the demo's settlement holds now (printed by ``load_demo``)."""
    statements = Statement.objects.aggregate(n=Count("pk"), goods=Sum("goods_yuan"))
    return SettlementSummary(
        periods_issued=SettlementPeriod.objects.filter(closed=True).count(),
        statements=statements["n"],
        goods_yuan=Decimal(statements["goods"] or 0).quantize(FEN),
        payouts_paid=Payout.objects.count(),
        household_lines=StatementHousehold.objects.count(),
        households_paid=HouseholdPayment.objects.values("line").distinct().count(),
    )
