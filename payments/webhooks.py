"""Stripe webhook events: stored once, then applied by a task.

The view (``payments.views``) verifies the signature and calls ``store_event``;
the event row's unique id makes a re-delivery a no-op, and the task is enqueued
only after the row is committed, so the answer to Stripe is quick whatever the
handlers cost. ``process_event`` applies an event once (``processed_at``, under the
event row's lock) through the table of handlers below; each handler only ever
moves a payment forward, so events arriving out of order are harmless.
"""

import datetime

from celery import shared_task
from django.db import IntegrityError, transaction
from django.utils import timezone

from outbox.services import enqueue
from payments import gateway, refunds, selectors, services
from payments.models import StripeEvent
from payments.resend import resend_each

# A stored event still unapplied this long after it arrived lost its task (the
# broker was down at commit, or a worker died with it): ``resend_stale_events``
# sends it again. Applying is idempotent, so a slow queue costs a no-op at most.
STALE_AFTER = datetime.timedelta(minutes=10)
RESEND_BATCH = 200


def store_event(event: dict) -> tuple[StripeEvent, bool]:
    """The verified event, stored; ``False`` when we already had it."""
    try:
        with transaction.atomic():
            stored = StripeEvent.objects.create(
                event_id=event["id"], type=event["type"], payload=event
            )
            enqueue(process_stripe_event, stored.pk)
    except IntegrityError:
        return StripeEvent.objects.get(event_id=event["id"]), False
    return stored, True


@shared_task(name="payments.tasks.process_stripe_event", acks_late=True)
def process_stripe_event(event_pk: int) -> str:
    return process_event(event_pk=event_pk).outcome


def resend_stale_events(*, now: datetime.datetime | None = None) -> list[int]:
    """Enqueue again the events stored before ``STALE_AFTER`` and never applied,
    oldest first, at most ``RESEND_BATCH`` a run (the next run takes the rest).
    An event applied meanwhile is skipped by ``process_event`` under its lock."""
    received_before = (now or timezone.now()) - STALE_AFTER
    stale = selectors.stale_unprocessed_event_ids(
        received_before=received_before, limit=RESEND_BATCH
    )
    return resend_each(process_stripe_event, stale, "Stripe event")


@transaction.atomic
def process_event(*, event_pk: int) -> StripeEvent:
    event = StripeEvent.objects.select_for_update().get(pk=event_pk)
    if event.processed_at is not None:
        return event
    handler = HANDLERS.get(event.type)
    data = event.payload.get("data", {}).get("object", {})
    source = f"event {event.event_id}"
    event.outcome = handler(data, source=source) if handler else "ignored"
    event.processed_at = timezone.now()
    event.save(update_fields=["outcome", "processed_at"])
    return event


def _intent(data: dict, *, source: str) -> str:
    intent = gateway.intent_of(data)
    if "order_number" not in intent.metadata:
        return "not one of our payment intents"
    payment = services.apply_intent(intent=intent, source=source)
    return f"payment {payment.pk}: {payment.status}"


def _charge_refunded(data: dict, *, source: str) -> str:
    """Older API versions list the charge's refunds; newer ones send each refund
    as its own ``refund.*`` event, handled the same way."""
    listed = (data.get("refunds") or {}).get("data") or []
    outcomes = [refunds.apply_stripe_refund(item, source=source) for item in listed]
    return "; ".join(outcomes) or "no refunds listed"


def _refund(data: dict, *, source: str) -> str:
    return refunds.apply_stripe_refund(data, source=source)


HANDLERS = {
    "payment_intent.created": _intent,
    "payment_intent.requires_action": _intent,
    "payment_intent.processing": _intent,
    "payment_intent.amount_capturable_updated": _intent,
    "payment_intent.succeeded": _intent,
    "payment_intent.payment_failed": _intent,
    "payment_intent.canceled": _intent,
    "charge.refunded": _charge_refunded,
    "refund.created": _refund,
    "refund.updated": _refund,
}
