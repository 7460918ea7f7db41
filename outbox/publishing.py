"""Sending an outbox message to the broker once, failing fast.

Celery's own ``delay()`` is the wrong tool while the broker is down: kombu retries
the connection until ``broker_connection_timeout`` and then the publish under
``task_publish_retry_policy`` (celery issues #4556, #4296), so a request waits
seconds before it fails. Here each process keeps one connection of its own, made
with a connect and socket timeout of ``NONGJIA_OUTBOX_PUBLISH_TIMEOUT`` seconds and
no connection retries (``max_retries: 0``), and publishes with ``retry=False``: a
refused connection fails in a millisecond, a silent broker in the timeout.

The task id is ``outbox-<row id>``, so the task knows its message (see
``services.applying_once``); a message published twice carries the same id.
Workers keep their own, patient, broker connection from the Celery settings.
"""

import contextlib
import threading
import time

from celery import current_app
from django.conf import settings
from kombu.exceptions import OperationalError

from outbox.models import OutboxMessage

TASK_ID_PREFIX = "outbox-"


class BrokerUnavailable(Exception):
    """The broker did not take the message (refused, timed out, went away)."""


class Breaker:
    """After a failed publish, the publish after commit is skipped for a few
    seconds (the relay sends those rows): during an outage one request in that
    window pays the timeout, not every request. Per process."""

    def __init__(self) -> None:
        self._closed_from = 0.0

    def allows(self) -> bool:
        return time.monotonic() >= self._closed_from

    def trip(self) -> None:
        self._closed_from = time.monotonic() + settings.NONGJIA_OUTBOX_BREAKER_SECONDS

    def reset(self) -> None:
        self._closed_from = 0.0


breaker = Breaker()
_local = threading.local()


def task_id(message_id: int) -> str:
    return f"{TASK_ID_PREFIX}{message_id}"


def message_id_of(task_id: str | None) -> int | None:
    """The outbox message a task run came from, ``None`` for any other run (a
    beat task, an in-process run)."""
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return None
    number = task_id.removeprefix(TASK_ID_PREFIX)
    return int(number) if number.isdigit() else None


def _connection():
    url = current_app.conf.broker_write_url
    connection = getattr(_local, "connection", None)
    if connection is not None and getattr(_local, "url", None) != url:
        _drop_connection()  # the broker was changed (tests do)
        connection = None
    if connection is None:
        timeout = settings.NONGJIA_OUTBOX_PUBLISH_TIMEOUT
        connection = current_app.connection_for_write(
            url,
            connect_timeout=timeout,
            transport_options={
                **current_app.conf.broker_transport_options,
                "socket_connect_timeout": timeout,
                "socket_timeout": timeout,
                "max_retries": 0,
            },
        )
        _local.connection, _local.url = connection, url
    return connection


def _drop_connection() -> None:
    connection = getattr(_local, "connection", None)
    _local.connection = None
    if connection is not None:
        # It is broken already: nothing to give back if releasing fails.
        with contextlib.suppress(OperationalError, OSError):
            connection.release()


def publish(message: OutboxMessage) -> None:
    """Hand the message to the broker, once; ``BrokerUnavailable`` if it did not
    take it (the row stays pending). Anything else (a task argument the broker's
    serializer refuses) is raised as it is."""
    try:
        current_app.send_task(
            message.task,
            args=message.args,
            kwargs=message.kwargs,
            task_id=task_id(message.pk),
            connection=_connection(),
            retry=False,
        )
    except (OperationalError, OSError) as error:
        # The next publish starts from a fresh connection.
        _drop_connection()
        raise BrokerUnavailable(str(error) or type(error).__name__) from error
