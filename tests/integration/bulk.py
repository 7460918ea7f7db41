"""Helpers shared by the bulk-order tests: a canteen, stock, and placing orders."""

import datetime
from decimal import Decimal

from django.utils import timezone

from fulfilment.placing import OrderInput, place_bulk_order
from fulfilment.validation import LineInput

D = Decimal


def delivery(days=2) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def order_input(canteen, lines, *, days=2, **kwargs) -> OrderInput:
    return OrderInput(
        organisation_id=canteen.pk,
        delivery_date=delivery(days),
        lines=tuple(LineInput(product.upc, units) for product, units in lines),
        **kwargs,
    )


def place(buyer, canteen, lines, **kwargs):
    key = kwargs.pop("idempotency_key", None)
    data = order_input(canteen, lines, **kwargs)
    return place_bulk_order(user=buyer, data=data, idempotency_key=key).bulk_order


def allocations_of(bulk_order):
    return sorted(
        (a.line.product_id, a.cooperative_id, a.lot_id, a.kg, a.status)
        for line in bulk_order.bulk_lines.all()
        for a in line.allocations.select_related("line")
    )
