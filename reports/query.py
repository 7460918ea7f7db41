"""What a report asks for: a period, a grouping and filters, checked.

Groupings and filters use the same names (the API's and the pages' query string):
``channel``, ``channel-kind``, ``cooperative``, ``household``, ``village``,
``town``, ``county``, ``product``, ``category``, ``canteen``, and ``period`` with an
``interval`` (day, week, month, quarter, year).
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from channels.models import ChannelKind

GROUPINGS = (
    "channel",
    "channel-kind",
    "cooperative",
    "household",
    "village",
    "town",
    "county",
    "product",
    "category",
    "canteen",
    "period",
)
INTERVALS = ("day", "week", "month", "quarter", "year")
MAX_DAYS = 366 * 5
# The dates a period may take: the ledger's era, with room for the period of the
# same length before it (the change) and for a period's last interval, which
# date arithmetic near year 1 or 9999 would overflow.
FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2099, 12, 31)


@dataclass(frozen=True)
class ReportQuery:
    start: datetime.date
    end: datetime.date  # inclusive
    grouping: str | None = None  # None: the totals only (the headline)
    interval: str = "month"
    filters: dict = field(default_factory=dict)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "ReportQuery":
        """The period of the same length just before, for the change: as many
        whole months when the period is whole months (H1 after H2 of the year
        before, a quarter after the quarter before), else as many days."""
        one_day = datetime.timedelta(days=1)
        months = _whole_months(self.start, self.end)
        if months:
            start = _add_months(self.start, -months)
        else:
            start = self.start - datetime.timedelta(days=self.days)
        return ReportQuery(
            start, self.start - one_day, self.grouping, self.interval, self.filters
        )


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _whole_months(start: datetime.date, end: datetime.date) -> int | None:
    """How many months the period is, when it runs from a month's first day to a
    month's last day; else None."""
    after = end + datetime.timedelta(days=1)
    if start.day != 1 or after.day != 1:
        return None
    return (after.year - start.year) * 12 + after.month - start.month


def build_query(
    *, start, end, grouping=None, interval="month", filters=None
) -> ReportQuery:
    """A checked query, or ``ValidationError`` naming each bad field."""
    errors = {}
    if start is None or end is None:
        errors["from"] = [_("Give the period: from and to dates.")]
    elif end < start:
        errors["to"] = [_("The end of the period is before its start.")]
    elif (end - start).days + 1 > MAX_DAYS:
        errors["to"] = [_("A report covers at most five years.")]
    elif start < FIRST_DAY or end > LAST_DAY:
        name = "from" if start < FIRST_DAY else "to"
        errors[name] = [
            _("Give a date from %(first)s to %(last)s.")
            % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
        ]
    if grouping is not None and grouping not in GROUPINGS:
        errors["grouping"] = [_("Unknown grouping.")]
    if interval not in INTERVALS:
        errors["interval"] = [_("Choose day, week, month, quarter or year.")]
    clean = {}
    for name, value in (filters or {}).items():
        if name not in GROUPINGS or name == "period":
            errors[name] = [_("Unknown filter.")]
        elif name == "channel-kind":
            if value not in ChannelKind.values:
                errors[name] = [_("Unknown kind of channel.")]
            else:
                clean[name] = value
        else:
            try:
                clean[name] = int(value)
                if not 0 < clean[name] < 2**63:
                    raise ValueError
            except (TypeError, ValueError):
                errors[name] = [_("Give an id (a whole number).")]
    if errors:
        raise ValidationError(errors)
    return ReportQuery(start, end, grouping, interval, clean)
