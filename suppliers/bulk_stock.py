"""Stock changes to many lots at once, in a constant number of queries.

Bulk orders reserve, release and ship kilograms across hundreds of lots in one
request. These functions keep ``suppliers.stock``'s rules — the same lock order
(stock records, then lots, each in primary-key order), a movement row per change
and the Oscar stock records re-derived in the same transaction — but read, lock and
write in bulk, so a 100-line order costs the same handful of queries as a 1-line
one. Callers must run inside ``transaction.atomic``.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db.models import F, Q, Sum

from suppliers.dbutil import update_many
from suppliers.errors import StockConflict
from suppliers.models import StockLot, StockMovement
from suppliers.stock import ZERO, derive_counts


@dataclass
class LockedStock:
    """Stock records and lots locked by this transaction."""

    records: dict[tuple[int, int], object] = field(default_factory=dict)
    lots: dict[int, StockLot] = field(default_factory=dict)
    touched: set[tuple[int, int]] = field(default_factory=set)


@dataclass(frozen=True)
class Change:
    lot_id: int
    kind: str
    on_hand_delta: Decimal
    reserved_delta: Decimal
    reason: str
    reference: str = ""


def _stockrecords():
    return apps.get_model("partner", "StockRecord").objects


def lock_products(
    *, product_ids: Iterable[int], fresh_on: datetime.date | None = None
) -> LockedStock:
    """Lock every stock record of the products, then their lots with free kg.

    ``fresh_on`` leaves out lots already past best-before on that date (they could
    never be routed); products' own freshness margins are the caller's to apply.
    """
    product_ids = sorted(set(product_ids))
    locked = LockedStock()
    records = _stockrecords().select_for_update().filter(product_id__in=product_ids)
    for record in records.order_by("pk"):
        locked.records[(record.partner_id, record.product_id)] = record
    if not locked.records:
        return locked
    lots = StockLot.objects.filter(
        product_id__in=product_ids, on_hand_kg__gt=F("reserved_kg")
    )
    if fresh_on is not None:
        lots = lots.filter(best_before__gte=fresh_on)
    for lot in lots.select_for_update().order_by("pk"):
        # A lot received after the records were read has a record we do not hold.
        if (lot.cooperative_id, lot.product_id) in locked.records:
            locked.lots[lot.pk] = lot
    return locked


def lock_lots(*, lot_ids: Iterable[int]) -> LockedStock:
    """Lock the given lots, after the stock records they count in."""
    lot_ids = sorted(set(lot_ids))
    locked = LockedStock()
    pairs = set(
        StockLot.objects.filter(pk__in=lot_ids).values_list(
            "cooperative_id", "product_id"
        )
    )
    if not pairs:
        return locked
    condition = Q()
    for cooperative_id, product_id in sorted(pairs):
        condition |= Q(partner_id=cooperative_id, product_id=product_id)
    for record in _stockrecords().select_for_update().filter(condition).order_by("pk"):
        locked.records[(record.partner_id, record.product_id)] = record
    for lot in (
        StockLot.objects.select_for_update().filter(pk__in=lot_ids).order_by("pk")
    ):
        locked.lots[lot.pk] = lot
    return locked


def apply_changes(
    locked: LockedStock, changes: Sequence[Change], *, actor=None
) -> list[StockMovement]:
    """Apply changes to locked lots: movements written, lots saved, records derived.

    Refuses (``StockConflict``) any change that would leave a lot with negative kg
    or more reserved than on hand; nothing is written then.
    """
    movements = []
    by_lot: dict[int, StockLot] = {}
    actor = actor if actor is not None and actor.is_authenticated else None
    for change in changes:
        lot = locked.lots[change.lot_id]
        lot.on_hand_kg += change.on_hand_delta
        lot.reserved_kg += change.reserved_delta
        if not ZERO <= lot.reserved_kg <= lot.on_hand_kg:
            raise StockConflict(f"lot {lot.code}: not enough kg for {change.kind}")
        by_lot[lot.pk] = lot
        locked.touched.add((lot.cooperative_id, lot.product_id))
        movements.append(
            StockMovement(
                lot=lot,
                kind=change.kind,
                on_hand_delta_kg=change.on_hand_delta,
                reserved_delta_kg=change.reserved_delta,
                on_hand_after_kg=lot.on_hand_kg,
                reserved_after_kg=lot.reserved_kg,
                actor=actor,
                reason=change.reason[:255],
                reference=change.reference[:64],
            )
        )
    if not movements:
        return []
    update_many(list(by_lot.values()), ["on_hand_kg", "reserved_kg"])
    created = StockMovement.objects.bulk_create(movements)
    sync_records(locked)
    return created


def sync_records(locked: LockedStock) -> None:
    """Re-derive the unit counts of the records whose lots changed."""
    if not locked.touched:
        return
    cooperative_ids = {c for c, _p in locked.touched}
    product_ids = {p for _c, p in locked.touched}
    sums = defaultdict(lambda: (ZERO, ZERO))
    for row in (
        StockLot.objects.filter(
            cooperative_id__in=cooperative_ids, product_id__in=product_ids
        )
        .values("cooperative_id", "product_id")
        .annotate(on_hand=Sum("on_hand_kg"), reserved=Sum("reserved_kg"))
    ):
        sums[(row["cooperative_id"], row["product_id"])] = (
            row["on_hand"],
            row["reserved"],
        )
    net = dict(
        apps.get_model("catalogue", "Product")
        .objects.filter(pk__in=product_ids)
        .values_list("pk", "net_weight_kg")
    )
    records = []
    for pair in sorted(locked.touched):
        record = locked.records[pair]
        on_hand, reserved = sums[pair]
        record.num_in_stock, record.num_allocated = derive_counts(
            on_hand=on_hand, reserved=reserved, net_weight_kg=net[pair[1]]
        )
        records.append(record)
    update_many(records, ["num_in_stock", "num_allocated"])
    locked.touched.clear()
