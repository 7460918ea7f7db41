"""Celery tasks of payments: thin and idempotent (each re-reads under lock in its
service and does nothing when the work is done). Importing this module registers
them all with the worker."""

from celery import shared_task

from outbox.services import enqueue
from payments import refunds, shortfalls, webhooks

process_stripe_event = webhooks.process_stripe_event
send_refund = refunds.send_refund


@shared_task(name="payments.tasks.refund_short_receipt", acks_late=True)
def refund_short_receipt(receipt_id: int) -> int:
    return len(shortfalls.refund_short_receipt(receipt_id=receipt_id))


@shared_task(name="payments.tasks.resend_stale_stripe_events")
def resend_stale_stripe_events() -> int:
    """Every ten minutes (beat): webhook events stored but never applied are
    sent to ``process_stripe_event`` again. Idempotent: an applied event is
    neither selected nor applied twice."""
    return len(webhooks.resend_stale_events())


@shared_task(name="payments.tasks.resend_stale_refunds")
def resend_stale_refunds() -> int:
    """Every ten minutes (beat): refunds left pending without a Stripe id once
    their task died are sent to ``send_refund`` again. Idempotent: a refund
    Stripe answered is not selected, and Stripe's idempotency key is the
    refund's, so a refund is never made twice."""
    return len(refunds.resend_stale_refunds())


def receipt_confirmed(*, receipt_id: int) -> None:
    """Hook for ``fulfilment.delivery`` (settings.NONGJIA_RECEIPT_CONFIRMED_HOOKS),
    called in the receipt's transaction: the refunds are sent once it commits."""
    enqueue(refund_short_receipt, receipt_id)
