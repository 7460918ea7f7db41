"""Reads of card payments, for pages, the checkout and other apps."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.apps import apps
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from payments import gateway
from payments.models import (
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    StripeEvent,
)

ZERO = Decimal("0.00")
# Oscar's status of a cancelled order (``fulfilment.models.OrderStatus.CANCELLED``;
# by value, so that payments does not import fulfilment).
ORDER_CANCELLED = "cancelled"
# A payment in these states may still take the money: no second one is started.
UNDER_WAY = (PaymentStatus.PROCESSING, PaymentStatus.AUTHORISED)
# A payment in these states waits for the payer (3-D Secure left half-way): a new
# attempt cancels it first.
WAITING = (PaymentStatus.CREATED, PaymentStatus.REQUIRES_ACTION)


def card_payment_enabled() -> bool:
    """False without Stripe keys: the checkout says card payment is switched off."""
    return gateway.enabled()


@dataclass(frozen=True)
class CardPayability:
    """Whether an order may be paid by card now and, if not, why (``code`` for
    the API, ``message`` for the payer). True when payable."""

    payable: bool
    code: str = ""
    message: str = ""

    def __bool__(self) -> bool:
        return self.payable


def card_payable(order) -> CardPayability:
    """THE rule for which orders may be paid by card (an Oscar order, a canteen's
    bulk order's included): not cancelled, not bought on a canteen's account
    (it is invoiced), not paid, no payment under way. The API, the page and the
    service all ask this function."""
    if order.status == ORDER_CANCELLED:
        return CardPayability(
            False, "cancelled", _("A cancelled order cannot be paid.")
        )
    AccountOrder = apps.get_model("billing", "AccountOrder")
    if AccountOrder.objects.filter(bulk_order__order=order).exists():
        return CardPayability(
            False,
            "on_account",
            _(
                "Order %(number)s is bought on the canteen's account: it is "
                "invoiced for what is received and paid by bank transfer."
            )
            % {"number": order.number},
        )
    statuses = set(
        Payment.objects.filter(order_number=str(order.number)).values_list(
            "status", flat=True
        )
    )
    if PaymentStatus.SUCCEEDED in statuses:
        return CardPayability(
            False,
            "already_paid",
            _("Order %(number)s is already paid.") % {"number": order.number},
        )
    if statuses & set(UNDER_WAY):
        return CardPayability(
            False,
            "payment_under_way",
            _(
                "A card payment for order %(number)s is being processed; "
                "wait for its outcome."
            )
            % {"number": order.number},
        )
    return CardPayability(True)


def amount_due(order) -> Decimal:
    """What paying the order by card takes: its total, paid before delivery as
    canteens paying by card do; an order received before it was paid, what was
    received (its receipt's amounts), so kg that never arrived are not charged."""
    ReceiptLine = apps.get_model("fulfilment", "ReceiptLine")
    amounts = ReceiptLine.objects.filter(receipt__bulk_order__order=order)
    if not amounts.exists():
        return order.total_incl_tax
    total = amounts.aggregate(total=Sum("amount"))["total"]
    return Decimal(total).quantize(Decimal("0.01"))


def paid_payment_for_order(*, order_id: int) -> Payment | None:
    return (
        Payment.objects.filter(order_id=order_id, status=PaymentStatus.SUCCEEDED)
        .order_by("pk")
        .first()
    )


def payments_for_order(*, order_id: int) -> list[Payment]:
    return list(
        Payment.objects.filter(order_id=order_id)
        .prefetch_related("refunds")
        .order_by("pk")
    )


def attempts_for_order_number(*, order_number: str) -> list[Payment]:
    """Every card payment tried for an order, refused ones included (those are
    not linked to the order), oldest first."""
    return list(Payment.objects.filter(order_number=order_number).order_by("pk"))


def waiting_attempts(*, order_number: str) -> list[Payment]:
    return list(
        Payment.objects.filter(order_number=order_number, status__in=WAITING).order_by(
            "pk"
        )
    )


def payments_matching(*, order_number: str = "", status: str = "") -> QuerySet:
    """Staff's list: newest first, narrowed to an order number (exact) and a
    status when given."""
    payments = Payment.objects.select_related("order")
    if order_number:
        payments = payments.filter(order_number=order_number.strip())
    if status:
        payments = payments.filter(status=status)
    return payments.order_by("-created_at", "-pk")


def pending_refunds(*, payment: Payment) -> Decimal:
    return (
        payment.refunds.filter(status=RefundStatus.PENDING).aggregate(
            total=Sum("amount")
        )["total"]
        or ZERO
    )


def refund_left(*, payment: Payment) -> Decimal:
    """What may still be refunded: paid, less refunded, less refunds pending.
    Under the payment's lock in ``refunds.request_refund``; a hint elsewhere."""
    if payment.status != PaymentStatus.SUCCEEDED:
        return ZERO
    return payment.amount - payment.refunded - pending_refunds(payment=payment)


def stale_unprocessed_event_ids(*, received_before: datetime, limit: int) -> list:
    """Stored webhook events never applied, oldest first: their task was lost."""
    return list(
        StripeEvent.objects.filter(
            processed_at__isnull=True, received_at__lt=received_before
        )
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def stale_unsent_refunds(
    *, created_before: datetime, created_after: datetime | None = None, limit: int
) -> list[tuple[int, datetime]]:
    """Pending refunds never answered by Stripe (no Stripe id), requested before
    ``created_before`` (and after ``created_after``), as ``(pk, created_at)`` in
    pk order: their task died. A pending refund with a Stripe id is Stripe's to
    finish (its webhook)."""
    refunds = Refund.objects.filter(
        status=RefundStatus.PENDING, stripe_id="", created_at__lt=created_before
    )
    if created_after is not None:
        refunds = refunds.filter(created_at__gt=created_after)
    return list(refunds.order_by("pk").values_list("pk", "created_at")[:limit])
