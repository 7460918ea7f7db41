"""The headline officials report upward: tonnes, yuan, active channels,
households reached and orders for a period, with the change from the period of
equal length just before it."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from reports.query import ReportQuery
from reports.selectors import facts_of, sales_report


@dataclass
class Headline:
    query: ReportQuery
    tonnes: Decimal
    yuan: Decimal
    channels_active: int
    households: int
    orders: int
    previous: "Headline | None" = None

    def change(self, name: str) -> Decimal | None:
        """Percent change from the previous period (None when it had nothing)."""
        if self.previous is None:
            return None
        before = Decimal(getattr(self.previous, name))
        if not before:
            return None
        return ((Decimal(getattr(self, name)) - before) * 100 / before).quantize(
            Decimal("0.1")
        )


def headline(query: ReportQuery, *, with_previous: bool = True) -> Headline:
    """The period's tonnes, yuan, active channels, households reached and orders,
    and the same for the period of equal length just before it."""
    totals = sales_report(
        ReportQuery(query.start, query.end, None, query.interval, query.filters)
    ).totals
    channels = (
        facts_of(query)
        .values("channel_id")
        .annotate(yuan=Sum("yuan"))
        .filter(yuan__gt=0)
        .count()
    )
    previous = (
        headline(query.previous(), with_previous=False) if with_previous else None
    )
    return Headline(
        query=query,
        tonnes=totals.tonnes,
        yuan=totals.yuan,
        channels_active=channels,
        households=totals.households,
        orders=totals.orders,
        previous=previous,
    )
