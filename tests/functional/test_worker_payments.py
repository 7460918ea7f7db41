"""A Stripe webhook, stored by the web process, applied by a real Celery worker
on Redis against the PostgreSQL test database."""

import pytest

from outbox.models import OutboxMessage
from payments.models import Payment, PaymentStatus, StripeEvent
from shop.celery import app as celery_app
from tests.functional.workers import wait_for
from tests.integration.payments_helpers import pay

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def to_worker_queue(worker_queue):
    """What the outbox publishes goes to this test's worker's queue."""
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = worker_queue
    yield
    celery_app.conf.task_default_queue = previous


@pytest.mark.usefixtures("to_worker_queue")
def test_worker_applies_a_webhook_event_once(fake_stripe, deliver_webhook):
    payment = pay(method="pm_card_threeDSecure2Required").payment
    fake_stripe.authenticate(payment.intent_id)
    [event] = fake_stripe.events_of("payment_intent.succeeded")

    assert deliver_webhook(event).status_code == 200
    assert deliver_webhook(event).status_code == 200  # Stripe retried: a no-op

    def applied():
        return StripeEvent.objects.filter(processed_at__isnull=False).exists()

    assert wait_for(applied), "the worker did not apply the event within 60 s"
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.changes.filter(to_status="succeeded").count() == 1
    assert StripeEvent.objects.get().outcome == f"payment {payment.pk}: succeeded"
    # Through the outbox: written with the event, published after commit.
    [message] = OutboxMessage.objects.filter(task="payments.tasks.process_stripe_event")
    assert message.sent_at is not None
