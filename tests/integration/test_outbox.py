"""The outbox in the shop's own paths: a placed order's emails written with the
order and sent once however often they are delivered, nothing for a refused
order, a lot's hook enqueuing in the lot's transaction; the real publisher
failing fast on a refused or silent broker while the order is still placed; the
relay command."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from fulfilment.models import BulkOrder
from outbox import publishing
from outbox.models import OutboxMessage, ProcessedMessage
from shop.celery import app as celery_app
from tests.factories import ProductFactory, UserFactory, make_canteen, make_lot
from tests.integration.bulk_api_helpers import ORDERS, body, post
from tests.integration.outbox_helpers import stand_in_broker

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
EMAILS = "fulfilment.emails.send"


@pytest.fixture
def broker(monkeypatch, settings):
    yield from stand_in_broker(monkeypatch, settings)


@pytest.fixture
def buyer(db):
    return UserFactory(username="buyer")


@pytest.fixture
def canteen(buyer):
    return make_canteen(buyers=[buyer])


@pytest.fixture
def chicken(cooperative):
    chicken = ProductFactory(title="清远鸡", upc="QY-CHICKEN")
    make_lot(cooperative=cooperative, product=chicken, kg="100", code="A-1")
    return chicken


def place(api, buyer, units=4, **fields):
    return post(api, buyer, ORDERS, body(("QY-CHICKEN", units), **fields))


def test_a_placed_orders_emails_go_through_the_outbox_and_are_sent_once(
    api,
    buyer,
    canteen,
    chicken,
    cooperative,
    manager,
    broker,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        placed = place(api, buyer)

    assert placed.status_code == 201
    bulk_order = BulkOrder.objects.get(order__number=placed.json()["number"])
    [message] = OutboxMessage.objects.filter(task=EMAILS)
    assert (message.args, message.kwargs) == (
        ["routed", bulk_order.pk, [cooperative.pk]],
        {},
    )
    assert (message.sent_at is not None, message.attempts) == (True, 1)
    assert [taken[0] for taken in broker.taken] == [EMAILS]
    assert mailoutbox == []  # the worker sends them, not the request

    broker.deliver()
    broker.deliver()  # delivered again (a late acknowledgement)

    assert sorted(m.to[0] for m in mailoutbox) == [buyer.email, manager.email]
    assert list(ProcessedMessage.objects.values_list("message_id", "task")) == [
        (message.pk, EMAILS)
    ]


def test_a_refused_order_leaves_no_task_behind(
    api, buyer, canteen, chicken, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refused = place(api, buyer, units=500, all_or_nothing=True)

    assert refused.status_code == 409
    assert not OutboxMessage.objects.filter(task=EMAILS).exists()
    assert not BulkOrder.objects.exists()
    assert broker.taken == []


def test_a_lots_hook_enqueues_in_the_lots_transaction(cooperative, broker):
    product = ProductFactory()
    with pytest.raises(RuntimeError, match="undone"), transaction.atomic():
        make_lot(cooperative=cooperative, product=product, kg="10")
        [message] = OutboxMessage.objects.all()
        assert (message.task, message.args) == (
            "fulfilment.tasks.retry_shortfalls",
            [product.pk],
        )
        raise RuntimeError("undone")

    assert OutboxMessage.objects.count() == 0


# --- the real publisher, on a broker that is away ----------------------------------
@pytest.fixture
def away_broker(settings):
    """Tasks go through the outbox to a Redis URL nobody answers on; yields a
    function that points it at a port."""
    settings.NONGJIA_OUTBOX_PUBLISH_TIMEOUT = 0.3
    settings.NONGJIA_OUTBOX_BREAKER_SECONDS = 5
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    publishing.breaker.reset()

    def point_at(port: int) -> None:
        # The publisher sees the URL change and connects afresh.
        celery_app.conf.broker_write_url = f"redis://127.0.0.1:{port}/0"

    yield point_at
    celery_app.conf.broker_write_url = None
    celery_app.conf.task_always_eager = previous
    publishing.breaker.reset()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_order_is_placed_at_once_while_the_broker_refuses_connections(
    api, buyer, canteen, chicken, away_broker, django_capture_on_commit_callbacks
):
    away_broker(closed_port())

    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        first = place(api, buyer)
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        second = place(api, buyer, units=2)
    second_seconds = time.perf_counter() - started

    assert (first.status_code, second.status_code) == (201, 201)
    assert first_seconds < 1 and second_seconds < 1
    first_message, second_message = OutboxMessage.objects.filter(task=EMAILS)
    assert (first_message.sent_at, first_message.attempts) == (None, 1)
    assert "Connection refused" in first_message.last_error
    # The breaker was open: the second order's task was not even tried.
    assert (second_message.sent_at, second_message.attempts) == (None, 0)


def test_a_silent_broker_costs_one_publish_timeout(away_broker):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        away_broker(silent.getsockname()[1])
        message = OutboxMessage.objects.create(task=EMAILS, args=["routed", 1, []])

        started = time.perf_counter()
        with pytest.raises(publishing.BrokerUnavailable, match="Timeout"):
            publishing.publish(message)
        seconds = time.perf_counter() - started

    assert 0.25 < seconds < 0.9


# --- the relay command -----------------------------------------------------------
def test_relay_outbox_once_sends_what_is_pending(broker, capsys):
    for order_id in (1, 2):
        OutboxMessage.objects.create(task=EMAILS, args=["routed", order_id, []])

    call_command("relay_outbox", "--status")
    call_command("relay_outbox", "--once")
    call_command("relay_outbox", "--status")

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("pending 2, oldest ")
    assert out[1:] == [
        "sent 2, failed 0",
        "pending 0, oldest -, failed to publish at least once 0",
    ]
    assert [taken[1] for taken in broker.taken] == [
        ["routed", 1, []],
        ["routed", 2, []],
    ]


def test_relay_outbox_once_fails_while_the_broker_is_down(broker):
    OutboxMessage.objects.create(task=EMAILS, args=["routed", 1, []])
    broker.down = True

    with pytest.raises(CommandError, match="broker is unavailable"):
        call_command("relay_outbox", "--once")

    assert OutboxMessage.objects.get().sent_at is None


@pytest.mark.django_db(transaction=True)
def test_the_relay_stops_cleanly_on_sigterm():
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
            if connection.vendor == "postgresql"
            else ""
        ),
        "SQLITE_NAME": str(db["NAME"]),
    }
    relay = subprocess.Popen(
        [sys.executable, "manage.py", "relay_outbox", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # It says so once its signal handlers are set.
        lines = iter(relay.stderr.readline, "")
        assert any("relay_outbox: running" in line for line in lines)
        relay.send_signal(signal.SIGTERM)
        assert relay.wait(timeout=10) == 0
    finally:
        if relay.poll() is None:
            relay.kill()
            relay.wait()
    assert "stopped" in relay.stderr.read()
