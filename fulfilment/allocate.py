"""Routing bulk-order lines to lots: lock, choose (``routing``), reserve, record.

One function serves placing, approving, re-routing after a rejection and retrying
shortfalls. Its cost does not grow with the number of lines: every read and write
is one query over all lines (locks: stock records, then lots, then cooperatives,
each in primary-key order, after the order row the caller holds).
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from fulfilment.models import (
    ACTIVE_ALLOCATIONS,
    Allocation,
    AllocationEvent,
    AllocationEventKind,
    BulkLine,
    BulkOrder,
    Rejection,
)
from fulfilment.routing import Candidate, Policy, route_line
from ledger.selectors import mean_income_by_lot
from suppliers import bulk_stock
from suppliers.dbutil import update_many
from suppliers.models import Cooperative, MovementKind

ZERO = Decimal(0)


def respond_by(*, delivery_date: datetime.date, now: datetime.datetime):
    """Cooperatives answer within the configured hours, and before the cut-off."""
    hours = datetime.timedelta(hours=settings.NONGJIA_ACCEPT_WITHIN_HOURS)
    return max(
        min(now + hours, cut_off(delivery_date)), now + datetime.timedelta(hours=1)
    )


def cut_off(delivery_date: datetime.date) -> datetime.datetime:
    """After this moment the delivery is packed: nothing is re-routed any more."""
    start = timezone.make_aware(
        datetime.datetime.combine(delivery_date, datetime.time.min)
    )
    return start - datetime.timedelta(hours=settings.NONGJIA_CUTOFF_HOURS)


def _capacity_left(cooperative_ids, delivery_date) -> dict[int, Decimal | None]:
    """Lock the cooperatives (pk order) and read what each can still deliver."""
    capacities = dict(
        Cooperative.objects.select_for_update()
        .filter(pk__in=cooperative_ids)
        .order_by("pk")
        .values_list("pk", "daily_capacity_kg")
    )
    used = dict(
        Allocation.objects.filter(
            cooperative_id__in=[c for c, cap in capacities.items() if cap is not None],
            delivery_date=delivery_date,
            status__in=ACTIVE_ALLOCATIONS,
        )
        .values("cooperative_id")
        .annotate(kg=Sum("kg"))
        .values_list("cooperative_id", "kg")
    )
    return {
        c: None if cap is None else max(cap - used.get(c, ZERO), ZERO)
        for c, cap in capacities.items()
    }


def route_lines(
    *,
    bulk_order: BulkOrder,
    lines: Sequence[BulkLine],
    actor=None,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> list[Allocation]:
    """Reserve lots for the short kg of ``lines``; lines' ``short_kg`` follow.

    The caller holds the order's lock and its transaction. Returns the new
    allocations (empty when nothing eligible is free).
    """
    now = now or timezone.now()
    lines = sorted((line for line in lines if line.short_kg > 0), key=lambda x: x.pk)
    if not lines:
        return []
    delivery_date = bulk_order.delivery_date
    products = {line.product_id: line.product for line in lines}
    locked = bulk_stock.lock_products(product_ids=products, fresh_on=delivery_date)
    refused = defaultdict(set)
    for line_id, cooperative_id in Rejection.objects.filter(
        line__in=[line.pk for line in lines]
    ).values_list("line_id", "cooperative_id"):
        refused[line_id].add(cooperative_id)
    eligible = [
        lot
        for lot in locked.lots.values()
        if lot.best_before
        - datetime.timedelta(
            days=products[lot.product_id].min_remaining_shelf_life_days
        )
        >= delivery_date
    ]
    if not eligible:
        return []
    capacity = _capacity_left({lot.cooperative_id for lot in eligible}, delivery_date)
    incomes = mean_income_by_lot(lot_ids=[lot.pk for lot in eligible], year=now.year)
    by_product = defaultdict(list)
    for lot in eligible:
        by_product[lot.product_id].append(
            Candidate(
                lot_id=lot.pk,
                cooperative_id=lot.cooperative_id,
                free_kg=lot.available_kg,
                best_before=lot.best_before,
                income=incomes.get(lot.pk, ZERO),
            )
        )
    policy = Policy.from_settings(settings.NONGJIA_ROUTING)
    deadline = respond_by(delivery_date=delivery_date, now=now)
    reference = bulk_order.order.number
    allocations, changes = [], []
    for line in lines:
        candidates = [
            c
            for c in by_product[line.product_id]
            if c.cooperative_id not in refused[line.pk]
        ]
        units = int(line.short_kg / line.unit_kg)
        picks = route_line(
            units=units,
            unit_kg=line.unit_kg,
            delivery_date=delivery_date,
            candidates=candidates,
            capacity_left=capacity,
            policy=policy,
        )
        for pick in picks:
            line.short_kg -= pick.kg
            allocations.append(
                Allocation(
                    line=line,
                    lot_id=pick.lot_id,
                    cooperative_id=pick.cooperative_id,
                    delivery_date=delivery_date,
                    kg=pick.kg,
                    respond_by=deadline,
                    scores=pick.scores,
                )
            )
            changes.append(
                bulk_stock.Change(
                    lot_id=pick.lot_id,
                    kind=MovementKind.RESERVED,
                    on_hand_delta=ZERO,
                    reserved_delta=pick.kg,
                    reason=reason or _("bulk order routed"),
                    reference=reference,
                )
            )
        # Candidates of a product are shared by its lines: spend what was taken.
        taken = defaultdict(lambda: ZERO)
        for pick in picks:
            taken[pick.lot_id] += pick.kg
        by_product[line.product_id] = [
            Candidate(
                lot_id=c.lot_id,
                cooperative_id=c.cooperative_id,
                free_kg=c.free_kg - taken[c.lot_id],
                best_before=c.best_before,
                income=c.income,
            )
            for c in by_product[line.product_id]
        ]
    if not allocations:
        return []
    bulk_stock.apply_changes(locked, changes, actor=actor)
    created = Allocation.objects.bulk_create(allocations)
    AllocationEvent.objects.bulk_create(
        AllocationEvent(
            allocation=allocation,
            kind=AllocationEventKind.ROUTED,
            kg=allocation.kg,
            reason=reason,
            actor=actor if actor is not None and actor.is_authenticated else None,
        )
        for allocation in created
    )
    audit.record_many(
        "allocation.routed",
        created,
        lambda a: {
            "status": a.status,
            "kg": a.kg,
            "lot": a.lot_id,
            "cooperative": a.cooperative_id,
            "order": reference,
            "reason": reason,
        },
        actor=actor,
    )
    update_many(BulkLine, lines, ["short_kg"])
    return created
