"""The task outbox's services against a stand-in broker: a row written in the
business transaction and rolled back with it, published after commit or left
pending when the broker fails (and the breaker then skipping the publish), the
relay publishing what is pending, old rows purged, a message applied once."""

import datetime

import pytest
from celery import shared_task
from celery.schedules import crontab
from django.db import transaction
from django.utils import timezone

from outbox import publishing, relay, services
from outbox.models import OutboxMessage, ProcessedMessage
from shop.celery import app as celery_app
from tests.integration.outbox_helpers import stand_in_broker

pytestmark = pytest.mark.django_db
SECOND = datetime.timedelta(seconds=1)
applied = []  # what the tasks below did, in order
failures_left = []  # errors ``fails_once`` raises before it applies anything


@shared_task(name="tests.outbox.note", bind=True)
def note(self, value: str) -> None:
    """A task whose effect is not idempotent by itself (a list append)."""
    with services.applying_once(self) as first:
        if first:
            applied.append(value)


@shared_task(name="tests.outbox.fails_once", bind=True)
def fails_once(self, value: str) -> None:
    with services.applying_once(self) as first:
        if first:
            if failures_left:
                raise ConnectionError(failures_left.pop())
            applied.append(value)


@pytest.fixture
def broker(monkeypatch, settings):
    yield from stand_in_broker(monkeypatch, settings)


@pytest.fixture(autouse=True)
def nothing_applied():
    applied.clear()
    failures_left.clear()


def pending() -> list[tuple]:
    return list(
        OutboxMessage.objects.filter(sent_at__isnull=True).values_list(
            "task", "args", "attempts"
        )
    )


# --- enqueue ----------------------------------------------------------------------
def test_the_row_is_written_in_the_transaction_and_published_after_commit(
    broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = services.enqueue(note, "a")
        assert pending() == [("tests.outbox.note", ["a"], 0)]
        assert broker.taken == []  # nothing leaves before the commit

    message.refresh_from_db()
    assert broker.taken == [("tests.outbox.note", ["a"], {}, f"outbox-{message.pk}")]
    assert (message.attempts, message.last_error) == (1, "")
    assert message.sent_at is not None
    assert pending() == []


def test_the_row_is_rolled_back_with_the_transaction(
    broker, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValueError, match="refused"),
        transaction.atomic(),
    ):
        services.enqueue(note, "a")
        raise ValueError("the order was refused")

    assert OutboxMessage.objects.count() == 0
    assert callbacks == []
    assert broker.taken == []


@pytest.mark.django_db(transaction=True)
def test_enqueue_refuses_to_run_outside_a_transaction(broker):
    with pytest.raises(RuntimeError, match="outside a transaction"):
        services.enqueue(note, "a")
    assert OutboxMessage.objects.count() == 0


def test_without_a_broker_the_task_runs_in_process_after_commit_and_no_row(
    django_capture_on_commit_callbacks,
):
    applied.clear()
    assert celery_app.conf.task_always_eager
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        assert services.enqueue(note, "in-process") is None
        assert applied == []

    assert applied == ["in-process"]
    assert OutboxMessage.objects.count() == 0


def test_a_broker_failure_leaves_the_row_pending_and_opens_the_breaker(
    broker, django_capture_on_commit_callbacks
):
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = services.enqueue(note, "a")

    first.refresh_from_db()
    assert (first.sent_at, first.attempts) == (None, 1)
    assert first.last_error == ("BrokerUnavailable: Error 111 connecting. Refused.")
    assert not publishing.breaker.allows()

    # The breaker is open: the next commit does not even try the broker.
    broker.down = False
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        second = services.enqueue(note, "b")
    second.refresh_from_db()
    assert broker.taken == []
    assert (second.sent_at, second.attempts, second.last_error) == (None, 0, "")
    assert pending() == [
        ("tests.outbox.note", ["a"], 1),
        ("tests.outbox.note", ["b"], 0),
    ]


