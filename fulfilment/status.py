"""A bulk order's status: Oscar's ``Order.status``, derived from its allocations.

Only fulfilment's services call these, inside their transactions, holding the
order's lock; each change writes Oscar's ``OrderStatusChange`` row with it (the
dashboard's pipeline offers no manual transitions).
"""

from django.apps import apps

from fulfilment.models import Allocation, AllocationStatus, OrderStatus

DONE = {AllocationStatus.SHIPPED, AllocationStatus.DELIVERED}
ACCEPTED_OR_LATER = {AllocationStatus.ACCEPTED, *DONE}
ACTIVE = {AllocationStatus.PENDING, *ACCEPTED_OR_LATER}


def record(order, old: str, new: str) -> None:
    apps.get_model("order", "OrderStatusChange").objects.create(
        order=order, old_status=old, new_status=new
    )


def change(order, new: str) -> None:
    """Set and record a new status (no-op when unchanged)."""
    if order.status == new:
        return
    old = order.status
    order.status = new
    order.save(update_fields=["status"])
    record(order, old, new)


def derive(*, short: bool, allocation_statuses) -> str:
    """The status the allocations and shortfall put an order in."""
    active = [s for s in allocation_statuses if s in ACTIVE]
    if active and all(s == AllocationStatus.DELIVERED for s in active):
        return OrderStatus.DELIVERED
    if active and all(s in DONE for s in active):
        return OrderStatus.SHIPPED
    if short:
        return OrderStatus.ROUTED_SHORT
    if active and all(s in ACCEPTED_OR_LATER for s in active):
        return OrderStatus.ACCEPTED
    return OrderStatus.ROUTED


def refresh(bulk_order, *, lines=None) -> str:
    """Re-derive the order's status from its lines and allocations, and record it."""
    if bulk_order.order.status in (
        OrderStatus.CANCELLED,
        OrderStatus.RECEIVED,
        OrderStatus.DRAFT,
        OrderStatus.AWAITING_APPROVAL,
    ):
        return bulk_order.order.status
    if lines is None:
        lines = list(bulk_order.bulk_lines.all())
    statuses = Allocation.objects.filter(line__bulk_order=bulk_order).values_list(
        "status", flat=True
    )
    new = derive(
        short=any(line.short_kg > 0 for line in lines),
        allocation_statuses=list(statuses),
    )
    change(bulk_order.order, new)
    return new


SHIPPING_EVENTS = {
    "shipped": "Shipped to the distribution centre",
    "delivered": "Delivered to the canteen",
    "received": "Received by the canteen",
}


def shipping_event(bulk_order, code: str, *, notes: str = "") -> None:
    """Oscar's shipping event for the whole order (all its lines), for its history."""
    EventType = apps.get_model("order", "ShippingEventType")
    Event = apps.get_model("order", "ShippingEvent")
    Quantity = apps.get_model("order", "ShippingEventQuantity")
    event_type, _created = EventType.objects.get_or_create(
        code=code, defaults={"name": SHIPPING_EVENTS[code]}
    )
    event = Event.objects.create(
        order=bulk_order.order, event_type=event_type, notes=notes
    )
    Quantity.objects.bulk_create(
        Quantity(event=event, line_id=line_id, quantity=units)
        for line_id, units in bulk_order.bulk_lines.values_list("line_id", "units")
    )
