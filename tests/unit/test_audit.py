"""The audit log's own rules: who an entry names, one INSERT per batch, entries
that roll back with their change, append-only rows, a task's label."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from audit import services as audit
from audit.context import acting, current
from audit.middleware import client_ip, request_id_of
from audit.models import AppendOnly, AuditEntry
from channels.models import Channel
from suppliers import stock
from suppliers.tasks import write_off_expired_lots
from tests.factories import ProductFactory, UserFactory, make_lot

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def channel(db):
    return Channel.objects.create(
        code="grandbuy",
        name="广百扶贫专柜",
        kind="counter",
        opened_on=datetime.date(2020, 1, 1),
    )


def audit_inserts(captured) -> int:
    return sum(
        1
        for query in captured.captured_queries
        if query["sql"].startswith('INSERT INTO "audit_auditentry"')
    )


def fields(entry: AuditEntry) -> tuple:
    entry.refresh_from_db()
    return (
        entry.actor,
        entry.actor_label,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.object_repr,
        entry.changes,
    )


# --- who ---------------------------------------------------------------------------


def test_an_entry_names_the_actor_the_object_and_the_changes_as_strings(channel):
    staff = UserFactory(username="staff", email="staff@nongjia.example")

    entry = audit.record(
        "channel.updated",
        channel,
        {
            "name": ["旧名", "广百扶贫专柜"],
            "kg": D("12.500"),
            "on": datetime.date(2026, 5, 1),
        },
        actor=staff,
    )

    assert fields(entry) == (
        staff,
        "staff@nongjia.example",
        "channel.updated",
        "channels.channel",
        str(channel.pk),
        "广百扶贫专柜",
        {"name": ["旧名", "广百扶贫专柜"], "kg": "12.500", "on": "2026-05-01"},
    )
    assert (entry.ip, entry.request_id) == (None, "")


def test_without_an_actor_the_context_says_who(channel):
    user = UserFactory(email="buyer@example.com")
    request = RequestFactory().get("/")
    request.user = user

    with acting(label="anonymous", ip="10.0.0.7", request_id="r-1", request=request):
        by_request = audit.record("channel.closed", channel)
    with acting(label="command:load_demo"):
        by_command = audit.record("channel.closed", channel)
    by_nobody = audit.record("channel.closed", channel)

    rows = [
        (e.actor, e.actor_label, e.ip, e.request_id)
        for e in (by_request, by_command, by_nobody)
    ]
    assert rows == [
        (user, "buyer@example.com", "10.0.0.7", "r-1"),
        (None, "command:load_demo", None, ""),
        (None, "system", None, ""),
    ]


def test_a_request_of_nobody_signed_in_is_anonymous(channel):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with acting(label="anonymous", request=request):
        entry = audit.record("channel.closed", channel)

    assert (entry.actor, entry.actor_label) == (None, "anonymous")


def test_the_request_s_user_is_read_when_the_entry_is_written(channel):
    """The API signs a token's user in inside the view, after the middleware."""
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    staff = UserFactory(email="late@example.com")
    with acting(label="anonymous", request=request):
        request.user = staff
        entry = audit.record("channel.closed", channel)

    assert (entry.actor, entry.actor_label) == (staff, "late@example.com")


# --- a Celery task -------------------------------------------------------------------


def test_a_task_s_entries_carry_its_name_and_id_and_the_caller_s_come_back(
    cooperative, product
):
    today = timezone.localdate()
    lot = make_lot(
        cooperative=cooperative,
        product=product,
        kg="20",
        harvest_date=today - datetime.timedelta(days=9),
        best_before=today - datetime.timedelta(days=1),
    )
    with acting(label="command:test"):
        result = write_off_expired_lots.delay()
        assert current().label == "command:test"

    entry = AuditEntry.objects.get(action="lot.written_off")
    assert fields(entry) == (
        None,
        "task:suppliers.tasks.write_off_expired_lots",
        "lot.written_off",
        "suppliers.stocklot",
        str(lot.pk),
        lot.code,
        {"on_hand_kg": ["20.000", "0.000"], "reason": "past best-before"},
    )
    assert entry.request_id == result.id


# --- one INSERT, rolled back with the change -----------------------------------------


