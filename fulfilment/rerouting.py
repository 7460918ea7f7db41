"""Routing again what is short: after a rejection or an expiry, and when new
stock arrives, until the order's cut-off.

Runs in Celery. Idempotent by construction: it routes only what is short *now*,
under the order's lock, so a task run twice (or re-delivered after a worker was
killed mid-way, which rolls its transaction back) routes each kg exactly once.
"""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from audit import services as audit
from fulfilment import notifications, status
from fulfilment.allocate import route_lines
from fulfilment.locking import lock_bulk_order
from fulfilment.models import BulkLine, BulkOrder, OrderStatus
from outbox.services import enqueue

REROUTABLE = (
    OrderStatus.ROUTED,
    OrderStatus.ROUTED_SHORT,
    OrderStatus.ACCEPTED,
)


@transaction.atomic
@audit.batch()
def reroute_order(*, order_id: int, now=None) -> list:
    """Route the order's short lines again; returns the new allocations."""
    now = now or timezone.now()
    bulk_order = lock_bulk_order(order_id)
    if bulk_order.order.status not in REROUTABLE or now >= bulk_order.retry_until:
        return []
    lines = list(
        BulkLine.objects.filter(bulk_order=bulk_order, short_kg__gt=0).select_related(
            "product"
        )
    )
    created = route_lines(
        bulk_order=bulk_order, lines=lines, reason="re-routed", now=now
    )
    if created:
        audit.record(
            "bulk_order.rerouted",
            bulk_order.order,
            {
                "allocations": [allocation.pk for allocation in created],
                "kg": sum(allocation.kg for allocation in created),
            },
        )
        status.refresh(bulk_order)
        notifications.order_rerouted(
            bulk_order.pk, {allocation.cooperative_id for allocation in created}
        )
    return created


def short_order_ids(*, product_id: int | None = None, now=None) -> list[int]:
    """Open orders with a short line (of the product), before their cut-off."""
    now = now or timezone.now()
    lines = BulkLine.objects.filter(
        short_kg__gt=0,
        bulk_order__retry_until__gt=now,
        bulk_order__order__status__in=REROUTABLE,
    )
    if product_id is not None:
        lines = lines.filter(product_id=product_id)
    return sorted(set(lines.values_list("bulk_order_id", flat=True)))


@shared_task(name="fulfilment.reroute_order", acks_late=True)
def reroute_order_task(order_id: int) -> int:
    if not BulkOrder.objects.filter(pk=order_id).exists():
        return 0
    return len(reroute_order(order_id=order_id))


def reroute_after_commit(order_id: int) -> None:
    """Inside the transaction that gave kg back: the re-route is sent with it."""
    enqueue(reroute_order_task, order_id)
