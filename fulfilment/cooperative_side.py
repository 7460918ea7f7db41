"""What cooperatives do with the allocations routed to them: accept, reject, ship.

A cooperative rejects (or lets expire) its whole share of a line — all its
allocations on that line — so what goes back to routing is whole units. The kg are
released on the lots at once; re-routing to other cooperatives runs in a Celery task
after commit (``rerouting.reroute_order``).
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from fulfilment import notifications, rerouting, status
from fulfilment.errors import NotAllowedNow
from fulfilment.locking import lock_bulk_order
from fulfilment.models import (
    Allocation,
    AllocationEvent,
    AllocationEventKind,
    AllocationStatus,
    BulkLine,
    Rejection,
)
from fulfilment.release import end_allocations
from suppliers import bulk_stock
from suppliers.models import MovementKind
from suppliers.stock import check_kg

ZERO = Decimal(0)


def _actor(user):
    return user if user is not None and user.is_authenticated else None


def _event(allocation, kind, *, kg=None, reason="", actor=None) -> AllocationEvent:
    return AllocationEvent.objects.create(
        allocation=allocation,
        kind=kind,
        kg=allocation.kg if kg is None else kg,
        reason=reason[:255],
        actor=_actor(actor),
    )


def _locked(allocation_id: int):
    """The allocation's order (locked first), then the allocation itself."""
    order_id = Allocation.objects.values_list("line__bulk_order_id", flat=True).get(
        pk=allocation_id
    )
    bulk_order = lock_bulk_order(order_id)
    allocation = (
        Allocation.objects.select_for_update()
        .select_related("line", "lot")
        .get(pk=allocation_id)
    )
    return bulk_order, allocation


@transaction.atomic
def accept_allocation(*, allocation_id: int, actor=None, now=None) -> Allocation:
    now = now or timezone.now()
    bulk_order, allocation = _locked(allocation_id)
    if allocation.status != AllocationStatus.PENDING:
        raise NotAllowedNow(
            _("Only allocations awaiting an answer can be accepted (it is %(s)s).")
            % {"s": allocation.get_status_display()}
        )
    if allocation.respond_by < now:
        raise NotAllowedNow(_("The time to answer this allocation has passed."))
    allocation.status = AllocationStatus.ACCEPTED
    allocation.save(update_fields=["status", "updated_at"])
    _event(allocation, AllocationEventKind.ACCEPTED, actor=actor)
    audit.record(
        "allocation.accepted",
        allocation,
        {"status": [AllocationStatus.PENDING, AllocationStatus.ACCEPTED]},
        actor=actor,
    )
    status.refresh(bulk_order)
    return allocation


def _give_back(bulk_order, allocation, *, kind: str, reason: str, actor) -> list:
    """Release a cooperative's share of a line; the line is short again by it."""
    share = list(
        Allocation.objects.select_for_update()
        .filter(
            line_id=allocation.line_id,
            cooperative_id=allocation.cooperative_id,
            status__in=(AllocationStatus.PENDING, AllocationStatus.ACCEPTED),
        )
        .order_by("pk")
    )
    released = end_allocations(
        bulk_order,
        share,
        status=(
            AllocationStatus.REJECTED
            if kind == AllocationEventKind.REJECTED
            else AllocationStatus.EXPIRED
        ),
        event=kind,
        reason=reason,
        movement_reason=reason,
        actor=actor,
    )
    Rejection.objects.get_or_create(
        line_id=allocation.line_id, cooperative_id=allocation.cooperative_id
    )
    line = BulkLine.objects.select_for_update().get(pk=allocation.line_id)
    line.short_kg += released
    line.save(update_fields=["short_kg"])
    status.refresh(bulk_order)
    return share


@transaction.atomic
def reject_allocation(*, allocation_id: int, reason: str, actor=None) -> list:
    """Refuse the cooperative's share of the line; it is re-routed elsewhere."""
    if not (reason or "").strip():
        raise NotAllowedNow(_("Say why the allocation is rejected."))
    bulk_order, allocation = _locked(allocation_id)
    if allocation.status not in (AllocationStatus.PENDING, AllocationStatus.ACCEPTED):
        raise NotAllowedNow(
            _("This allocation can no longer be rejected (it is %(s)s).")
            % {"s": allocation.get_status_display()}
        )
    share = _give_back(
        bulk_order,
        allocation,
        kind=AllocationEventKind.REJECTED,
        reason=reason.strip(),
        actor=actor,
    )
    rerouting.reroute_after_commit(bulk_order.pk)
    return share


@transaction.atomic
def expire_allocation(*, allocation_id: int, now=None) -> list:
    """A pending allocation past its answer-by time is released and re-routed.

    Idempotent: an allocation already answered or expired is left alone.
    """
    now = now or timezone.now()
    bulk_order, allocation = _locked(allocation_id)
    if allocation.status != AllocationStatus.PENDING or allocation.respond_by >= now:
        return []
    share = _give_back(
        bulk_order,
        allocation,
        kind=AllocationEventKind.EXPIRED,
        reason=_("not answered in time"),
        actor=None,
    )
    rerouting.reroute_after_commit(bulk_order.pk)
    return share


def overdue_allocation_ids(*, now: datetime.datetime) -> list[int]:
    return list(
        Allocation.objects.filter(
            status=AllocationStatus.PENDING, respond_by__lt=now
        ).values_list("pk", flat=True)
    )


@transaction.atomic
def ship_allocation(*, allocation_id: int, kg: Decimal, actor=None) -> Allocation:
    """Record what left the cooperative: ``kg`` may differ from what was reserved
    (short of it, the rest is released; over it, taken from the lot's free kg)."""
    kg = check_kg(kg, allow_zero=False)
    bulk_order, allocation = _locked(allocation_id)
    if allocation.status != AllocationStatus.ACCEPTED:
        raise NotAllowedNow(
            _("Accept the allocation before shipping it (it is %(s)s).")
            % {"s": allocation.get_status_display()}
        )
    locked = bulk_stock.lock_lots(lot_ids=[allocation.lot_id])
    lot = locked.lots[allocation.lot_id]
    if kg > allocation.kg + lot.available_kg:
        raise NotAllowedNow(
            _("Lot %(lot)s holds only %(kg)s kg for this allocation.")
            % {"lot": lot.code, "kg": allocation.kg + lot.available_kg}
        )
    bulk_stock.apply_changes(
        locked,
        [
            bulk_stock.Change(
                lot_id=lot.pk,
                kind=MovementKind.SHIPPED,
                on_hand_delta=-kg,
                reserved_delta=-allocation.kg,
                reason=_("shipped to the distribution centre"),
                reference=bulk_order.order.number,
            )
        ],
        actor=_actor(actor),
    )
    allocation.status = AllocationStatus.SHIPPED
    allocation.shipped_kg = kg
    allocation.save(update_fields=["status", "shipped_kg", "updated_at"])
    _event(allocation, AllocationEventKind.SHIPPED, kg=kg, actor=actor)
    audit.record(
        "allocation.shipped",
        allocation,
        {
            "status": [AllocationStatus.ACCEPTED, AllocationStatus.SHIPPED],
            "kg": kg,
        },
        actor=actor,
    )
    if status.refresh(bulk_order) == status.OrderStatus.SHIPPED:
        status.shipping_event(bulk_order, "shipped")
        notifications.order_shipped(bulk_order.pk)
    return allocation
