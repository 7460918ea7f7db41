"""Canteens' reserved share: how much of each year's target they have bought.

Guangdong asks budget units to reserve at least 30% of canteen food procurement for
poverty-area produce (the national floor is 10%). A canteen's target for a year is
its plan's food budget times its reserved share (``canteens.ProcurementPlan``);
progress counts only what the canteen *received* (``ReceiptLine.amount``, what it
owes) on orders delivered in that year, and only lines whose product was certified
poverty-area produce on the delivery date. Ordered or shipped goods do not count.

Lives in ``fulfilment`` because it reads receipts: ``canteens`` may not import
``fulfilment``. Three queries whatever the number of canteens and lines.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db.models import F, Q, Sum
from django.utils import timezone

from canteens.models import PROVINCIAL_SHARE, Organisation, ProcurementPlan
from canteens.selectors import organisation_ids as member_of
from fulfilment.models import ReceiptLine
from shop.apps.catalogue.models import certified_on
from suppliers.access import sees_all_supply

ZERO = Decimal(0)
HUNDRED = Decimal(100)
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Pace:
    """How much of the year has passed on ``today``: ``elapsed`` of ``days``."""

    elapsed: int
    days: int

    @property
    def percent(self) -> Decimal:
        return _percent(Decimal(self.elapsed), Decimal(self.days))


@dataclass(frozen=True)
class Progress:
    """One canteen's progress towards its reserved share in one year.

    Without a plan for the year, budget, ratio, target and percent are ``None``
    and the canteen is neither behind pace nor below the provincial share.
    """

    organisation: Organisation
    year: int
    plan: ProcurementPlan | None
    received_yuan: Decimal
    pace: Pace

    @property
    def has_plan(self) -> bool:
        return self.plan is not None

    @property
    def budget(self) -> Decimal | None:
        return self.plan.food_budget if self.plan else None

    @property
    def ratio(self) -> Decimal | None:
        return self.plan.reserved_ratio if self.plan else None

    @property
    def target(self) -> Decimal | None:
        """Budget times ratio, exact (four decimals, not rounded to the fen)."""
        return self.plan.target if self.plan else None

    @property
    def percent(self) -> Decimal | None:
        """Received as a percentage of the target, rounded down to 0.1 (so 100.0
        means reached); ``None`` without a plan or with a zero target."""
        if not self.target:
            return None
        return _percent(self.received_yuan, self.target)

    @property
    def expected_percent(self) -> Decimal:
        """Where the canteen should be by now: the share of the year elapsed."""
        return self.pace.percent

    @property
    def remaining_yuan(self) -> Decimal | None:
        if self.target is None:
            return None
        return max(self.target - self.received_yuan, ZERO)

    @property
    def behind_pace(self) -> bool:
        """Received less of the target than the share of the year elapsed
        (compared exactly, not on the rounded percentages)."""
        if not self.target:
            return False
        return self.received_yuan * self.pace.days < self.target * self.pace.elapsed

    @property
    def below_provincial(self) -> bool:
        """The plan reserves less than Guangdong's 30% (allowed, but flagged)."""
        return self.plan is not None and self.plan.reserved_ratio < PROVINCIAL_SHARE

    @property
    def bar_percent(self) -> int:
        """The progress bar's width: the percentage, 0 to 100."""
        return int(min(self.percent or ZERO, HUNDRED))


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * HUNDRED / whole).quantize(TENTH, rounding=ROUND_DOWN)


def year_pace(*, year: int, today: datetime.date) -> Pace:
    """Days of ``year`` elapsed by the end of ``today``: all of a past year, none of
    a future one (so a future year's plan is never behind)."""
    first = datetime.date(year, 1, 1)
    days = (datetime.date(year + 1, 1, 1) - first).days
    elapsed = min(max((today - first).days + 1, 0), days)
    return Pace(elapsed=elapsed, days=days)


def certified_on_delivery_date() -> Q:
    """Receipt lines whose product was certified poverty-area produce on the order's
    delivery date: ``product.certificate_status(on=delivery_date) == VALID`` as a
    condition on the rows (a certificate number, valid until that day or later)."""
    return certified_on(F("receipt__bulk_order__delivery_date"), "line__product__")


def received_by_canteen(
    *, year: int, organisation_ids: Iterable[int] | None = None
) -> dict[int, Decimal]:
    """Yuan received of certified produce per canteen (all canteens, or only
    ``organisation_ids``), on orders delivered in ``year``: one grouped query."""
    lines = ReceiptLine.objects.filter(
        certified_on_delivery_date(),
        receipt__bulk_order__delivery_date__gte=datetime.date(year, 1, 1),
        receipt__bulk_order__delivery_date__lt=datetime.date(year + 1, 1, 1),
    )
    if organisation_ids is not None:
        lines = lines.filter(receipt__bulk_order__organisation_id__in=organisation_ids)
    canteen = "receipt__bulk_order__organisation_id"
    totals = (
        lines.order_by()
        .values(canteen)
        .annotate(total=Sum("amount"))
        .values_list(canteen, "total")
    )
    return dict(totals)


def procurement_progress(
    *,
    year: int,
    organisation_ids: Iterable[int] | None = None,
    today: datetime.date | None = None,
) -> list[Progress]:
    """Each active canteen's progress in ``year`` (only ``organisation_ids`` when
    given), by name; canteens without a plan for the year are included.

    Three queries (canteens, plans, received sums) whatever the number of canteens
    and receipt lines; none when ``organisation_ids`` is empty.
    """
    canteens = Organisation.objects.filter(is_active=True).order_by("name", "pk")
    plans = ProcurementPlan.objects.filter(year=year)
    if organisation_ids is not None:
        organisation_ids = set(organisation_ids)
        if not organisation_ids:
            return []
        canteens = canteens.filter(pk__in=organisation_ids)
        plans = plans.filter(organisation_id__in=organisation_ids)
    canteens = list(canteens)
    if not canteens:
        return []
    by_canteen = {plan.organisation_id: plan for plan in plans}
    received = received_by_canteen(year=year, organisation_ids=organisation_ids)
    pace = year_pace(year=year, today=today or timezone.localdate())
    return [
        Progress(
            organisation=canteen,
            year=year,
            plan=by_canteen.get(canteen.pk),
            received_yuan=received.get(canteen.pk, ZERO),
            pace=pace,
        )
        for canteen in canteens
    ]


def progress_scope(*, user) -> set[int] | None:
    """The canteens whose progress ``user`` sees: ``None`` (every canteen) for
    staff and officials, else the canteens the user is a member of (maybe none)."""
    if sees_all_supply(user):
        return None
    return member_of(user=user)


def needing_attention_first(rows: Iterable[Progress]) -> list[Progress]:
    """Behind pace first (least progress first), then canteens without a plan,
    then the rest by name: the officials' report order."""

    def key(row: Progress):
        if row.behind_pace:
            return (0, row.percent or ZERO, row.organisation.name)
        return (1 if not row.has_plan else 2, ZERO, row.organisation.name)

    return sorted(rows, key=key)
