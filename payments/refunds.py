"""Refunds: asked for in our database first, sent to Stripe after commit.

``request_refund`` writes a pending ``Refund`` under the payment's lock, after
checking that the amount is still refundable (pending refunds count against it),
and enqueues ``send_refund``. The task calls Stripe with the refund's own
idempotency key, so a re-delivered task or a crash after Stripe answered cannot
refund twice, and records the outcome. Webhooks (``refund.*``, ``charge.refunded``)
confirm the same refunds, and record refunds made elsewhere (Stripe's dashboard).
A refund whose task died before Stripe answered is sent again by the beat sweep
``resend_stale_refunds``.
"""

import datetime
import logging
from decimal import Decimal

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from outbox.services import enqueue
from payments import gateway, selectors
from payments.models import (
    ChangeKind,
    Payment,
    PaymentChange,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from payments.resend import resend_each
from payments.services import record_refund_in_oscar

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
METADATA_KEY = "nongjia_refund"
# A refund still pending without a Stripe id this long after it was requested
# lost its task: ``send_refund`` retries for about 2.5 minutes (5 x 30 s), so ten
# minutes is well past a healthy queue. Sending it again is a no-op at worst.
STALE_AFTER = datetime.timedelta(minutes=10)
# Past this age the sweep stops sending a refund: Stripe keeps an idempotency key
# for 24 hours only, so a call that did reach Stripe but whose answer was lost
# would no longer be replayed and a resend could refund twice. Such a refund is
# left to staff (a warning each run) to check in Stripe's dashboard; by then the
# sweep has tried it about 140 times.
LONG_PENDING = datetime.timedelta(hours=23)
RESEND_BATCH = 500


@transaction.atomic
def request_refund(
    *,
    payment_id: int,
    amount_yuan: Decimal,
    reason: str,
    idempotency_key: str,
    user=None,
) -> Refund:
    """A refund of ``amount_yuan`` of a paid payment; the same key twice is the
    same refund (the second call returns the first's row and sends nothing)."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    # Looked for under the lock: the same request sent twice at once (a double
    # click) finds the first one's refund, never a unique-key error.
    existing = Refund.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    if payment.status != PaymentStatus.SUCCEEDED:
        raise ValidationError(_("Only a paid card payment can be refunded."))
    gateway.to_fen(amount_yuan)  # a whole number of fen, above zero
    left = selectors.refund_left(payment=payment)  # under the payment's lock
    if amount_yuan > left:
        raise ValidationError(
            _("Only %(left)s yuan of this payment can still be refunded.")
            % {"left": left}
        )
    refund = Refund.objects.create(
        payment=payment,
        amount=amount_yuan,
        reason=reason[:255],
        idempotency_key=idempotency_key,
        requested_by=user if user is not None and user.is_authenticated else None,
    )
    audit.record(
        "payment.refund_requested",
        payment,
        {"refund": refund, "amount": amount_yuan, "reason": refund.reason},
        actor=user,
    )
    enqueue(send_refund, refund.pk)
    return refund


@shared_task(
    name="payments.tasks.send_refund",
    acks_late=True,
    bind=True,
    max_retries=5,
    default_retry_delay=30,
)
def send_refund(self, refund_id: int) -> str:
    try:
        return submit_refund(refund_id=refund_id).status
    except gateway.GatewayUnavailable as exc:
        raise self.retry(exc=exc) from exc


def submit_refund(*, refund_id: int) -> Refund:
    """Send a pending refund to Stripe (idempotently) and record the answer."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != RefundStatus.PENDING or refund.stripe_id:
        return refund
    try:
        result = gateway.refund(
            refund.payment.intent_id,
            amount_yuan=refund.amount,
            idempotency_key=f"refund-{refund.idempotency_key}",
            reason=refund.reason,
            metadata={METADATA_KEY: str(refund.pk)},
        )
    except gateway.GatewayUnavailable:
        raise
    except gateway.GatewayError as exc:
        return _fail(refund_id, exc.message)
    return apply_refund(
        refund_id=refund.pk,
        stripe_id=result.id,
        stripe_status=result.status,
        source=f"refund call {result.id}",
    )


def resend_stale_refunds(
    *,
    older_than: datetime.timedelta = STALE_AFTER,
    now: datetime.datetime | None = None,
) -> list[int]:
    """Send ``send_refund`` again for refunds pending with no Stripe id that were
    requested more than ``older_than`` and less than ``LONG_PENDING`` ago, in pk
    order, at most ``RESEND_BATCH`` a run (the next run takes the rest); returns
    the ids sent. Older ones are only reported, with a warning.

    Their task died (it raised on a database outage, or ran out of retries while
    Stripe was unreachable) and nothing else would ever send them. Sending again
    is safe: ``submit_refund`` returns early unless the refund is still pending
    without a Stripe id, and calls Stripe with the refund's own idempotency key,
    so a refund whose first task did reach Stripe gets Stripe's first answer
    back, never a second refund, as long as Stripe keeps the key (hence
    ``LONG_PENDING``). Its ``refund.created`` webhook, matched by the metadata,
    usually records such a refund before the sweep runs.

    Aged by ``created_at``, not ``updated_at``: the only ``send_refund`` a refund
    gets is enqueued in the transaction that creates it, so its age is its task's
    age, whereas ``updated_at`` moves whenever the row is saved (an edit in the
    admin) without any task being sent."""
    now = now or timezone.now()
    too_old = selectors.stale_unsent_refunds(
        created_before=now - LONG_PENDING, limit=RESEND_BATCH
    )
    if too_old:
        logger.warning(
            "Refunds pending without a Stripe answer for over %s hours, not sent "
            "again (Stripe may have made them): check them in Stripe's dashboard: %s",
            int(LONG_PENDING.total_seconds() // 3600),
            ", ".join(str(refund_id) for refund_id, _created in too_old),
        )
    unsent = selectors.stale_unsent_refunds(
        created_before=now - older_than,
        created_after=now - LONG_PENDING,
        limit=RESEND_BATCH,
    )
    return resend_each(send_refund, [pk for pk, _created in unsent], "Refund")


@transaction.atomic
def _fail(refund_id: int, message: str) -> Refund:
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    if refund.status == RefundStatus.PENDING:
        refund.status = RefundStatus.FAILED
        refund.error_message = message[:255]
        refund.save(update_fields=["status", "error_message", "updated_at"])
    return refund


@transaction.atomic
def apply_refund(
    *, refund_id: int, stripe_id: str, stripe_status: str, source: str
) -> Refund:
    """Stripe's word on one of our refunds; a refund is counted once, when it
    first reads ``succeeded``."""
    payment = Payment.objects.select_for_update().get(refunds__pk=refund_id)
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    if not refund.stripe_id:
        refund.stripe_id = stripe_id
    if refund.status == RefundStatus.PENDING:
        if stripe_status == "succeeded":
            refund.status = RefundStatus.SUCCEEDED
            _count(payment, refund, source)
        elif stripe_status in {"failed", "canceled"}:
            refund.status = RefundStatus.FAILED
    refund.save(update_fields=["stripe_id", "status", "updated_at"])
    return refund


def _count(payment: Payment, refund: Refund, source: str) -> None:
    audit.record(
        "payment.refunded",
        payment,
        {
            "refunded": [payment.refunded, payment.refunded + refund.amount],
            "refund": refund,
            "amount": refund.amount,
            "source": source,
        },
    )
    payment.refunded += refund.amount
    payment.save(update_fields=["refunded", "updated_at"])
    PaymentChange.objects.create(
        payment=payment,
        kind=ChangeKind.REFUND,
        from_status=payment.status,
        to_status=payment.status,
        amount=refund.amount,
        source=source,
    )
    record_refund_in_oscar(payment, refund.amount, refund.stripe_id)


def apply_stripe_refund(data: dict, *, source: str) -> str:
    """A refund object from a webhook: ours (by id or metadata) is confirmed; one
    made elsewhere is recorded as a new, already succeeded refund."""
    stripe_id = data["id"]
    ours = Refund.objects.filter(stripe_id=stripe_id).first()
    mine = (data.get("metadata") or {}).get(METADATA_KEY)
    if ours is None and mine and mine.isdigit():
        ours = Refund.objects.filter(pk=int(mine)).first()
    if ours is not None:
        apply_refund(
            refund_id=ours.pk,
            stripe_id=stripe_id,
            stripe_status=data.get("status", ""),
            source=source,
        )
        return f"refund {ours.pk}"
    if data.get("status") != "succeeded":
        return "unknown refund, not succeeded"
    return _record_outside_refund(data, source=source)


@transaction.atomic
def _record_outside_refund(data: dict, *, source: str) -> str:
    payment = (
        Payment.objects.select_for_update()
        .filter(intent_id=data.get("payment_intent") or "")
        .first()
    )
    if payment is None:
        return "refund of an unknown payment"
    amount = min(gateway.to_yuan(data["amount"]), payment.refundable)
    if amount <= ZERO:
        return "refund beyond the payment, not recorded"
    refund, created = Refund.objects.get_or_create(
        idempotency_key=f"stripe-{data['id']}",
        defaults={
            "payment": payment,
            "amount": amount,
            "reason": _("Refunded in Stripe"),
            "stripe_id": data["id"],
            "status": RefundStatus.SUCCEEDED,
        },
    )
    if created:
        _count(payment, refund, source)
    return f"refund {refund.pk} (made in Stripe)"
