"""Settlement's beat task: issue each ended period and open the next."""

import logging

from celery import shared_task
from django.utils import timezone

from settlement.periods import open_next_period, open_period
from settlement.selectors import periods
from settlement.services import issue_statements

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def settle_ended_periods() -> int:
    """Issue every ended period, oldest first, and keep one open period ahead.

    Idempotent (an issued period is skipped, an opened one reused), so a rerun or
    a run after days of downtime is harmless: it catches up period by period. With
    no period yet, the first opens today. Returns how many statements it issued.
    """
    today = timezone.localdate()
    if not periods().exists():
        open_period(start=today)
    issued = 0
    while True:
        period = periods().filter(closed=False).order_by("start").first()
        if period is None:
            open_next_period(after=periods().first())
            continue
        if period.end >= today:
            break
        issued += len(issue_statements(period_id=period.pk, today=today))
    if issued:
        log.info("settlement: %d statements issued", issued)
    return issued
