"""Canteen lines received short, paid by card: the missing kg refunded.

A canteen that pays a bulk order by card pays its total when it orders; what it
owes follows the kg it received (``fulfilment.delivery``: each receipt line's amount
is the received kg at the line's price). So each receipt line is refunded what was
paid for it less what is owed: the missing kg at the line's price, rounded so that
paid less refunded is exactly the receipt's amount. One refund per receipt line,
keyed by the line, so running this twice refunds nothing more.

Orders without a paid card payment (account customers, invoiced) are left alone:
their credit notes are billing's, not this app's.
"""

from decimal import Decimal

from django.apps import apps

from payments import refunds, selectors

ZERO = Decimal("0.00")


def refund_key(receipt_line_id: int) -> str:
    return f"receipt-line-{receipt_line_id}"


def refund_short_receipt(*, receipt_id: int) -> list:
    """Request (idempotently) the refund of every short line of a receipt."""
    ReceiptLine = apps.get_model("fulfilment", "ReceiptLine")
    lines = list(
        ReceiptLine.objects.filter(receipt_id=receipt_id)
        .select_related("line__line", "receipt__bulk_order")
        .order_by("pk")
    )
    if not lines:
        return []
    order_id = lines[0].receipt.bulk_order.order_id
    payment = selectors.paid_payment_for_order(order_id=order_id)
    if payment is None or payment.created_at > lines[0].receipt.created_at:
        return []  # not paid, or paid after receipt for what was received
    requested = []
    for receipt_line in lines:
        paid = receipt_line.line.line.line_price_incl_tax
        missing = paid - receipt_line.amount
        if missing <= ZERO:
            continue
        requested.append(
            refunds.request_refund(
                payment_id=payment.pk,
                amount_yuan=missing,
                reason=(
                    f"{receipt_line.line.ordered_kg - receipt_line.received_kg} kg "
                    f"of line {receipt_line.line_id} not received"
                ),
                idempotency_key=refund_key(receipt_line.pk),
            )
        )
    return requested
