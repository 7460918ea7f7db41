"""The relay loop (``manage.py relay_outbox``, ``deploy/bin/relay``).

Every ``interval`` seconds it publishes the pending rows that are due, a batch
after another while there are more; while the broker is away it waits longer and
longer (``BACKOFF_MAX`` at most, so what piled up is sent within seconds of the
broker's return). It stops between two batches when ``stop`` is set (SIGTERM): the
batch in hand finishes and commits what it marked. Several relays may run: each row
is taken by one (``FOR UPDATE SKIP LOCKED``). With a heartbeat file, it touches the
file after each look at the outbox, so a health check can tell a live loop from a
stuck one (``deploy/bin/healthcheck.py relay``).
"""

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from django.db import DatabaseError, close_old_connections

from outbox import services

logger = logging.getLogger(__name__)

BACKOFF_MAX = 5.0


@dataclass
class Totals:
    sent: int = 0
    failed: int = 0
    broker_down: bool = False


def drain(*, limit: int, stop: threading.Event | None = None) -> Totals:
    """Batches until nothing due is left, the broker fails or ``stop`` is set."""
    totals = Totals()
    while True:
        run = services.relay_pending(limit=limit)
        totals.sent += run.sent
        totals.failed += run.failed
        totals.broker_down = run.broker_down
        if run.broker_down or run.sent + run.failed < limit:
            return totals
        if stop is not None and stop.is_set():
            return totals


def run_forever(
    *,
    stop: threading.Event,
    interval: float,
    limit: int,
    heartbeat: Path | None = None,
) -> None:
    wait = interval
    failing = False
    while not stop.is_set():
        # A long-lived process: drop connections past CONN_MAX_AGE or broken
        # (a PostgreSQL restart), as Django does between requests.
        close_old_connections()
        try:
            totals = drain(limit=limit, stop=stop)
        except DatabaseError:
            logger.exception("Outbox relay: database error, trying again")
            totals = None
        if totals is None or totals.broker_down:
            if totals is not None and not failing:
                logger.warning("Outbox relay: broker unavailable, backing off")
            failing = True
            wait = min(wait * 2, BACKOFF_MAX)
        else:
            if failing:
                logger.warning("Outbox relay: running again")
            failing = False
            wait = interval
        if totals is not None and (totals.sent or totals.failed):
            logger.info("Outbox relay: sent %s, failed %s", totals.sent, totals.failed)
        if heartbeat is not None:
            heartbeat.touch()
        stop.wait(wait)
