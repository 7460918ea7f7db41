"""The beat sweep of Stripe webhook events stored but never applied (their task
was lost: the broker down at commit, a worker killed): sent again once they are
ten minutes old, applied exactly once, a bounded batch a run."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from payments import tasks, webhooks
from payments.models import Payment, PaymentChange, PaymentStatus, StripeEvent
from shop.celery import app
from tests.integration.payments_helpers import pay, statuses

pytestmark = pytest.mark.django_db


def age(event_id: str, minutes: int) -> None:
    StripeEvent.objects.filter(event_id=event_id).update(
        received_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


@pytest.fixture
def stored_not_applied(fake_stripe, deliver_webhook):
    """A 3-D Secure payment the card holder completed; Stripe's event stored by
    the webhook, whose after-commit task never ran (these tests never commit)."""
    payment = pay(method="pm_card_threeDSecure2Required").payment
    fake_stripe.authenticate(payment.intent_id)
    [event] = fake_stripe.events_of("payment_intent.succeeded", payment.intent_id)
    assert deliver_webhook(event).status_code == 200
    stored = StripeEvent.objects.get(event_id=event["id"])
    assert stored.processed_at is None
    return payment, stored


def test_an_event_stored_but_not_applied_is_applied_once_by_the_sweep(
    stored_not_applied,
):
    payment, stored = stored_not_applied
    age(stored.event_id, minutes=11)

    first = tasks.resend_stale_stripe_events()
    applied_at = StripeEvent.objects.get(pk=stored.pk).processed_at
    changes = PaymentChange.objects.count()
    second = tasks.resend_stale_stripe_events()

    assert (first, second) == (1, 0)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert statuses(payment) == [
        ("", "created", "status"),
        ("created", "requires_action", "status"),
        ("requires_action", "succeeded", "status"),
    ]
    stored.refresh_from_db()
    assert stored.outcome == f"payment {payment.pk}: succeeded"
    assert stored.processed_at == applied_at is not None
    assert PaymentChange.objects.count() == changes


def test_an_event_younger_than_ten_minutes_is_left_to_its_own_task(
    stored_not_applied,
):
    payment, stored = stored_not_applied
    age(stored.event_id, minutes=9)

    assert tasks.resend_stale_stripe_events() == 0

    stored.refresh_from_db()
    payment.refresh_from_db()
    assert (stored.processed_at, stored.outcome) == (None, "")
    assert payment.status == PaymentStatus.REQUIRES_ACTION


def test_a_processed_event_is_not_touched(
    fake_stripe, deliver_webhook, django_capture_on_commit_callbacks
):
    payment = pay(method="pm_card_threeDSecure2Required").payment
    fake_stripe.authenticate(payment.intent_id)
    [event] = fake_stripe.events_of("payment_intent.succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        deliver_webhook(event)
    age(event["id"], minutes=60)
    before = StripeEvent.objects.values_list("processed_at", "outcome").get()
    changes = PaymentChange.objects.count()

    sent = webhooks.resend_stale_events()

    assert sent == []
    assert StripeEvent.objects.values_list("processed_at", "outcome").get() == before
    assert PaymentChange.objects.count() == changes


def test_a_run_sends_a_bounded_batch_oldest_first(
    fake_stripe, deliver_webhook, monkeypatch
):
    monkeypatch.setattr(webhooks, "RESEND_BATCH", 2)
    for number, minutes in (("100001", 30), ("100002", 50), ("100003", 40)):
        payment = pay(order_number=number, method="pm_card_threeDSecure2Required")
        fake_stripe.authenticate(payment.payment.intent_id)
        [event] = fake_stripe.events_of(
            "payment_intent.succeeded", payment.payment.intent_id
        )
        deliver_webhook(event)
        age(event["id"], minutes=minutes)
    by_order = {
        e.payload["data"]["object"]["metadata"]["order_number"]: e.pk
        for e in StripeEvent.objects.all()
    }

    first = webhooks.resend_stale_events()
    second = webhooks.resend_stale_events()
    third = webhooks.resend_stale_events()

    assert len(by_order) == 3
    assert first == [by_order["100002"], by_order["100003"]]
    assert second == [by_order["100001"]]
    assert third == []
    assert sorted(Payment.objects.values_list("order_number", "status")) == [
        ("100001", "succeeded"),
        ("100002", "succeeded"),
        ("100003", "succeeded"),
    ]


def test_an_event_that_fails_does_not_hold_up_the_others(fake_stripe, deliver_webhook):
    """In-process (no broker) the task runs inside the sweep: a failure is
    logged, left for the next run, and the events after it are applied."""
    payment = pay(method="pm_card_threeDSecure2Required").payment
    fake_stripe.authenticate(payment.intent_id)
    [good] = fake_stripe.events_of("payment_intent.succeeded")
    bad = {
        **good,
        "id": "evt_not_cny",
        "data": {"object": {**good["data"]["object"], "currency": "usd"}},
    }
    deliver_webhook(bad)
    deliver_webhook(good)
    age("evt_not_cny", minutes=20)
    age(good["id"], minutes=15)

    sent = webhooks.resend_stale_events()

    applied = dict(StripeEvent.objects.values_list("event_id", "processed_at"))
    assert sent == [StripeEvent.objects.get(event_id=good["id"]).pk]
    assert applied["evt_not_cny"] is None
    assert applied[good["id"]] is not None
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED


def test_beat_runs_the_sweep_every_ten_minutes():
    assert settings.CELERY_BEAT_SCHEDULE["resend-stale-stripe-events"] == {
        "task": "payments.tasks.resend_stale_stripe_events",
        "schedule": 600,
    }
    app.loader.import_default_modules()
    assert "payments.tasks.resend_stale_stripe_events" in app.tasks
