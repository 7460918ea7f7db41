"""Reads of the outbox: what is waiting, for operators (``relay_outbox --status``)."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min
from django.utils import timezone

from outbox.models import OutboxMessage


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_age: datetime.timedelta | None
    failing: int  # pending rows that have failed to publish at least once


def backlog(*, now: datetime.datetime | None = None) -> Backlog:
    figures = OutboxMessage.objects.filter(sent_at__isnull=True).aggregate(
        pending=Count("pk"), oldest=Min("created_at")
    )
    failing = OutboxMessage.objects.filter(sent_at__isnull=True, attempts__gt=0).count()
    oldest = figures["oldest"]
    return Backlog(
        pending=figures["pending"],
        oldest_age=(now or timezone.now()) - oldest if oldest else None,
        failing=failing,
    )
