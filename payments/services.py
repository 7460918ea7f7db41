"""A card payment's life: started (a PaymentIntent, confirmed server-side), moved
forward by what Stripe says (the create call's answer, then webhook events), and
linked to its Oscar order, where Oscar's own records (a payment source, payment
events) follow it.

Every change locks the payment row and writes a ``PaymentChange`` in the same
transaction. Stripe is called outside any transaction (a slow network call must
not hold locks); the idempotency key makes the call safe to repeat.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db import transaction
from django.utils.translation import gettext as _

from payments import gateway
from payments.models import STATUS_RANK, ChangeKind, Payment, PaymentChange
from payments.models import PaymentStatus as S

SOURCE_TYPE = "Stripe"
# Oscar's payment event types, by name (created on first use).
OSCAR_PENDING, OSCAR_PAID, OSCAR_REFUNDED = "pending", "paid", "refunded"

# PaymentIntent statuses (Stripe's) to ours.
INTENT_STATUS = {
    "requires_payment_method": S.CREATED,
    "requires_confirmation": S.CREATED,
    "requires_action": S.REQUIRES_ACTION,
    "processing": S.PROCESSING,
    "requires_capture": S.AUTHORISED,
    "canceled": S.CANCELED,
    "succeeded": S.SUCCEEDED,
}


class CardPaymentFailed(Exception):
    """The card was refused; ``message`` is Stripe's, meant for the payer."""

    def __init__(self, message: str, payment: Payment | None = None):
        super().__init__(message)
        self.message = message
        self.payment = payment


@dataclass(frozen=True)
class Started:
    payment: Payment
    redirect_url: str  # where the card holder confirms (3-D Secure), if anywhere


def status_of(intent: gateway.Intent) -> str:
    """Ours for Stripe's: an intent back at ``requires_payment_method`` with an
    error is a failed attempt, not a new one."""
    if intent.status == "requires_payment_method" and intent.error_message:
        return S.FAILED
    return INTENT_STATUS.get(intent.status, S.CREATED)


# --- starting ---------------------------------------------------------------------


def start_card_payment(
    *,
    order_number: str,
    amount_yuan: Decimal,
    payment_method: str,
    idempotency_key: str,
    return_url: str = "",
) -> Started:
    """Create and confirm a PaymentIntent for the order with the payer's payment
    method; record it whatever Stripe answered. A declined card raises
    ``CardPaymentFailed`` (the failed attempt is recorded too)."""
    try:
        intent = gateway.create_payment_intent(
            amount_yuan=amount_yuan,
            order_number=order_number,
            idempotency_key=idempotency_key,
            metadata={"idempotency_key": idempotency_key},
            payment_method=payment_method,
            return_url=return_url,
        )
    except gateway.CardDeclined as exc:
        payment = None
        if exc.intent is not None:
            payment = apply_intent(
                intent=exc.intent, source=f"create {idempotency_key}"
            )
        raise CardPaymentFailed(exc.message, payment) from exc
    payment = apply_intent(intent=intent, source=f"create {idempotency_key}")
    return Started(payment=payment, redirect_url=intent.redirect_url)


def next_attempt_key(*, prefix: str, order_number: str) -> str:
    """An idempotency key per payment attempt for an order. Only refused or
    cancelled attempts count: a double submit reuses the key (one intent, Stripe
    answers the second call with the first's result), while a new card after a
    refusal gets the next key (Stripe keeps the refusal under the old one)."""
    over = Payment.objects.filter(
        order_number=order_number, status__in=(S.FAILED, S.CANCELED)
    ).count()
    return f"{prefix}-{order_number}-{over + 1}"


# --- moving forward ----------------------------------------------------------------


@transaction.atomic
def apply_intent(*, intent: gateway.Intent, source: str) -> Payment:
    """What Stripe says about an intent, applied if it moves the payment forward
    (a late or repeated event changes nothing). Creates the payment row when an
    event for one of our intents arrives before the create call's answer."""
    if intent.currency != "CNY":
        raise ValueError(f"{intent.id}: not a CNY payment")
    payment, created = Payment.objects.select_for_update().get_or_create(
        intent_id=intent.id,
        defaults={
            "order_number": intent.metadata.get("order_number", ""),
            "amount": intent.amount_yuan,
            "idempotency_key": intent.metadata.get("idempotency_key")
            or f"intent-{intent.id}",
        },
    )
    if created:
        PaymentChange.objects.create(
            payment=payment,
            kind=ChangeKind.STATUS,
            to_status=payment.status,
            amount=payment.amount,
            source=source,
        )
    _move(payment, status_of(intent), source=source, error=intent.error_message)
    return payment


