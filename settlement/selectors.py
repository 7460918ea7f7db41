"""Reading settlement, each query scoped to what the user may see.

Staff and officials see every statement; a cooperative's managers see their own
cooperative's; anyone else none. Adapters look statements up in these querysets
only, so another cooperative's statement answers 404.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from settlement.models import (
    HouseholdPayment,
    SettlementPeriod,
    Statement,
    StatementHousehold,
)
from suppliers.access import is_staff, sees_all_supply
from suppliers.selectors import managed_cooperative_ids

ZERO = Decimal("0")
FEN = Decimal("0.01")
MONEY = DecimalField(max_digits=14, decimal_places=2)


def fen(value: Decimal) -> Decimal:
    """Computed sums come back from SQLite with float digits: back to the fen."""
    return Decimal(value).quantize(FEN)


def periods() -> QuerySet[SettlementPeriod]:
    return SettlementPeriod.objects.order_by("-start")


def statements_visible(*, user: User | AnonymousUser) -> QuerySet[Statement]:
    qs = Statement.objects.select_related(
        "period", "cooperative__partner", "payout__paid_by"
    ).order_by("-period__start", "cooperative_id")
    if sees_all_supply(user):
        return qs
    ids = managed_cooperative_ids(user=user)
    return qs.filter(cooperative_id__in=ids) if ids else qs.none()


def statements_payable(*, user: User | AnonymousUser) -> QuerySet[Statement]:
    """Statements whose household payments the user may record: staff, and the
    cooperative's managers (officials read only)."""
    qs = statements_visible(user=user)
    if is_staff(user):
        return qs
    return qs.filter(cooperative_id__in=managed_cooperative_ids(user=user))


def _paid():
    paid = (
        HouseholdPayment.objects.filter(line=OuterRef("pk"))
        .values("line")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(paid, output_field=MONEY), ZERO, output_field=MONEY)


def _outstanding():
    # Typed, so that SQLite's result is quantized to the fen like PostgreSQL's.
    return ExpressionWrapper(F("yuan") - F("paid"), output_field=MONEY)


def household_lines(*, statement: Statement) -> QuerySet[StatementHousehold]:
    """The statement's households with ``paid`` and ``outstanding`` yuan."""
    return (
        StatementHousehold.objects.filter(statement=statement)
        .select_related("household__village")
        .annotate(paid=_paid())
        .annotate(outstanding=_outstanding())
        .order_by("household__archive_number")
    )


def unpaid_households(
    *,
    user: User | AnonymousUser,
    period_id: int | None = None,
    cooperative_id: int | None = None,
) -> QuerySet[StatementHousehold]:
    """Households of visible statements paid less than they earned, oldest
    statement first. ``paid`` and ``outstanding`` are exact on PostgreSQL; on SQLite
    they carry float digits (equal as numbers): show them through ``fen``."""
    qs = (
        StatementHousehold.objects.filter(
            statement__in=statements_visible(user=user).values("pk")
        )
        .select_related(
            "statement__period",
            "statement__cooperative__partner",
            "household__village__town",
        )
        .annotate(paid=_paid())
        .annotate(outstanding=_outstanding())
        .filter(outstanding__gt=0)
        .order_by(
            "statement__period__start", "statement_id", "household__archive_number"
        )
    )
    if period_id is not None:
        qs = qs.filter(statement__period_id=period_id)
    if cooperative_id is not None:
        qs = qs.filter(statement__cooperative_id=cooperative_id)
    return qs


def payments_of(*, statement: Statement) -> QuerySet[HouseholdPayment]:
    return (
        HouseholdPayment.objects.filter(line__statement=statement)
        .select_related("line__household", "recorded_by")
        .order_by("-paid_on", "-id")
    )


@dataclass(frozen=True)
class LineRow:
    product: str
    sku: str
    channel: str
    adjustment: bool
    kg: Decimal
    yuan: Decimal


@dataclass(frozen=True)
class HouseholdRow:
    archive_number: str
    village: str
    kg: Decimal
    yuan: Decimal
    paid: Decimal
    outstanding: Decimal


@dataclass(frozen=True)
class StatementDocument:
    """What the statement's PDF and XLSX print, read once."""

    number: str
    cooperative: str
    registration_code: str
    period_start: object
    period_end: object
    issued_at: object
    lines: list[LineRow]
    goods_kg: Decimal
    goods_yuan: Decimal
    adjustments_yuan: Decimal
    fee_rate: Decimal
    fee_yuan: Decimal
    payout_yuan: Decimal
    payout_reference: str
    payout_paid_at: object
    households: list[HouseholdRow]
    paid_yuan: Decimal
    outstanding_yuan: Decimal


def statement_document(*, statement: Statement) -> StatementDocument:
    lines = [
        LineRow(
            product=line.product.title,
            sku=line.product.upc or "",
            channel=line.channel.name,
            adjustment=line.adjustment,
            kg=line.kg,
            yuan=line.yuan,
        )
        for line in statement.lines.select_related("product", "channel").order_by(
            "adjustment", "product__title", "channel__name"
        )
    ]
    households = [
        HouseholdRow(
            archive_number=row.household.archive_number,
            village=row.household.village.name,
            kg=row.kg,
            yuan=row.yuan,
            paid=fen(row.paid),
            outstanding=fen(max(row.outstanding, ZERO)),
        )
        for row in household_lines(statement=statement)
    ]
    payout = getattr(statement, "payout", None)
    return StatementDocument(
        number=statement.number,
        cooperative=statement.cooperative.name,
        registration_code=statement.cooperative.registration_code,
        period_start=statement.period.start,
        period_end=statement.period.end,
        issued_at=statement.issued_at,
        lines=lines,
        goods_kg=statement.goods_kg,
        goods_yuan=statement.goods_yuan,
        adjustments_yuan=statement.adjustments_yuan,
        fee_rate=statement.fee_rate,
        fee_yuan=statement.fee_yuan,
        payout_yuan=statement.payout_yuan,
        payout_reference=payout.reference if payout else "",
        payout_paid_at=payout.paid_at if payout else None,
        households=households,
        paid_yuan=sum((h.paid for h in households), ZERO),
        outstanding_yuan=sum((h.outstanding for h in households), ZERO),
    )
