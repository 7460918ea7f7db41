"""Refunds: written before Stripe is called, sent after commit with the refund's
own idempotency key, counted once, confirmed (or learnt) from webhooks."""

import pytest
from django.core.exceptions import ValidationError

from payments import refunds
from payments.models import Payment, PaymentStatus, Refund, RefundStatus
from tests.integration.payments_helpers import D, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(fake_stripe):
    return pay(amount="128.50").payment


def refund(payment, amount, key, capture):
    with capture(execute=True):
        made = refunds.request_refund(
            payment_id=payment.pk,
            amount_yuan=D(amount),
            reason="test",
            idempotency_key=key,
        )
    made.refresh_from_db()
    payment.refresh_from_db()
    return made


def test_full_refund(paid, fake_stripe, django_capture_on_commit_callbacks):
    made = refund(paid, "128.50", "full", django_capture_on_commit_callbacks)

    assert (made.status, made.amount) == (RefundStatus.SUCCEEDED, D("128.50"))
    assert made.stripe_id in fake_stripe.refunds
    assert fake_stripe.refunds[made.stripe_id]["amount"] == 12850
    assert paid.refunded == D("128.50")
    assert paid.refundable == D("0.00")
    assert paid.status == PaymentStatus.SUCCEEDED
    [(_m, _p, params, key)] = [r for r in fake_stripe.requests if r[1] == "/v1/refunds"]
    assert key == "refund-full"
    assert params["metadata"] == {"nongjia_refund": str(made.pk), "reason": "test"}


def test_partial_refunds_add_up(paid, fake_stripe, django_capture_on_commit_callbacks):
    refund(paid, "28.50", "first", django_capture_on_commit_callbacks)
    refund(paid, "0.01", "second", django_capture_on_commit_callbacks)

    assert paid.refunded == D("28.51")
    assert paid.refundable == D("99.99")
    charge = fake_stripe.charges[fake_stripe.intents[paid.intent_id]["latest_charge"]]
    assert charge["amount_refunded"] == 2851
    assert paid.changes.filter(kind="refund").count() == 2


def test_the_same_key_is_one_refund(
    paid, fake_stripe, django_capture_on_commit_callbacks
):
    first = refund(paid, "10.00", "line-1", django_capture_on_commit_callbacks)
    again = refund(paid, "10.00", "line-1", django_capture_on_commit_callbacks)

    assert first.pk == again.pk
    assert len(fake_stripe.refunds) == 1
    assert paid.refunded == D("10.00")


def test_more_than_is_left_is_refused_and_changes_nothing(
    paid, fake_stripe, django_capture_on_commit_callbacks
):
    refund(paid, "100.00", "a", django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError) as refused:
        refund(paid, "28.51", "b", django_capture_on_commit_callbacks)
    with pytest.raises(ValueError):
        refund(paid, "0.001", "c", django_capture_on_commit_callbacks)

    assert refused.value.messages == [
        "Only 28.50 yuan of this payment can still be refunded."
    ]
    assert Refund.objects.count() == 1
    assert paid.refunded == D("100.00")
    assert len(fake_stripe.refunds) == 1


def test_an_unpaid_payment_is_not_refunded(fake_stripe):
    payment = pay(method="pm_card_threeDSecure2Required").payment
    with pytest.raises(ValidationError):
        refunds.request_refund(
            payment_id=payment.pk,
            amount_yuan=D("1.00"),
            reason="x",
            idempotency_key="k",
        )
    assert Refund.objects.count() == 0


def test_the_refund_webhooks_confirm_ours_without_counting_twice(
    paid, fake_stripe, deliver_webhook, django_capture_on_commit_callbacks
):
    refund(paid, "28.50", "first", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        deliver_webhook(fake_stripe.events_of("refund.created")[0])
        deliver_webhook(fake_stripe.events_of("charge.refunded")[0])

    paid.refresh_from_db()
    assert paid.refunded == D("28.50")
    assert Refund.objects.count() == 1


def test_a_refund_made_in_stripes_dashboard_is_recorded(
    paid, fake_stripe, deliver_webhook, django_capture_on_commit_callbacks
):
    with fake_stripe.lock:
        fake_stripe.create_refund({"payment_intent": paid.intent_id, "amount": "1000"})
    [charge_refunded] = fake_stripe.events_of("charge.refunded")

    with django_capture_on_commit_callbacks(execute=True):
        deliver_webhook(charge_refunded)
        deliver_webhook(fake_stripe.events_of("refund.created")[0])  # same refund

    made = Refund.objects.get()
    assert (made.amount, made.status, made.reason) == (
        D("10.00"),
        RefundStatus.SUCCEEDED,
        "Refunded in Stripe",
    )
    assert Payment.objects.get().refunded == D("10.00")
