"""Ending active allocations: their reserved kg go back to the lots.

Cancelling an order, a cooperative's rejection and an expired answer all end
allocations the same way, in the caller's transaction (the order's lock held):
one RELEASED movement per lot, the allocations' new status, one event each.
"""

from collections.abc import Sequence
from decimal import Decimal

from django.utils import timezone

from audit import services as audit
from fulfilment.models import Allocation, AllocationEvent
from suppliers import bulk_stock
from suppliers.models import MovementKind

ZERO = Decimal(0)


def end_allocations(
    bulk_order,
    allocations: Sequence[Allocation],
    *,
    status: str,
    event: str,
    reason: str,
    movement_reason: str,
    actor=None,
) -> Decimal:
    """Release and close ``allocations`` (locked by the caller); returns the kg."""
    if not allocations:
        return ZERO
    actor = actor if actor is not None and actor.is_authenticated else None
    locked = bulk_stock.lock_lots(lot_ids=[a.lot_id for a in allocations])
    bulk_stock.apply_changes(
        locked,
        [
            bulk_stock.Change(
                lot_id=a.lot_id,
                kind=MovementKind.RELEASED,
                on_hand_delta=ZERO,
                reserved_delta=-a.kg,
                reason=movement_reason,
                reference=bulk_order.order.number,
            )
            for a in allocations
        ],
        actor=actor,
    )
    audit.record_many(
        f"allocation.{event}",
        allocations,
        lambda a: {"status": [a.status, status], "kg": a.kg, "reason": reason},
        actor=actor,
    )
    now = timezone.now()
    for allocation in allocations:
        allocation.status = status
        allocation.updated_at = now
    Allocation.objects.bulk_update(allocations, ["status", "updated_at"])
    AllocationEvent.objects.bulk_create(
        AllocationEvent(
            allocation=a, kind=event, kg=a.kg, reason=reason[:255], actor=actor
        )
        for a in allocations
    )
    return sum((a.kg for a in allocations), ZERO)
