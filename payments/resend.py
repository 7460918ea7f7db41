"""Sending tasks again from the payments sweeps (stale webhook events, refunds
whose task died)."""

import logging
from collections.abc import Iterable

from celery import Task

logger = logging.getLogger(__name__)


def resend_each(task: Task, ids: Iterable[int], label: str) -> list[int]:
    """``task.delay(pk)`` for each id; returns the ids sent. One that cannot be
    sent (run in-process without a broker, its task raises) or enqueued must not
    keep the others waiting: it is logged and left for the sweep's next run.

    Published directly, not through the outbox: the sweeps run in a worker, and
    the rows they read are themselves the record the next run reads again."""
    sent = []
    for pk in ids:
        try:
            task.delay(pk)
        except Exception:
            logger.exception("%s %s: could not be sent again", label, pk)
            continue
        sent.append(pk)
    return sent
