"""Reads of card payments, for pages, the checkout and other apps."""

from payments import gateway
from payments.models import Payment, PaymentStatus


def card_payment_enabled() -> bool:
    """False without Stripe keys: the checkout says card payment is switched off."""
    return gateway.enabled()


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
