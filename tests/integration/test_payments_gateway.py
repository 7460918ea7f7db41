"""Card payments through the real ``stripe`` library against the fake Stripe API:
paying, refusals, 3-D Secure, idempotency, and the fen boundary."""

import pytest
import stripe

from payments import gateway, services
from payments.models import Payment, PaymentStatus
from tests.integration.payments_helpers import D, pay, statuses

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("yuan", "fen"),
    [("0.01", 1), ("128.50", 12850), ("19999.99", 1999999), ("3", 300)],
)
def test_yuan_become_fen_exactly(yuan, fen):
    assert gateway.to_fen(D(yuan)) == fen
    assert gateway.to_yuan(fen) == D(yuan).quantize(D("0.01"))


@pytest.mark.parametrize("yuan", ["0.001", "12.345", "0", "-1.00"])
def test_sub_fen_zero_and_negative_amounts_are_refused(yuan):
    with pytest.raises(ValueError):
        gateway.to_fen(D(yuan))


def test_floats_are_refused():
    with pytest.raises(TypeError):
        gateway.to_fen(1.1)


def test_without_keys_card_payment_is_off(stripe_off):
    assert gateway.enabled() is False
    with pytest.raises(gateway.PaymentsDisabled):
        gateway.retrieve("pi_anything")


def test_paying_with_a_good_card_succeeds(fake_stripe):
    started = pay(amount="128.50")

    payment = started.payment
    assert (payment.status, payment.amount, payment.currency) == (
        PaymentStatus.SUCCEEDED,
        D("128.50"),
        "CNY",
    )
    assert payment.order_number == "100001"
    [intent] = fake_stripe.intents.values()
    assert (intent["id"], intent["amount"], intent["currency"]) == (
        payment.intent_id,
        12850,
        "cny",
    )
    assert intent["metadata"]["order_number"] == "100001"
    [(method, path, _params, key)] = fake_stripe.requests
    assert (method, path, key) == ("POST", "/v1/payment_intents", "test-100001-1")
    assert statuses(payment) == [
        ("", "created", "status"),
        ("created", "succeeded", "status"),
    ]
    assert started.redirect_url == ""


def test_a_declined_card_fails_and_says_why(fake_stripe):
    with pytest.raises(services.CardPaymentFailed) as refused:
        pay(method="pm_card_chargeDeclined")

    assert refused.value.message == "Your card was declined."
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.FAILED
    assert payment.error_message == "Your card was declined."


def test_three_d_secure_waits_for_the_card_holder(fake_stripe):
    started = pay(method="pm_card_threeDSecure2Required")

    assert started.payment.status == PaymentStatus.REQUIRES_ACTION
    intent = fake_stripe.intents[started.payment.intent_id]
    assert started.redirect_url == f"{fake_stripe.base_url}/3ds/{intent['id']}"
    assert intent["next_action"]["redirect_to_url"]["return_url"] == (
        "http://testserver/checkout/thank-you/"
    )


def test_the_same_idempotency_key_is_one_intent(fake_stripe):
    first = pay(key="same")
    second = pay(key="same")

    assert first.payment.pk == second.payment.pk
    assert len(fake_stripe.intents) == 1
    assert Payment.objects.count() == 1


def test_a_new_attempt_after_a_refusal_gets_a_new_key(fake_stripe):
    first = services.next_attempt_key(prefix="checkout", order_number="100001")
    with pytest.raises(services.CardPaymentFailed):
        pay(method="pm_card_chargeDeclined", key=first)
    second = services.next_attempt_key(prefix="checkout", order_number="100001")
    started = pay(key=second)

    assert (first, second) == ("checkout-100001-1", "checkout-100001-2")
    assert started.payment.status == PaymentStatus.SUCCEEDED
    # A double submit of the paid attempt reuses its key: no second charge.
    assert services.next_attempt_key(prefix="checkout", order_number="100001") == (
        second
    )


def test_stripe_errors_become_ours(fake_stripe, settings):
    with pytest.raises(gateway.GatewayRejected) as rejected:
        gateway.retrieve("pi_nope")
    assert rejected.value.code == "resource_missing"

    settings.STRIPE_SECRET_KEY = "sk_test_wrong"
    with pytest.raises(gateway.GatewayRejected):
        gateway.retrieve("pi_nope")

    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens: transient
    with pytest.raises(gateway.GatewayUnavailable):
        gateway.retrieve("pi_nope")


@pytest.mark.parametrize(
    ("code", "ours"),
    [
        # Another request of ours with the same key still runs: try again later.
        ("idempotency_key_in_use", gateway.GatewayUnavailable),
        # The key was used with other parameters: a real refusal.
        ("", gateway.IdempotencyKeyReused),
    ],
)
def test_idempotency_errors_are_told_apart(code, ours):
    error = stripe.IdempotencyError("Keys for idempotent requests...", code=code)

    translated = gateway._translate(error)

    assert type(translated) is ours
    assert translated.code == code


def test_capture_and_cancel(fake_stripe):
    authorised = gateway.create_payment_intent(
        amount_yuan=D("50.00"), order_number="B1", idempotency_key="a1"
    )
    assert authorised.status == "requires_payment_method"
    cancelled = gateway.cancel(authorised.id, idempotency_key="c1")
    assert cancelled.status == "canceled"

    # A manual-capture intent, confirmed (authorised), then captured.
    intent = fake_stripe.create_intent(
        {"amount": "5000", "currency": "cny", "capture_method": "manual"}
    )
    fake_stripe.confirm(intent, {"payment_method": "pm_card_visa"})
    captured = gateway.capture(intent["id"], idempotency_key="cap1")
    assert (captured.status, captured.amount_yuan) == ("succeeded", D("50.00"))
