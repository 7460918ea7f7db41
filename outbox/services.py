"""Writing, publishing and relaying outbox messages; applying a message once.

``enqueue`` is what services call instead of ``transaction.on_commit(lambda:
task.delay(...))``: inside the business transaction it writes the row, so the task
is committed with the work or rolled back with it; after commit it publishes at
once, failing fast (``publishing``). A row the broker did not take stays pending
for the relay (``relay_pending``, run in a loop by ``manage.py relay_outbox``).

Delivery is at least once: a relay that published and died before marking the row
sent publishes it again, and a worker that dies before acknowledging gets it again
(``acks_late``). So every task either is idempotent by its business key (it
re-reads under lock and does nothing when the work is done) or wraps its effect in
``applying_once``, which records the message id in the effect's transaction.
"""

import contextlib
import datetime
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from celery import Task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from outbox import publishing
from outbox.models import OutboxMessage, ProcessedMessage

logger = logging.getLogger(__name__)

# The relay leaves a new row this long to the publish after commit, so the two
# rarely send the same row (a duplicate is harmless, only wasted).
RELAY_GRACE = datetime.timedelta(seconds=5)
# A row whose publish fails for another reason than the broker (its arguments
# cannot be encoded) waits 2, 4, 8 … seconds, at most an hour, between tries.
MAX_ERROR_DELAY_SECONDS = 3600


def enqueue(task: Task, *args, **kwargs) -> OutboxMessage | None:
    """Send ``task(*args, **kwargs)`` once the current transaction commits.

    Must be called inside the transaction whose work the task follows. Arguments
    must be JSON (ids, strings, lists). Without a broker (``task_always_eager``:
    the embedded default and the tests) the task runs in-process after commit,
    as ``delay()`` did, and no row is written.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            f"enqueue({task.name}) outside a transaction: call it inside the "
            "transaction whose work the task follows."
        )
    if task.app.conf.task_always_eager:
        transaction.on_commit(lambda: task.delay(*args, **kwargs))
        return None
    message = OutboxMessage.objects.create(
        task=task.name,
        args=list(args),
        kwargs=kwargs,
        available_at=timezone.now() + RELAY_GRACE,
    )
    transaction.on_commit(lambda: publish_committed(message))
    return message


def publish_committed(message: OutboxMessage) -> None:
    """Publish a just-committed row now, unless a recent failure says the broker
    is away (the relay takes it then). A publish that fails is noted on the row,
    never raised: the business transaction has committed and its request must
    get its answer."""
    if not publishing.breaker.allows():
        return
    try:
        publishing.publish(message)
    except publishing.BrokerUnavailable as error:
        publishing.breaker.trip()
        logger.warning(
            "Outbox: broker unavailable, %s #%s left to the relay: %s",
            message.task,
            message.pk,
            error,
        )
        _note_failure(message.pk, error)
        return
    except Exception as error:
        logger.exception("Outbox: %s #%s not published", message.task, message.pk)
        _note_failure(message.pk, error)
        return
    OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(
        sent_at=timezone.now(), attempts=F("attempts") + 1
    )


def _note_failure(message_id: int, error: Exception, *, delay_seconds: int = 0) -> None:
    changes = {
        "attempts": F("attempts") + 1,
        "last_error": f"{type(error).__name__}: {error}"[:500],
    }
    if delay_seconds:
        changes["available_at"] = timezone.now() + datetime.timedelta(
            seconds=delay_seconds
        )
    OutboxMessage.objects.filter(pk=message_id).update(**changes)


@dataclass(frozen=True)
class RelayRun:
    sent: int
    failed: int
    broker_down: bool


def relay_pending(
    *, limit: int = 100, now: datetime.datetime | None = None
) -> RelayRun:
    """Publish up to ``limit`` pending rows that are due, oldest first, and mark
    them sent; stops at the first broker failure (the rest wait for the next
    run). Rows are locked ``FOR UPDATE SKIP LOCKED`` until marked, so two relays
    never take the same row (SQLite, with one writer at a time, needs no lock)."""
    now = now or timezone.now()
    sent, failed, broker_down = [], 0, False
    with transaction.atomic():
        due = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, available_at__lte=now)
            .order_by("available_at", "pk")[:limit]
        )
        for message in due:
            try:
                publishing.publish(message)
            except publishing.BrokerUnavailable as error:
                _note_failure(message.pk, error)
                broker_down = True
                break
            except Exception as error:
                logger.exception("Outbox: %s #%s not relayed", message.task, message.pk)
                delay = min(2 ** (message.attempts + 1), MAX_ERROR_DELAY_SECONDS)
                _note_failure(message.pk, error, delay_seconds=delay)
                failed += 1
                continue
            sent.append(message.pk)
        if sent:
            OutboxMessage.objects.filter(pk__in=sent).update(
                sent_at=timezone.now(), attempts=F("attempts") + 1
            )
    return RelayRun(sent=len(sent), failed=failed, broker_down=broker_down)


def purge_sent(*, now: datetime.datetime | None = None) -> int:
    """Delete sent rows, and the record of processed messages, older than
    ``NONGJIA_OUTBOX_KEEP_DAYS``; pending rows are never deleted. Returns how
    many outbox rows went."""
    before = (now or timezone.now()) - datetime.timedelta(
        days=settings.NONGJIA_OUTBOX_KEEP_DAYS
    )
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=before).delete()
    ProcessedMessage.objects.filter(processed_at__lt=before).delete()
    return deleted


@contextlib.contextmanager
def applying_once(task: Task) -> Iterator[bool]:
    """For a task whose effect is not idempotent by itself (an email): a
    transaction in which to apply it, and whether to apply it at all.

        with applying_once(self) as first:
            if first:
                send_the_email()

    The message id (from the task id, see ``publishing``) is recorded in the
    same transaction as the effect: a second delivery of the message waits for
    the first to commit, then finds the record and is told ``False``; if the
    first rolls back, the second applies it. A run that did not come from the
    outbox (in-process, beat) is always told ``True``. An effect outside the
    database (a mail server) is done once unless the process dies between doing
    it and the commit.
    """
    message_id = publishing.message_id_of(task.request.id)
    with transaction.atomic():
        if message_id is None:
            yield True
            return
        try:
            with transaction.atomic():
                ProcessedMessage.objects.create(message_id=message_id, task=task.name)
        except IntegrityError:
            logger.info("Outbox: %s #%s applied already", task.name, message_id)
            yield False
            return
        yield True
