"""Helpers of the card-payment tests (the fake Stripe fixtures are in
``tests/fakestripe``)."""

from decimal import Decimal

from payments import services

D = Decimal


def pay(order_number="100001", amount="128.50", method="pm_card_visa", key=None):
    """A card payment started through the service, as the checkout starts one."""
    return services.start_card_payment(
        order_number=order_number,
        amount_yuan=D(amount),
        payment_method=method,
        idempotency_key=key or f"test-{order_number}-1",
        return_url="http://testserver/checkout/thank-you/",
    )


def statuses(payment):
    return list(payment.changes.values_list("from_status", "to_status", "kind"))