def test_the_breaker_closes_after_its_seconds(monkeypatch, settings):
    settings.NONGJIA_OUTBOX_BREAKER_SECONDS = 5
    clock = [1000.0]
    monkeypatch.setattr(publishing.time, "monotonic", lambda: clock[0])
    breaker = publishing.Breaker()
    assert breaker.allows()

    breaker.trip()
    clock[0] += 4.9
    assert not breaker.allows()
    clock[0] += 0.1
    assert breaker.allows()


def test_an_error_other_than_the_broker_leaves_the_row_pending_without_the_breaker(
    broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = services.enqueue(note, "a")
        broker.poison.add(message.pk)

    message.refresh_from_db()
    assert (message.sent_at, message.attempts) == (None, 1)
    assert message.last_error.startswith("TypeError: Object of type Decimal")
    assert publishing.breaker.allows()


# --- the relay ----------------------------------------------------------------------
def make_pending(*values: str, age: int = 10) -> list[OutboxMessage]:
    created = timezone.now() - age * SECOND
    return [
        OutboxMessage.objects.create(
            task=note.name, args=[value], created_at=created, available_at=created
        )
        for value in values
    ]


def test_the_relay_publishes_due_rows_oldest_first_and_marks_them_sent(broker):
    a, _ = make_pending("a", "b")
    young = OutboxMessage.objects.create(task=note.name, args=["young"])
    young.available_at = timezone.now() + services.RELAY_GRACE
    young.save()

    run = services.relay_pending()

    assert run == services.RelayRun(sent=2, failed=0, broker_down=False)
    assert [taken[1] for taken in broker.taken] == [["a"], ["b"]]
    assert pending() == [("tests.outbox.note", ["young"], 0)]
    a.refresh_from_db()
    assert (a.attempts, a.sent_at is not None) == (1, True)


def test_the_relay_takes_at_most_a_batch(broker):
    make_pending("a", "b", "c")

    first = services.relay_pending(limit=2)
    second = services.relay_pending(limit=2)

    assert (first.sent, second.sent) == (2, 1)
    assert [taken[1] for taken in broker.taken] == [["a"], ["b"], ["c"]]


def test_the_relay_stops_at_a_broker_failure_and_leaves_the_rest_pending(broker):
    make_pending("a", "b")
    broker.down = True

    run = services.relay_pending()

    assert run == services.RelayRun(sent=0, failed=0, broker_down=True)
    # The first row records the failure; the second was not tried.
    assert pending() == [
        ("tests.outbox.note", ["a"], 1),
        ("tests.outbox.note", ["b"], 0),
    ]

    broker.down = False
    assert services.relay_pending().sent == 2
    assert pending() == []


def test_a_row_that_cannot_be_published_waits_longer_and_the_others_go(broker):
    poison, _ = make_pending("poison", "good")
    broker.poison.add(poison.pk)
    before = timezone.now()

    run = services.relay_pending()

    assert run == services.RelayRun(sent=1, failed=1, broker_down=False)
    assert [taken[1] for taken in broker.taken] == [["good"]]
    poison.refresh_from_db()
    assert poison.sent_at is None
    assert poison.attempts == 1
    assert poison.available_at >= before + 2 * SECOND
    assert services.relay_pending().sent == 0  # not due again yet


# --- exactly once ---------------------------------------------------------------------
def test_a_message_delivered_twice_is_applied_once(broker):
    [message] = make_pending("once")
    services.relay_pending()
    # The relay published, then died before its commit: the row is pending again.
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=None)
    services.relay_pending()
    assert len(broker.taken) == 2

    broker.deliver()

    assert applied == ["once"]
    assert list(ProcessedMessage.objects.values_list("message_id", "task")) == [
        (message.pk, "tests.outbox.note")
    ]


