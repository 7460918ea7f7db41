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
class LotRow:
    """The stock fields of a lot, as bulk changes read and write them (a light
    stand-in for ``StockLot``: orders read hundreds of lots, and use few)."""

    pk: int
    cooperative_id: int
    product_id: int
    code: str
    best_before: datetime.date
    on_hand_kg: Decimal
    reserved_kg: Decimal

    @property
    def available_kg(self) -> Decimal:
        return self.on_hand_kg - self.reserved_kg


@dataclass
class RecordRow:
    pk: int
    num_in_stock: int = 0
    num_allocated: int = 0


LOT_FIELDS = (
    "pk",
    "cooperative_id",
    "product_id",
    "code",
    "best_before",
    "on_hand_kg",
    "reserved_kg",
)


@dataclass
class LockedStock:
    """Stock records locked by this transaction (by (cooperative, product)), and
    the lots they guard."""

    records: dict[tuple[int, int], int] = field(default_factory=dict)
    lots: dict[int, LotRow] = field(default_factory=dict)
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


def _lock_records(locked: LockedStock, records) -> None:
    rows = records.select_for_update().order_by("pk")
    for pk, cooperative_id, product_id in rows.values_list(
        "pk", "partner_id", "product_id"
    ):
        locked.records[(cooperative_id, product_id)] = pk


def lock_products(
    *, product_ids: Iterable[int], fresh_on: datetime.date | None = None
) -> LockedStock:
    """Lock every stock record of the products, then read their lots with free kg.

    The lots are read, not locked: every writer of a lot holds its stock record's
    lock first (``suppliers.stock``, ``lock_lots``), so the records guard their
    lots, and a read after taking them sees the latest committed kg (each
    statement of a READ COMMITTED transaction reads a fresh snapshot). Locking
    the lot rows too would write a row lock to hundreds of lots per order.
    ``fresh_on`` leaves out lots already past best-before on that date; products'
    own freshness margins are the caller's to apply.
    """
    product_ids = sorted(set(product_ids))
    locked = LockedStock()
    _lock_records(locked, _stockrecords().filter(product_id__in=product_ids))
    if not locked.records:
        return locked
    lots = StockLot.objects.filter(
        product_id__in=product_ids, on_hand_kg__gt=F("reserved_kg")
    )
    if fresh_on is not None:
        lots = lots.filter(best_before__gte=fresh_on)
    for values in lots.order_by("pk").values_list(*LOT_FIELDS):
        lot = LotRow(*values)
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
    _lock_records(locked, _stockrecords().filter(condition))
    lots = StockLot.objects.select_for_update().filter(pk__in=lot_ids).order_by("pk")
    for values in lots.values_list(*LOT_FIELDS):
        locked.lots[values[0]] = LotRow(*values)
    return locked


def apply_changes(
    locked: LockedStock, changes: Sequence[Change], *, actor=None
) -> list[StockMovement]:
    """Apply changes to locked lots: movements written, lots saved, records derived.

    Refuses (``StockConflict``) any change that would leave a lot with negative kg
    or more reserved than on hand; nothing is written then.
    """
    movements = []
    by_lot: dict[int, LotRow] = {}
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
                lot_id=lot.pk,
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
    update_many(StockLot, list(by_lot.values()), ["on_hand_kg", "reserved_kg"])
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
        on_hand, reserved = sums[pair]
        in_stock, allocated = derive_counts(
            on_hand=on_hand, reserved=reserved, net_weight_kg=net[pair[1]]
        )
        records.append(RecordRow(locked.records[pair], in_stock, allocated))
    update_many(
        apps.get_model("partner", "StockRecord"),
        records,
        ["num_in_stock", "num_allocated"],
    )
    locked.touched.clear()
