"""The period picker's quick choices: whole calendar periods, so that the
headline's change compares like with like (a quarter with the quarter before)
and the distinct counts come from the period summaries, not the ledger."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class QuickPeriod:
    name: str  # a stable id for tests and CSS
    label: str
    start: datetime.date
    end: datetime.date


def _quarter_start(day: datetime.date) -> datetime.date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """This year to today: what an official opening the reports wants first."""
    return today.replace(month=1, day=1), today


def quick_periods(today: datetime.date) -> list[QuickPeriod]:
    """This year, month and quarter to date, the last whole month, quarter and
    year, and the first half of 2020 (the field report the demo reproduces)."""
    month = today.replace(day=1)
    last_month = (month - ONE_DAY).replace(day=1)
    quarter = _quarter_start(today)
    last_quarter = _quarter_start(quarter - ONE_DAY)
    year = today.replace(month=1, day=1)
    last_year = year.replace(year=year.year - 1)
    return [
        QuickPeriod("year-to-date", _("This year"), year, today),
        QuickPeriod("quarter-to-date", _("This quarter"), quarter, today),
        QuickPeriod("month-to-date", _("This month"), month, today),
        QuickPeriod("last-month", _("Last month"), last_month, month - ONE_DAY),
        QuickPeriod("last-quarter", _("Last quarter"), last_quarter, quarter - ONE_DAY),
        QuickPeriod("last-year", _("Last year"), last_year, year - ONE_DAY),
        QuickPeriod(
            "2020-h1",
            _("First half of 2020 (field report)"),
            datetime.date(2020, 1, 1),
            datetime.date(2020, 6, 30),
        ),
    ]


def chart_interval(start: datetime.date, end: datetime.date) -> str:
    """The sales-over-time chart's step: days for up to two months, else months
    (whole months are read from the monthly summaries)."""
    return "day" if (end - start).days < 62 else "month"
