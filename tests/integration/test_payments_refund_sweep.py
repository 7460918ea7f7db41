"""The beat sweep of refunds left pending without a Stripe id (their task died:
a database outage, retries run out while Stripe was unreachable): sent again once
ten minutes old, refunded exactly once, a bounded batch a run in pk order; one
pending for about a day is reported to staff, never sent again."""

import datetime
import logging

import pytest
from django.conf import settings
from django.utils import timezone

from payments import gateway, refunds, tasks
from payments.models import PaymentChange, Refund, RefundStatus
from shop.celery import app
from tests.integration.payments_helpers import D, pay

pytestmark = pytest.mark.django_db


def age(refund: Refund, minutes: int) -> None:
    Refund.objects.filter(pk=refund.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


def refund_calls(fake_stripe) -> list[str]:
    """The idempotency keys of the refund calls the fake Stripe received."""
    return [key for _m, path, _p, key in fake_stripe.requests if path == "/v1/refunds"]


def requested(payment, amount: str, key: str) -> Refund:
    """A refund requested whose ``send_refund`` never ran (these tests never
    commit, so the after-commit task is not sent): pending, no Stripe id."""
    return refunds.request_refund(
        payment_id=payment.pk, amount_yuan=D(amount), reason="test", idempotency_key=key
    )


@pytest.fixture
def paid(fake_stripe):
    return pay(amount="128.50").payment


def test_a_stale_pending_refund_is_sent_again_and_refunded(paid, fake_stripe):
    made = requested(paid, "28.50", "line-1")
    age(made, minutes=11)

    assert tasks.resend_stale_refunds() == 1

    made.refresh_from_db()
    paid.refresh_from_db()
    assert made.status == RefundStatus.SUCCEEDED
    assert fake_stripe.refunds[made.stripe_id]["amount"] == 2850
    assert refund_calls(fake_stripe) == ["refund-line-1"]
    assert paid.refunded == D("28.50")
    assert paid.changes.filter(kind="refund").count() == 1


def test_the_sweep_run_twice_refunds_once(paid, fake_stripe):
    made = requested(paid, "28.50", "line-1")
    age(made, minutes=11)

    first = refunds.resend_stale_refunds()
    second = refunds.resend_stale_refunds()

    assert (first, second) == ([made.pk], [])
    assert refund_calls(fake_stripe) == ["refund-line-1"]
    assert len(fake_stripe.refunds) == 1
    paid.refresh_from_db()
    assert paid.refunded == D("28.50")
    assert paid.changes.filter(kind="refund").count() == 1


def test_a_refund_younger_than_ten_minutes_is_left_to_its_own_task(paid, fake_stripe):
    made = requested(paid, "28.50", "line-1")
    age(made, minutes=9)

    assert tasks.resend_stale_refunds() == 0

    made.refresh_from_db()
    paid.refresh_from_db()
    assert (made.status, made.stripe_id) == (RefundStatus.PENDING, "")
    assert refund_calls(fake_stripe) == []
    assert paid.refunded == D("0.00")


def test_refunds_stripe_answered_are_not_touched(
    paid, fake_stripe, django_capture_on_commit_callbacks
):
    """Succeeded, failed, and pending at Stripe (a Stripe id: its webhook will
    say how it ends) are all left alone."""
    with django_capture_on_commit_callbacks(execute=True):
        requested(paid, "10.00", "succeeded")
    failed = requested(paid, "20.00", "failed")
    Refund.objects.filter(pk=failed.pk).update(
        status=RefundStatus.FAILED, error_message="declined"
    )
    at_stripe = requested(paid, "30.00", "at-stripe")
    Refund.objects.filter(pk=at_stripe.pk).update(stripe_id="re_pending")
    Refund.objects.update(created_at=timezone.now() - datetime.timedelta(hours=12))
    before = list(
        Refund.objects.values_list("pk", "status", "stripe_id", "error_message")
    )
    calls = refund_calls(fake_stripe)
    changes = PaymentChange.objects.count()

    sent = refunds.resend_stale_refunds()

    assert sent == []
    assert calls == ["refund-succeeded"]
    assert refund_calls(fake_stripe) == calls
    assert (
        list(Refund.objects.values_list("pk", "status", "stripe_id", "error_message"))
        == before
    )
    assert PaymentChange.objects.count() == changes
    paid.refresh_from_db()
    assert paid.refunded == D("10.00")


def test_a_run_sends_a_bounded_batch_in_pk_order(paid, fake_stripe, monkeypatch):
    monkeypatch.setattr(refunds, "RESEND_BATCH", 2)
    made = [requested(paid, "1.00", f"line-{n}") for n in (1, 2, 3)]
    for refund, minutes in zip(made, (30, 50, 40), strict=True):
        age(refund, minutes=minutes)

    first = refunds.resend_stale_refunds()
    second = refunds.resend_stale_refunds()
    third = refunds.resend_stale_refunds()

    assert first == [made[0].pk, made[1].pk]
    assert second == [made[2].pk]
    assert third == []
    assert refund_calls(fake_stripe) == [
        "refund-line-1",
        "refund-line-2",
        "refund-line-3",
    ]
    assert list(Refund.objects.values_list("status", flat=True)) == [
        RefundStatus.SUCCEEDED,
        RefundStatus.SUCCEEDED,
        RefundStatus.SUCCEEDED,
    ]


def test_a_refund_stripe_still_cannot_reach_stays_pending_for_the_next_run(
    paid, fake_stripe, monkeypatch
):
    """In-process (no broker) the task runs inside the sweep and exhausts its
    retries: the refund is logged, stays pending, and the ones after it are sent;
    once Stripe answers, the next run refunds it."""
    unreachable = requested(paid, "10.00", "unreachable")
    other = requested(paid, "20.00", "other")
    age(unreachable, minutes=20)
    age(other, minutes=15)
    real_refund = gateway.refund

    def refund_or_unreachable(intent_id, *, idempotency_key, **kwargs):
        if idempotency_key == "refund-unreachable":
            raise gateway.GatewayUnavailable("Could not connect to Stripe")
        return real_refund(intent_id, idempotency_key=idempotency_key, **kwargs)

    monkeypatch.setattr(gateway, "refund", refund_or_unreachable)
    during = refunds.resend_stale_refunds()
    unreachable.refresh_from_db()
    state_during = (unreachable.status, unreachable.stripe_id)
    monkeypatch.setattr(gateway, "refund", real_refund)
    after = refunds.resend_stale_refunds()

    assert during == [other.pk]
    assert state_during == (RefundStatus.PENDING, "")
    assert after == [unreachable.pk]
    assert refund_calls(fake_stripe) == ["refund-other", "refund-unreachable"]
    assert list(Refund.objects.values_list("status", flat=True)) == [
        RefundStatus.SUCCEEDED,
        RefundStatus.SUCCEEDED,
    ]
    paid.refresh_from_db()
    assert paid.refunded == D("30.00")


def test_a_refund_pending_over_a_day_is_not_sent_again_but_reported(
    paid, fake_stripe, caplog
):
    """Past Stripe's 24 hours an idempotency key may be gone: a resend could
    refund twice, so staff are told instead."""
    old = requested(paid, "10.00", "old")
    recent = requested(paid, "20.00", "recent")
    Refund.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=23, minutes=1)
    )
    age(recent, minutes=11)

    with caplog.at_level(logging.WARNING, logger="payments.refunds"):
        sent = refunds.resend_stale_refunds()

    assert sent == [recent.pk]
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        (
            "payments.refunds",
            "WARNING",
            "Refunds pending without a Stripe answer for over 23 hours, not sent "
            "again (Stripe may have made them): check them in Stripe's dashboard: "
            f"{old.pk}",
        )
    ]
    assert refund_calls(fake_stripe) == ["refund-recent"]
    assert dict(Refund.objects.values_list("pk", "status")) == {
        old.pk: RefundStatus.PENDING,
        recent.pk: RefundStatus.SUCCEEDED,
    }


def test_beat_runs_the_refund_sweep_every_ten_minutes():
    assert settings.CELERY_BEAT_SCHEDULE["resend-stale-refunds"] == {
        "task": "payments.tasks.resend_stale_refunds",
        "schedule": 600,
    }
    app.loader.import_default_modules()
    assert "payments.tasks.resend_stale_refunds" in app.tasks
