"""Stripe webhooks: verified with ``stripe.Webhook.construct_event``, stored once,
applied by a task after commit, never moving a payment backwards."""

import json

import pytest

from payments.models import Payment, PaymentChange, PaymentStatus, StripeEvent
from tests.fakestripe.signing import signature_header
from tests.integration.payments_helpers import pay, statuses

pytestmark = pytest.mark.django_db
URL = "/payments/stripe/webhook/"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Runs after-commit callbacks (the enqueued task) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_requires_action_then_succeeded_by_webhook(
    fake_stripe, deliver_webhook, on_commit
):
    payment = pay(method="pm_card_threeDSecure2Required").payment
    fake_stripe.authenticate(payment.intent_id)  # the card holder passes 3-D Secure
    [event] = fake_stripe.events_of("payment_intent.succeeded", payment.intent_id)

    with on_commit():
        answer = deliver_webhook(event)

    assert answer.status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    stored = StripeEvent.objects.get()
    assert (stored.event_id, stored.type) == (event["id"], "payment_intent.succeeded")
    assert stored.processed_at is not None
    assert stored.outcome == f"payment {payment.pk}: succeeded"
    assert statuses(payment)[-1] == ("requires_action", "succeeded", "status")
    assert PaymentChange.objects.filter(payment=payment).last().source == (
        f"event {event['id']}"
    )


def test_bad_signature_is_refused_and_nothing_is_stored(
    fake_stripe, deliver_webhook, client
):
    payment = pay(method="pm_card_threeDSecure2Required").payment
    fake_stripe.authenticate(payment.intent_id)
    [event] = fake_stripe.events_of("payment_intent.succeeded", payment.intent_id)

    wrong_secret = deliver_webhook(event, secret="whsec_someone_else")
    too_old = deliver_webhook(event, timestamp=1_600_000_000)
    payload = json.dumps(event)
    tampered = client.post(
        URL,
        data=payload.replace("succeeded", "canceled"),
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header(payload, "whsec_fake_nongjia"),
    )
    unsigned = client.post(URL, data=payload, content_type="application/json")
    not_json = client.post(
        URL,
        data="not json",
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header("not json", "whsec_fake_nongjia"),
    )

    assert [
        r.status_code for r in (wrong_secret, too_old, tampered, unsigned, not_json)
    ] == [400] * 5
    assert StripeEvent.objects.count() == 0
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REQUIRES_ACTION


def test_get_is_not_allowed(client):
    assert client.get(URL).status_code == 405


def test_a_replayed_event_is_a_no_op(fake_stripe, deliver_webhook, on_commit):
    payment = pay(method="pm_card_threeDSecure2Required").payment
    fake_stripe.authenticate(payment.intent_id)
    [event] = fake_stripe.events_of("payment_intent.succeeded", payment.intent_id)
    with on_commit():
        deliver_webhook(event)
    changes = PaymentChange.objects.count()

    with on_commit() as callbacks:
        again = deliver_webhook(event)

    assert (again.status_code, again.content) == (200, b"already received")
    assert callbacks == []  # nothing enqueued
    assert StripeEvent.objects.count() == 1
    assert PaymentChange.objects.count() == changes


def test_events_out_of_order_never_move_a_payment_backwards(
    fake_stripe, deliver_webhook, on_commit
):
    payment = pay(method="pm_card_threeDSecure2Required").payment
    fake_stripe.authenticate(payment.intent_id)
    [succeeded] = fake_stripe.events_of("payment_intent.succeeded")
    [requires_action] = fake_stripe.events_of("payment_intent.requires_action")
    processing = {
        **requires_action,
        "id": "evt_late_processing",
        "type": "payment_intent.processing",
        "data": {
            "object": {**requires_action["data"]["object"], "status": "processing"}
        },
    }

    with on_commit():
        for event in (succeeded, processing, requires_action):
            assert deliver_webhook(event).status_code == 200

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert StripeEvent.objects.filter(processed_at__isnull=False).count() == 3
    assert statuses(payment) == [
        ("", "created", "status"),
        ("created", "requires_action", "status"),
        ("requires_action", "succeeded", "status"),
    ]


def test_a_failed_authentication_fails_the_payment(
    fake_stripe, deliver_webhook, on_commit
):
    payment = pay(method="pm_card_threeDSecure2Required").payment
    fake_stripe.authenticate(payment.intent_id, succeed=False)
    [failed] = fake_stripe.events_of("payment_intent.payment_failed")

    with on_commit():
        deliver_webhook(failed)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert payment.error_message == "The card holder did not authenticate."


def test_an_event_before_the_create_answer_creates_the_payment(
    fake_stripe, deliver_webhook, on_commit
):
    """Stripe may deliver the event before our create call has returned."""
    pay(order_number="100777")
    [event] = fake_stripe.events_of("payment_intent.succeeded")
    Payment.objects.all().delete()  # as if the create call's answer was not in yet

    with on_commit():
        deliver_webhook(event)

    payment = Payment.objects.get()
    assert (payment.order_number, payment.status) == ("100777", "succeeded")
    assert payment.idempotency_key == "test-100777-1"


def test_events_of_other_systems_are_stored_and_ignored(
    deliver_webhook, fake_stripe, on_commit
):
    event = {
        "id": "evt_other",
        "object": "event",
        "type": "customer.created",
        "data": {"object": {"id": "cus_1", "object": "customer"}},
    }
    with on_commit():
        assert deliver_webhook(event).status_code == 200
    assert StripeEvent.objects.get().outcome == "ignored"