def test_an_effect_that_fails_is_not_recorded_and_the_next_delivery_applies_it(
    broker,
):
    [message] = make_pending("retry")
    task_id = publishing.task_id(message.pk)
    failures_left.append("mail server went away")

    with pytest.raises(ConnectionError):
        fails_once.apply(args=["retry"], task_id=task_id)
    assert ProcessedMessage.objects.count() == 0

    fails_once.apply(args=["retry"], task_id=task_id)
    fails_once.apply(args=["retry"], task_id=task_id)

    assert applied == ["retry"]
    assert ProcessedMessage.objects.count() == 1


def test_a_run_not_from_the_outbox_is_always_applied():
    applied.clear()
    note.apply(args=["beat"])
    note.apply(args=["beat"])
    assert applied == ["beat", "beat"]
    assert ProcessedMessage.objects.count() == 0


@pytest.mark.parametrize(
    ("task_id", "expected"),
    [
        ("outbox-42", 42),
        ("outbox-", None),
        ("outbox-4x", None),
        ("0f8fad5b-d9cb-469f-a165-70867728950e", None),
        (None, None),
    ],
)
def test_a_task_id_names_its_outbox_message(task_id, expected):
    assert publishing.message_id_of(task_id) == expected


# --- purge ---------------------------------------------------------------------------
def test_old_sent_rows_are_purged_pending_ones_never(settings):
    settings.NONGJIA_OUTBOX_KEEP_DAYS = 7
    now = timezone.now()
    day = datetime.timedelta(days=1)
    old_sent, recent_sent, old_pending = make_pending("old", "recent", "pending")
    OutboxMessage.objects.filter(pk=old_sent.pk).update(sent_at=now - 8 * day)
    OutboxMessage.objects.filter(pk=recent_sent.pk).update(sent_at=now - 6 * day)
    OutboxMessage.objects.filter(pk=old_pending.pk).update(created_at=now - 30 * day)
    ProcessedMessage.objects.create(
        message_id=old_sent.pk, task=note.name, processed_at=now - 8 * day
    )
    ProcessedMessage.objects.create(
        message_id=recent_sent.pk, task=note.name, processed_at=now - 6 * day
    )

    assert services.purge_sent(now=now) == 1
    assert services.purge_sent(now=now) == 0

    assert sorted(OutboxMessage.objects.values_list("pk", flat=True)) == [
        recent_sent.pk,
        old_pending.pk,
    ]
    assert list(ProcessedMessage.objects.values_list("message_id", flat=True)) == [
        recent_sent.pk
    ]


# --- the relay loop -------------------------------------------------------------------
class Stop:
    """Stands in for the SIGTERM event: records each wait, stops after ``after``."""

    def __init__(self, after: int, on_wait=None) -> None:
        self.waits: list[float] = []
        self.after = after
        self.on_wait = on_wait or (lambda waits: None)

    def is_set(self) -> bool:
        return len(self.waits) >= self.after

    def wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.on_wait(self.waits)


def test_the_relay_backs_off_while_the_broker_is_down_and_resumes(
    broker, tmp_path, monkeypatch
):
    # Between runs the relay drops stale connections; here that would close the
    # test's own transaction.
    monkeypatch.setattr(relay, "close_old_connections", lambda: None)
    make_pending("a")
    broker.down = True

    def broker_back(waits):
        if len(waits) == 5:
            broker.down = False

    stop = Stop(after=7, on_wait=broker_back)
    heartbeat = tmp_path / "heartbeat"

    relay.run_forever(stop=stop, interval=1.0, limit=10, heartbeat=heartbeat)

    assert stop.waits == [2.0, 4.0, 5.0, 5.0, 5.0, 1.0, 1.0]
    assert pending() == []
    assert [taken[1] for taken in broker.taken] == [["a"]]
    assert heartbeat.exists()


def test_beat_purges_sent_rows_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["purge-sent-outbox-messages"]
    assert entry == {
        "task": "outbox.tasks.purge_sent_messages",
        "schedule": crontab(minute=10, hour=4),
    }
    celery_app.loader.import_default_modules()
    assert entry["task"] in celery_app.tasks