def _move(payment: Payment, new: str, *, source: str, error: str = "") -> bool:
    """Forward only, under the caller's lock; Oscar's records follow."""
    old = payment.status
    if STATUS_RANK[new] <= STATUS_RANK[old]:
        return False
    payment.status = new
    payment.error_message = error[:255] if new == S.FAILED else ""
    payment.save(update_fields=["status", "error_message", "updated_at"])
    PaymentChange.objects.create(
        payment=payment,
        kind=ChangeKind.STATUS,
        from_status=old,
        to_status=new,
        source=source,
    )
    if new == S.SUCCEEDED and payment.order_id:
        _record_paid_in_oscar(payment)
    return True


# --- the Oscar order ------------------------------------------------------------------


@transaction.atomic
def attach_order(*, payment_id: int, order) -> Payment:
    """Link a payment to its order once Oscar has written it, and record Oscar's
    payment source (allocated now, debited when paid) and payment event."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.order_id:
        return payment
    if payment.order_number != str(order.number):
        raise ValueError(f"payment {payment.pk} is not for order {order.number}")
    payment.order = order
    payment.save(update_fields=["order", "updated_at"])
    PaymentChange.objects.create(
        payment=payment, kind=ChangeKind.ORDER, source=f"order {order.number}"
    )
    Source = apps.get_model("payment", "Source")
    SourceType = apps.get_model("payment", "SourceType")
    source_type, _created = SourceType.objects.get_or_create(name=SOURCE_TYPE)
    Source.objects.create(
        order=order,
        source_type=source_type,
        currency=payment.currency,
        amount_allocated=payment.amount,
        reference=payment.intent_id,
    )
    if payment.status == S.SUCCEEDED:
        _record_paid_in_oscar(payment)
    else:
        _oscar_event(payment, OSCAR_PENDING, payment.amount)
    return payment


def _oscar_source(payment: Payment):
    Source = apps.get_model("payment", "Source")
    return Source.objects.select_for_update().get(
        order_id=payment.order_id, reference=payment.intent_id
    )


def _record_paid_in_oscar(payment: Payment) -> None:
    source = _oscar_source(payment)
    source.amount_debited = payment.amount
    source.save(update_fields=["amount_debited"])
    _oscar_event(payment, OSCAR_PAID, payment.amount)


def record_refund_in_oscar(payment: Payment, amount: Decimal, reference: str) -> None:
    """Oscar's side of a refund: the source's refunded amount and an event."""
    if not payment.order_id:
        return
    source = _oscar_source(payment)
    source.amount_refunded += amount
    source.save(update_fields=["amount_refunded"])
    _oscar_event(payment, OSCAR_REFUNDED, amount, reference=reference)


def _oscar_event(payment: Payment, name: str, amount: Decimal, reference=""):
    PaymentEventType = apps.get_model("order", "PaymentEventType")
    PaymentEvent = apps.get_model("order", "PaymentEvent")
    PaymentEventQuantity = apps.get_model("order", "PaymentEventQuantity")
    event_type, _created = PaymentEventType.objects.get_or_create(name=name)
    event = PaymentEvent.objects.create(
        order_id=payment.order_id,
        event_type=event_type,
        amount=amount,
        reference=reference or payment.intent_id,
    )
    PaymentEventQuantity.objects.bulk_create(
        PaymentEventQuantity(event=event, line=line, quantity=line.quantity)
        for line in payment.order.lines.all()
    )


def pay_order_by_card(
    *, order, payment_method: str, idempotency_key: str = ""
) -> Started:
    """Pay an existing order (a canteen's bulk order) by card, for its total.

    The minimal card path for canteens: Oscar's store pays before the order is
    written (``shop.apps.checkout``), a bulk order is placed first and paid after.
    """
    if Payment.objects.filter(order=order, status=S.SUCCEEDED).exists():
        raise ValueError(
            _("Order %(number)s is already paid.") % {"number": order.number}
        )
    key = idempotency_key or next_attempt_key(prefix="order", order_number=order.number)
    started = start_card_payment(
        order_number=order.number,
        amount_yuan=order.total_incl_tax,
        payment_method=payment_method,
        idempotency_key=key,
    )
    attach_order(payment_id=started.payment.pk, order=order)
    started.payment.refresh_from_db()
    return started
