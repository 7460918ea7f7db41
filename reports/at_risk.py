"""Households at risk of falling back into poverty: registered households whose
consumption-assistance income is nil or falling."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

from ledger.models import LedgerEntry, PeriodMember
from ledger.summaries import HOUSEHOLD, period_bounds, periods
from reports.query import ReportQuery
from reports.selectors import FEN, FIELD, GEOGRAPHY, ONE_DAY, ZERO
from suppliers.models import Household

# The only filters that apply to a household (in the order the form shows them).
FILTERS = ("county", "town", "village", "cooperative")


def refuse_canteens(scope) -> None:
    """Households at risk are the officials' and cooperatives' concern."""
    if scope.dimension == "canteen":
        raise PermissionDenied(
            _("Households at risk are for officials and cooperatives.")
        )


def check_filters(query: ReportQuery) -> None:
    """``ValidationError`` naming each filter that does not apply to a household."""
    unknown = sorted(set(query.filters) - set(FILTERS))
    if unknown:
        raise ValidationError(
            {name: [_("Not a filter of this report.")] for name in unknown}
        )


@dataclass
class AtRisk:
    household: Household
    yuan: Decimal
    previous_yuan: Decimal


def households_at_risk(query: ReportQuery) -> list[AtRisk]:
    """Registered (or monitored) households with no consumption-assistance income
    in the period, or less than in the period before: the households the report
    worries may fall back into poverty. By village, then archive number.

    Place filters narrow the households; a ``cooperative`` filter keeps its member
    households and counts only its sales (a cooperative sees its own figures)."""
    cooperative = query.filters.get("cooperative")
    through = {"cooperative_id": cooperative} if cooperative else {}
    members = {"memberships__cooperative_id": cooperative} if cooperative else {}

    def income(q: ReportQuery) -> dict:
        keys = calendar_cover(q.start, q.end)
        if keys is not None:
            return _member_income(keys, q.filters, cooperative)
        return {
            household: Decimal(yuan).quantize(FEN)
            for household, yuan in LedgerEntry.objects.filter(
                sale_date__range=(q.start, q.end), **_geography(q.filters), **through
            )
            .values("household_id")
            .annotate(yuan=Sum("yuan"))
            .values_list("household_id", "yuan")
        }

    now, before = income(query), income(query.previous())
    households = (
        Household.objects.filter(status__in=("registered", "monitored"))
        .filter(**_geography(query.filters))
        .filter(**members)
        .select_related("village__town__county")
        .order_by(
            "village__town__county__name",
            "village__town__name",
            "village__name",
            "archive_number",
        )
    )
    return [
        AtRisk(h, now.get(h.pk, ZERO), before.get(h.pk, ZERO))
        for h in households
        if now.get(h.pk, ZERO) <= 0 or now.get(h.pk, ZERO) < before.get(h.pk, ZERO)
    ]


def _member_income(keys: list[str], filters: dict, cooperative) -> dict:
    """Households' net yuan over whole calendar periods, from the period members
    (one row per household and period, not every entry)."""
    income = defaultdict(lambda: ZERO)
    members = PeriodMember.objects.filter(
        kind=HOUSEHOLD, period__in=keys, **_geography(filters)
    )
    for member, yuan, cooperatives in members.values_list(
        "member", "yuan", "cooperatives"
    ):
        if cooperative:
            yuan = Decimal(cooperatives.get(str(cooperative), 0))
        income[int(member)] += Decimal(yuan)
    return {household: yuan.quantize(FEN) for household, yuan in income.items()}


def calendar_cover(start: datetime.date, end: datetime.date) -> list[str] | None:
    """The fewest calendar period keys (years, quarters, months) that make up
    [start, end] exactly, or None when it is not whole months."""
    if start.day != 1 or (end + ONE_DAY).day != 1:
        return None
    keys, day = [], start
    while day <= end:
        year, quarter, month = periods(day)
        for key in (year, quarter, month):
            first, after = period_bounds(key)
            if first == day and after - ONE_DAY <= end:
                keys.append(key)
                day = after
                break
    return keys


def _geography(filters: dict) -> dict:
    """Only the place filters (same fields on a household and on an entry)."""
    return {FIELD[n]: v for n, v in filters.items() if n in GEOGRAPHY}
