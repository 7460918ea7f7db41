"""Settlement periods: opened one after the other, without gaps or overlaps.

Their length is ``NONGJIA_SETTLEMENT_DAYS`` (14 by default, fortnightly) when a
period is opened; changing the setting changes the periods opened afterwards.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from settlement.errors import SettlementError
from settlement.models import EventKind, SettlementEvent, SettlementPeriod


def settlement_days() -> int:
    days = int(getattr(settings, "NONGJIA_SETTLEMENT_DAYS", 14))
    if days < 1:
        raise ValueError("NONGJIA_SETTLEMENT_DAYS must be at least 1")
    return days


def open_period(
    *, start: datetime.date, days: int | None = None, actor=None
) -> SettlementPeriod:
    """Open the period that starts on ``start``; the same start twice returns the
    period opened the first time. After the first period, a period must start the
    day after the latest one ends, so every sale date is in one period."""
    try:
        with transaction.atomic():
            return _open_period(start=start, days=days, actor=actor)
    except IntegrityError:
        # Opened at the same moment by someone else (unique start).
        return SettlementPeriod.objects.get(start=start)


def _open_period(*, start, days, actor) -> SettlementPeriod:
    existing = SettlementPeriod.objects.filter(start=start).first()
    if existing is not None:
        return existing
    latest = SettlementPeriod.objects.order_by("-start").first()
    if latest is not None and start != latest.end + datetime.timedelta(days=1):
        raise SettlementError(
            _("The next period must start on %(date)s, the day after the last one.")
            % {"date": (latest.end + datetime.timedelta(days=1)).isoformat()},
            code="period_gap",
            field="start",
        )
    days = days or settlement_days()
    period = SettlementPeriod.objects.create(
        start=start, end=start + datetime.timedelta(days=days - 1)
    )
    SettlementEvent.objects.create(
        kind=EventKind.PERIOD_OPENED,
        period=period,
        actor=actor,
        detail={"start": period.start.isoformat(), "end": period.end.isoformat()},
    )
    return period


def open_next_period(*, after: SettlementPeriod, actor=None) -> SettlementPeriod:
    return open_period(start=after.end + datetime.timedelta(days=1), actor=actor)