def test_a_batch_is_one_insert_and_nothing_before_it_ends(channel):
    with CaptureQueriesContext(connection) as captured, audit.batch():
        audit.record("channel.updated", channel, {"name": ["a", "b"]})
        audit.record_many(
            "channel.closed", [channel, channel], {"is_active": [True, False]}
        )
        with audit.batch():
            audit.record("channel.reopened", channel)
        assert AuditEntry.objects.count() == 0

    assert audit_inserts(captured) == 1
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "channel.updated",
        "channel.closed",
        "channel.closed",
        "channel.reopened",
    ]


def test_a_nested_batch_that_fails_drops_only_its_own_entries(channel):
    with audit.batch():
        audit.record("channel.updated", channel)
        with pytest.raises(ValueError), audit.batch():
            audit.record("channel.closed", channel)
            raise ValueError

    assert list(AuditEntry.objects.values_list("action", flat=True)) == [
        "channel.updated"
    ]


def test_a_batch_that_fails_writes_nothing(channel):
    with pytest.raises(ValueError), audit.batch():
        audit.record("channel.updated", channel)
        raise ValueError

    assert not AuditEntry.objects.exists()


def test_an_entry_rolls_back_with_the_service_that_wrote_it(cooperative, product):
    lot = make_lot(cooperative=cooperative, product=product, kg="10")
    before = AuditEntry.objects.count()

    with pytest.raises(stock.StockConflict):
        stock.write_off_lot(lot_id=lot.pk, reason="spoilt", kg=D("11"))
    with pytest.raises(RuntimeError), transaction.atomic():
        stock.adjust_lot(lot_id=lot.pk, delta_kg=D("1"), reason="recount")
        raise RuntimeError("the caller's transaction fails after the service")

    assert AuditEntry.objects.count() == before
    lot.refresh_from_db()
    assert lot.on_hand_kg == D("10.000")


def test_reserving_units_over_several_lots_is_one_audit_insert(cooperative):
    product = ProductFactory(net_weight_kg=D("1"))
    today = timezone.localdate()
    lots = [
        make_lot(
            cooperative=cooperative,
            product=product,
            kg="5",
            best_before=today + datetime.timedelta(days=days),
        )
        for days in (3, 4, 5)
    ]
    record = stock.lock_stockrecord(cooperative_id=cooperative.pk, product=product)

    with CaptureQueriesContext(connection) as captured:
        stock.reserve_units(stockrecord=record, units=7, reason="store order")

    assert audit_inserts(captured) == 1
    assert [
        (entry.object_id, entry.changes)
        for entry in AuditEntry.objects.filter(action="lot.reserved").order_by("pk")
    ] == [
        (str(lots[0].pk), {"reserved_kg": ["0.000", "5.000"], "reason": "store order"}),
        (str(lots[1].pk), {"reserved_kg": ["0.000", "2.000"], "reason": "store order"}),
    ]


# --- append-only ----------------------------------------------------------------------


def test_entries_are_never_changed_or_deleted(channel):
    entry = audit.record("channel.closed", channel)
    entry.refresh_from_db()

    entry.action = "channel.reopened"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.all().delete()

    assert AuditEntry.objects.get().action == "channel.closed"


def test_a_removed_user_s_entries_keep_who_it_was(channel):
    user = UserFactory(email="gone@example.com")
    audit.record("channel.closed", channel, actor=user)

    user.delete()

    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.actor_label) == (None, "gone@example.com")


# --- the request's address and id -----------------------------------------------------


def test_the_address_is_the_connection_s_unless_a_proxy_is_trusted():
    request = RequestFactory().get(
        "/", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )

    assert client_ip(request) == "172.18.0.5"
    with override_settings(NONGJIA_PROXY_HOPS=1):
        assert client_ip(request) == "203.0.113.9"
    with override_settings(NONGJIA_PROXY_HOPS=3):  # fewer hops than trusted
        assert client_ip(request) == "172.18.0.5"


def test_a_request_id_is_the_caller_s_when_plain_else_new():
    given = RequestFactory().get("/", HTTP_X_REQUEST_ID="lb-42.a")
    forged = RequestFactory().get("/", HTTP_X_REQUEST_ID="x" * 65)

    assert request_id_of(given) == "lb-42.a"
    assert len(request_id_of(forged)) == 32
