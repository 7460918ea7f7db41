"""Taking a bulk order's lock: the first lock of every change to an order after it
is placed (then stock records, lots and cooperatives, as in ``allocate``)."""

from fulfilment.models import BulkOrder


def lock_bulk_order(order_id: int) -> BulkOrder:
    return (
        BulkOrder.objects.select_for_update(of=("self",))
        .select_related("order", "organisation")
        .get(pk=order_id)
    )
