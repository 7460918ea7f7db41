"""Celery tasks of fulfilment: thin, idempotent wrappers over services.

Each task takes ids, re-reads under lock in its service, and does nothing when the
work is already done, so a retried or re-delivered task is harmless.
"""

from celery import shared_task
from django.utils import timezone

from fulfilment import cooperative_side, rerouting, standing
from outbox.services import enqueue

# Registered with the worker by importing this module (autodiscovery).
reroute_order = rerouting.reroute_order_task


@shared_task(name="fulfilment.tasks.expire_unanswered_allocations")
def expire_unanswered_allocations() -> int:
    """Every few minutes: allocations not answered in time go back to routing."""
    now = timezone.now()
    expired = 0
    for allocation_id in cooperative_side.overdue_allocation_ids(now=now):
        expired += len(cooperative_side.expire_allocation(allocation_id=allocation_id))
    return expired


@shared_task(name="fulfilment.tasks.retry_shortfalls")
def retry_shortfalls(product_id: int | None = None) -> int:
    """Short lines get another chance at stock that arrived since (until cut-off)."""
    routed = 0
    for order_id in rerouting.short_order_ids(product_id=product_id):
        routed += len(rerouting.reroute_order(order_id=order_id))
    return routed


@shared_task(name="fulfilment.tasks.create_standing_orders")
def create_standing_orders() -> dict:
    run = standing.create_due_orders()
    return {"created": run.created, "failed": len(run.failed)}


def lot_received(*, product_id: int) -> None:
    """Hook for ``suppliers.stock`` (settings.NONGJIA_LOT_RECEIVED_HOOKS), called
    in the lot's transaction: the retry is sent once the lot is committed."""
    enqueue(retry_shortfalls, product_id)
