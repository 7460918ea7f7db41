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
from django.utils.translation import gettext_lazy

from audit import services as audit
from payments import gateway, selectors
from payments.models import STATUS_RANK, ChangeKind, Payment, PaymentChange
from payments.models import PaymentStatus as S

SOURCE_TYPE = "Stripe"
SWITCHED_OFF = gettext_lazy(
    "Card payment is switched off: this shop has no Stripe keys configured."
)
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


class OrderNotPayable(Exception):
    """The order may not be paid by card now (``selectors.card_payable``);
    ``code`` names why (``cancelled``, ``already_paid``, ``payment_under_way``)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class RequestKeyReused(Exception):
    """The payer's request key was used before for a payment with another card."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Started:
    payment: Payment
    redirect_url: str  # where the card holder confirms (3-D Secure), if anywhere
    client_secret: str = ""  # for Stripe.js to finish a 3-D Secure confirmation
    replayed: bool = False  # the answer to an earlier request with the same key


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
    return Started(
        payment=payment,
        redirect_url=intent.redirect_url,
        client_secret=intent.client_secret,
    )


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
    if new == S.SUCCEEDED:
        audit.record(
            "payment.captured",
            payment,
            {"status": [old, new], "amount": payment.amount, "source": source},
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


# --- paying an existing order (canteens' bulk orders) ------------------------------


def pay_order_by_card(
    *, order, payment_method: str, request_key: str = "", return_url: str = ""
) -> Started:
    """Pay an existing order (a canteen's bulk order) by card, for what is due
    (``selectors.amount_due``).

    Oscar's store pays before the order is written (``shop.apps.checkout``); a bulk
    order is placed first and paid after. Which orders may be paid is
    ``selectors.card_payable``'s to say, asked before Stripe is called.

    Stripe's idempotency key is the order's attempt (``next_attempt_key``): two
    requests for the same attempt are one PaymentIntent (or the second is refused
    as under way, if its card differs), so an order is never charged twice by
    requests racing each other. ``request_key`` is the payer's key for *this
    request*: sent again, it answers the payment it started (a refused card is
    refused again) instead of starting another. A 3-D Secure attempt the payer
    left half-way is cancelled before a new one starts.
    """
    if not gateway.enabled():
        raise gateway.PaymentsDisabled(str(SWITCHED_OFF))
    number = str(order.number)
    if request_key:
        earlier = (
            Payment.objects.filter(order_number=number, request_key=request_key)
            .order_by("pk")
            .first()
        )
        if earlier is not None:
            return _replay(earlier, order=order, payment_method=payment_method)
    _refuse_unless_payable(order)
    if _cancel_waiting_attempts(order_number=number):
        _refuse_unless_payable(order)  # a waiting attempt may have been paid
    key = next_attempt_key(prefix="order", order_number=number)
    try:
        started = start_card_payment(
            order_number=number,
            amount_yuan=selectors.amount_due(order),
            payment_method=payment_method,
            idempotency_key=key,
            return_url=return_url,
        )
    except CardPaymentFailed as exc:
        if exc.payment is not None:
            _keep_request_key(exc.payment, request_key)
        raise
    except gateway.IdempotencyKeyReused as exc:
        raise OrderNotPayable(
            "payment_under_way",
            _(
                "Another card payment for order %(number)s has just been started; "
                "wait for its outcome."
            )
            % {"number": number},
        ) from exc
    _keep_request_key(started.payment, request_key)
    attach_order(payment_id=started.payment.pk, order=order)
    started.payment.refresh_from_db()
    return started


def _refuse_unless_payable(order) -> None:
    payability = selectors.card_payable(order)
    if not payability:
        raise OrderNotPayable(payability.code, payability.message)


def _keep_request_key(payment: Payment, request_key: str) -> None:
    """The first request's key stays (a concurrent twin shares the payment)."""
    if request_key:
        Payment.objects.filter(pk=payment.pk, request_key="").update(
            request_key=request_key
        )


def _replay(payment: Payment, *, order, payment_method: str) -> Started:
    """The payment a request key started, as Stripe has it now (linked to the
    order if the first request stopped before it was)."""
    intent = gateway.retrieve(payment.intent_id)
    if intent.payment_method and intent.payment_method != payment_method:
        raise RequestKeyReused(
            _("This request key was already used to pay with another card.")
        )
    payment = apply_intent(intent=intent, source=f"replay {payment.request_key}")
    if payment.status == S.FAILED:
        raise CardPaymentFailed(payment.error_message, payment)
    if payment.order_id is None and payment.status != S.CANCELED:
        payment = attach_order(payment_id=payment.pk, order=order)
    return Started(
        payment=payment,
        redirect_url=intent.redirect_url,
        client_secret=intent.client_secret,
        replayed=True,
    )


def _cancel_waiting_attempts(*, order_number: str) -> bool:
    """Cancel the order's attempts that wait for the payer (so that a 3-D Secure
    page left open cannot pay a second time). One the payer has just completed
    cannot be cancelled: it is read back from Stripe instead."""
    waiting = selectors.waiting_attempts(order_number=order_number)
    for payment in waiting:
        source = f"new attempt for order {order_number}"
        try:
            intent = gateway.cancel(
                payment.intent_id, idempotency_key=f"cancel-{payment.intent_id}"
            )
        except gateway.GatewayRejected:
            intent = gateway.retrieve(payment.intent_id)
        apply_intent(intent=intent, source=source)
    return bool(waiting)


def refresh_payment(*, payment_id: int) -> Payment:
    """Read a payment's intent back from Stripe (the payer is back from the bank's
    page, perhaps before the webhook): forward only, like any other news."""
    payment = Payment.objects.get(pk=payment_id)
    intent = gateway.retrieve(payment.intent_id)
    return apply_intent(intent=intent, source="read back after the bank's page")
