"""Stock services: every change to a harvest lot goes through here.

Rules kept here and nowhere else:
- Lock order is fixed: first the Oscar stock record of (cooperative, product), then
  that product's lots in primary-key order. Every writer of a lot takes the stock
  record lock first, so writers of one product at one cooperative are serialised and
  the derived stock record is never computed from a stale sum.
- Each change writes a ``StockMovement`` row in the same transaction, and the stock
  record's unit counts are re-derived from the lots' kg before the transaction ends:
  ``num_in_stock = floor(on-hand kg / net weight)`` and
  ``num_allocated = ceil(reserved kg / net weight)`` (rounding never offers stock
  that is not there).
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from audit import services as audit
from suppliers.errors import StockConflict
from suppliers.models import (
    Cooperative,
    LotShare,
    Membership,
    MovementKind,
    StockLot,
    StockMovement,
)

GRAM = Decimal("0.001")
MAX_LOT_KG = Decimal("1000000")  # 1,000 t: far above any real harvest lot
ZERO = Decimal("0")


@dataclass(frozen=True)
class ShareInput:
    household_id: int
    kg: Decimal


def _stockrecord_model():
    return apps.get_model("partner", "StockRecord")


def check_kg(value: Decimal, *, field: str = "kg", allow_zero: bool = False) -> Decimal:
    """Refuse kg that are not a finite, positive amount in whole grams."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationError({field: _("Enter a number of kilograms.")})
    if value < 0 or (value == 0 and not allow_zero):
        raise ValidationError({field: _("Kilograms must be greater than zero.")})
    if value > MAX_LOT_KG:
        raise ValidationError({field: _("At most 1,000,000 kg.")})
    if value != value.quantize(GRAM):
        raise ValidationError(
            {field: _("Kilograms are exact to the gram (3 decimals).")}
        )
    return value.quantize(GRAM)


# --- stock record: lock and derive -----------------------------------------------


def lock_stockrecord(*, cooperative_id: int, product, price: Decimal | None = None):
    """Lock (creating if needed) the stock record of a product at a cooperative."""
    StockRecord = _stockrecord_model()
    locked = StockRecord.objects.select_for_update()
    record = locked.filter(partner_id=cooperative_id, product_id=product.pk).first()
    if record is None:
        try:
            with transaction.atomic():
                record = StockRecord.objects.create(
                    partner_id=cooperative_id,
                    product_id=product.pk,
                    partner_sku=product.upc or f"P{product.pk}",
                    price=price,
                    price_currency="CNY",
                    num_in_stock=0,
                    num_allocated=0,
                )
        except IntegrityError:  # created concurrently: take theirs, locked
            record = locked.get(partner_id=cooperative_id, product_id=product.pk)
    elif price is not None and record.price != price:
        record.price = price
        record.save(update_fields=["price", "date_updated"])
    return record


def derive_counts(
    *, on_hand: Decimal, reserved: Decimal, net_weight_kg: Decimal
) -> tuple[int, int]:
    """Oscar's whole-unit counts from kg: never offers a unit that is not there."""
    in_stock = int((on_hand / net_weight_kg).to_integral_value(ROUND_FLOOR))
    allocated = int((reserved / net_weight_kg).to_integral_value(ROUND_CEILING))
    return in_stock, allocated


def sync_stockrecord(*, stockrecord, product) -> None:
    """Re-derive a locked stock record's unit counts from its lots' kg."""
    totals = StockLot.objects.filter(
        cooperative_id=stockrecord.partner_id, product_id=product.pk
    ).aggregate(on_hand=Sum("on_hand_kg"), reserved=Sum("reserved_kg"))
    stockrecord.num_in_stock, stockrecord.num_allocated = derive_counts(
        on_hand=totals["on_hand"] or ZERO,
        reserved=totals["reserved"] or ZERO,
        net_weight_kg=product.net_weight_kg,
    )
    stockrecord.save(update_fields=["num_in_stock", "num_allocated", "date_updated"])


def _lock_lot(lot_id: int) -> tuple[StockLot, object]:
    """Lock a lot the fixed way: its stock record first, then the lot row."""
    lot = StockLot.objects.select_related("product").get(pk=lot_id)
    record = lock_stockrecord(cooperative_id=lot.cooperative_id, product=lot.product)
    lot = StockLot.objects.select_for_update().select_related("product").get(pk=lot_id)
    return lot, record


def lot_changes(lot, *, on_hand_delta, reserved_delta, reason, reference="") -> dict:
    """What the audit log keeps of a change just made to a lot: the kg that moved,
    before and after, and why. (Kg that bulk orders move are recorded on their
    allocations, which name the lot: ``fulfilment``.)"""
    changes = {}
    if on_hand_delta:
        after = lot.on_hand_kg.quantize(GRAM)
        changes["on_hand_kg"] = [after - on_hand_delta, after]
    if reserved_delta:
        after = lot.reserved_kg.quantize(GRAM)
        changes["reserved_kg"] = [after - reserved_delta, after]
    changes["reason"] = reason
    if reference:
        changes["reference"] = reference
    return changes


def _move(lot, *, kind, on_hand_delta, reserved_delta, actor, reason, reference=""):
    lot.on_hand_kg += on_hand_delta
    lot.reserved_kg += reserved_delta
    lot.save(update_fields=["on_hand_kg", "reserved_kg"])
    audit.record(
        f"lot.{kind}",
        lot,
        lot_changes(
            lot,
            on_hand_delta=on_hand_delta,
            reserved_delta=reserved_delta,
            reason=reason,
            reference=reference,
        ),
        actor=actor,
    )
    return StockMovement.objects.create(
        lot=lot,
        kind=kind,
        on_hand_delta_kg=on_hand_delta,
        reserved_delta_kg=reserved_delta,
        on_hand_after_kg=lot.on_hand_kg,
        reserved_after_kg=lot.reserved_kg,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason[:255],
        reference=reference[:64],
    )


# --- receiving lots ---------------------------------------------------------------


def validate_lot(
    *,
    cooperative: Cooperative,
    product,
    code: str,
    harvest_date: datetime.date,
    best_before: datetime.date,
    kg: Decimal,
    shares: Sequence[ShareInput],
    unit_price: Decimal | None,
) -> None:
    """Every rule a new lot must meet, reported together, field by field."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    code = (code or "").strip()
    if not code:
        add("code", _("Give the lot a code."))
    elif StockLot.objects.filter(cooperative=cooperative, code=code).exists():
        add("code", _("This cooperative already has a lot %(code)s.") % {"code": code})
    if not product.net_weight_kg:
        add(
            "product",
            _("The product has no net weight per unit; it cannot be stocked."),
        )
    today = timezone.localdate()
    if harvest_date > today:
        add("harvest_date", _("The harvest date cannot be in the future."))
    if best_before < harvest_date:
        add("best_before", _("Best-before cannot be earlier than the harvest date."))
    try:
        kg = check_kg(kg)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if unit_price is not None and (
        not unit_price.is_finite()
        or unit_price < Decimal("0.01")  # less rounds to a free product: 0.00
        or unit_price > Decimal("1000000")
    ):
        add("unit_price", _("The price must be between 0.01 and 1,000,000 yuan."))
    if (
        unit_price is None
        and not _stockrecord_model()
        .objects.filter(partner_id=cooperative.pk, product_id=product.pk)
        .exists()
    ):
        add("unit_price", _("Give a unit price for the first lot of this product."))
    _validate_shares(cooperative=cooperative, kg=kg, shares=shares, add=add)
    if errors:
        raise ValidationError(errors)


def _validate_shares(*, cooperative, kg, shares, add) -> None:
    if not shares:
        add("shares", _("Name at least one household that supplied the lot."))
        return
    ids = [share.household_id for share in shares]
    if len(set(ids)) != len(ids):
        add("shares", _("Each household may appear only once in a lot."))
    members = set(
        Membership.objects.filter(
            cooperative=cooperative, household_id__in=ids
        ).values_list("household_id", flat=True)
    )
    for household_id in ids:
        if household_id not in members:
            add(
                "shares",
                _("Household %(id)s is not a member of this cooperative.")
                % {"id": household_id},
            )
    total = ZERO
    for share in shares:
        try:
            total += check_kg(share.kg, field="shares")
        except ValidationError as exc:
            for message in exc.message_dict["shares"]:
                add("shares", message)
            return
    if isinstance(kg, Decimal) and kg.is_finite() and total != kg:
        add(
            "shares",
            _("Household shares add up to %(total)s kg but the lot is %(kg)s kg.")
            % {"total": total, "kg": kg},
        )


@transaction.atomic
def receive_lot(
    *,
    cooperative: Cooperative,
    product,
    code: str,
    harvest_date: datetime.date,
    best_before: datetime.date,
    kg: Decimal,
    shares: Sequence[ShareInput],
    actor=None,
    unit_price: Decimal | None = None,
) -> StockLot:
    """Receive a harvest lot into a cooperative's stock, with its households' shares."""
    validate_lot(
        cooperative=cooperative,
        product=product,
        code=code,
        harvest_date=harvest_date,
        best_before=best_before,
        kg=kg,
        shares=shares,
        unit_price=unit_price,
    )
    record = lock_stockrecord(
        cooperative_id=cooperative.pk, product=product, price=unit_price
    )
    try:
        with transaction.atomic():
            lot = StockLot.objects.create(
                cooperative=cooperative,
                product=product,
                code=code.strip(),
                harvest_date=harvest_date,
                best_before=best_before,
                received_kg=kg,
                on_hand_kg=ZERO,
                created_by=actor
                if actor is not None and actor.is_authenticated
                else None,
            )
    except IntegrityError as exc:  # same code received concurrently
        raise ValidationError(
            {"code": _("This cooperative already has a lot %(code)s.") % {"code": code}}
        ) from exc
    LotShare.objects.bulk_create(
        LotShare(lot=lot, household_id=s.household_id, kg=s.kg) for s in shares
    )
    _move(
        lot,
        kind=MovementKind.RECEIVED,
        on_hand_delta=kg,
        reserved_delta=ZERO,
        actor=actor,
        reason=_("harvest lot received"),
    )
    sync_stockrecord(stockrecord=record, product=product)
    announce_lot_received(product_id=product.pk)
    return lot


def announce_lot_received(*, product_id: int) -> None:
    """Tell whoever waits for stock of a product (settings name them) that a lot
    came in: bulk orders short of it are retried. Runs inside the lot's
    transaction, so what a hook enqueues (a task, in the outbox) is committed
    with the lot or not at all; a hook defers its work to after commit."""
    for path in settings.NONGJIA_LOT_RECEIVED_HOOKS:
        import_string(path)(product_id=product_id)


# --- changing a lot ----------------------------------------------------------------


@transaction.atomic
def adjust_lot(*, lot_id: int, delta_kg: Decimal, reason: str, actor=None) -> StockLot:
    """Correct a lot's on-hand kg after a count or weighing (never below reserved)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the lot is adjusted.")})
    if not isinstance(delta_kg, Decimal) or not delta_kg.is_finite() or delta_kg == 0:
        raise ValidationError({"kg": _("Enter a non-zero change in kilograms.")})
    check_kg(abs(delta_kg))
    lot, record = _lock_lot(lot_id)
    if lot.on_hand_kg + delta_kg < lot.reserved_kg:
        raise StockConflict(
            _(
                "Only %(free)s kg of this lot are not reserved; "
                "it cannot lose %(kg)s kg."
            )
            % {"free": lot.available_kg, "kg": -delta_kg}
        )
    _move(
        lot,
        kind=MovementKind.ADJUSTED,
        on_hand_delta=delta_kg,
        reserved_delta=ZERO,
        actor=actor,
        reason=reason.strip(),
    )
    sync_stockrecord(stockrecord=record, product=lot.product)
    return lot


@transaction.atomic
def write_off_lot(
    *, lot_id: int, reason: str, kg: Decimal | None = None, actor=None
) -> StockLot:
    """Write off spoilt or lost kg (all unreserved kg when ``kg`` is not given)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the stock is written off.")})
    if kg is not None:
        kg = check_kg(kg)
    lot, record = _lock_lot(lot_id)
    kg = lot.available_kg if kg is None else kg
    if kg <= 0:
        raise StockConflict(_("Nothing in this lot is free to write off."))
    if kg > lot.available_kg:
        raise StockConflict(
            _("Only %(free)s kg of this lot are not reserved.")
            % {"free": lot.available_kg}
        )
    _move(
        lot,
        kind=MovementKind.WRITTEN_OFF,
        on_hand_delta=-kg,
        reserved_delta=ZERO,
        actor=actor,
        reason=reason.strip(),
    )
    sync_stockrecord(stockrecord=record, product=lot.product)
    return lot


@transaction.atomic
def reserve_lot(
    *, lot_id: int, kg: Decimal, reason: str, reference: str = "", actor=None
) -> StockLot:
    """Reserve kg of a fresh lot for an order; refuses rather than over-reserves."""
    kg = check_kg(kg)
    lot, record = _lock_lot(lot_id)
    if lot.best_before < timezone.localdate():
        raise StockConflict(_("This lot is past its best-before date."))
    if kg > lot.available_kg:
        raise StockConflict(
            _("Only %(free)s kg of this lot are free.") % {"free": lot.available_kg}
        )
    _move(
        lot,
        kind=MovementKind.RESERVED,
        on_hand_delta=ZERO,
        reserved_delta=kg,
        actor=actor,
        reason=reason,
        reference=reference,
    )
    sync_stockrecord(stockrecord=record, product=lot.product)
    return lot


@transaction.atomic
def release_lot(
    *, lot_id: int, kg: Decimal, reason: str, reference: str = "", actor=None
) -> StockLot:
    """Give reserved kg back to the lot (order cancelled or re-routed)."""
    kg = check_kg(kg)
    lot, record = _lock_lot(lot_id)
    if kg > lot.reserved_kg:
        raise StockConflict(
            _("Only %(kg)s kg of this lot are reserved.") % {"kg": lot.reserved_kg}
        )
    _move(
        lot,
        kind=MovementKind.RELEASED,
        on_hand_delta=ZERO,
        reserved_delta=-kg,
        actor=actor,
        reason=reason,
        reference=reference,
    )
    sync_stockrecord(stockrecord=record, product=lot.product)
    return lot


@transaction.atomic
def ship_lot(
    *, lot_id: int, kg: Decimal, reason: str, reference: str = "", actor=None
) -> StockLot:
    """Ship reserved kg out of the lot."""
    kg = check_kg(kg)
    lot, record = _lock_lot(lot_id)
    if kg > lot.reserved_kg:
        raise StockConflict(
            _("Only %(kg)s kg of this lot are reserved.") % {"kg": lot.reserved_kg}
        )
    _move(
        lot,
        kind=MovementKind.SHIPPED,
        on_hand_delta=-kg,
        reserved_delta=-kg,
        actor=actor,
        reason=reason,
        reference=reference,
    )
    sync_stockrecord(stockrecord=record, product=lot.product)
    return lot


@transaction.atomic
def supply_channel(
    *, lot_id: int, kg: Decimal, reason: str, reference: str = "", actor=None
) -> StockLot:
    """Ship free kg of a lot to a direct-supply channel (a counter, the distribution
    centre...) whose sales its operator reports afterwards as counter sales.

    It records goods that have already left, so unlike ``reserve_lot`` it accepts a
    lot past best-before; it never takes reserved kg, which belong to orders.
    """
    kg = check_kg(kg)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say where the kilograms went.")})
    lot, record = _lock_lot(lot_id)
    if kg > lot.available_kg:
        raise StockConflict(
            _("Only %(free)s kg of this lot are free.") % {"free": lot.available_kg}
        )
    _move(
        lot,
        kind=MovementKind.SHIPPED,
        on_hand_delta=-kg,
        reserved_delta=ZERO,
        actor=actor,
        reason=reason.strip(),
        reference=reference,
    )
    sync_stockrecord(stockrecord=record, product=lot.product)
    return lot


def write_off_expired_lots(*, today: datetime.date | None = None) -> int:
    """Write off the unreserved kg of lots past best-before; returns lots touched.

    Each lot is its own transaction, so a rerun after a crash simply continues.
    """
    today = today or timezone.localdate()
    ids = list(
        StockLot.objects.filter(best_before__lt=today, on_hand_kg__gt=0)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    touched = 0
    for lot_id in ids:
        try:
            write_off_lot(lot_id=lot_id, reason=_("past best-before"))
        except StockConflict:
            continue  # everything left is reserved; the order decides
        touched += 1
    return touched


# --- Oscar's unit-based hooks (store orders) ---------------------------------------


def _fifo_lots(stockrecord, *, field: str):
    """The record's lots holding kg in ``field``, locked in pk order, FIFO order."""
    lots = list(
        StockLot.objects.select_for_update()
        .filter(
            cooperative_id=stockrecord.partner_id,
            product_id=stockrecord.product_id,
            **{f"{field}__gt": 0},
        )
        .order_by("pk")
    )
    return sorted(lots, key=lambda lot: (lot.best_before, lot.pk))


@transaction.atomic
@audit.batch()  # one audit INSERT for all the lots
def reserve_units(*, stockrecord, units: int, reason: str, actor=None) -> None:
    """Reserve whole units of sale, earliest best-before first, all or nothing."""
    product = stockrecord.product
    record = lock_stockrecord(cooperative_id=stockrecord.partner_id, product=product)
    need = product.net_weight_kg * units
    today = timezone.localdate()
    lots = [
        lot
        for lot in _fifo_lots(record, field="on_hand_kg")
        if lot.best_before >= today
    ]
    if sum((lot.available_kg for lot in lots), ZERO) < need:
        raise StockConflict(
            _("Not enough stock for %(units)s units.") % {"units": units}
        )
    for lot in lots:
        take = min(lot.available_kg, need)
        if take > 0:
            _move(
                lot,
                kind=MovementKind.RESERVED,
                on_hand_delta=ZERO,
                reserved_delta=take,
                actor=actor,
                reason=reason,
            )
            need -= take
    sync_stockrecord(stockrecord=record, product=product)
    _refresh_counts(stockrecord, record)


@transaction.atomic
@audit.batch()
def ship_reserved_units(
    *, stockrecord, units: int, reason: str, actor=None, reference: str = ""
) -> list[tuple[int, Decimal]]:
    """Ship whole units from reserved kg, earliest best-before first; returns the
    (lot id, kg) shipped, for the ledger."""
    return _take_reserved(
        stockrecord, units, MovementKind.SHIPPED, reason, actor, reference
    )


@transaction.atomic
@audit.batch()
def release_units(*, stockrecord, units: int, reason: str, actor=None) -> None:
    """Release whole units of reserved kg, latest best-before first."""
    _take_reserved(stockrecord, units, MovementKind.RELEASED, reason, actor)


def _take_reserved(
    stockrecord, units, kind, reason, actor, reference=""
) -> list[tuple[int, Decimal]]:
    product = stockrecord.product
    record = lock_stockrecord(cooperative_id=stockrecord.partner_id, product=product)
    need = product.net_weight_kg * units
    lots = _fifo_lots(record, field="reserved_kg")
    if kind == MovementKind.RELEASED:
        lots.reverse()
    if sum((lot.reserved_kg for lot in lots), ZERO) < need:
        raise StockConflict(
            _("Fewer than %(units)s units are reserved.") % {"units": units}
        )
    taken = []
    for lot in lots:
        take = min(lot.reserved_kg, need)
        if take > 0:
            shipped = -take if kind == MovementKind.SHIPPED else ZERO
            _move(
                lot,
                kind=kind,
                on_hand_delta=shipped,
                reserved_delta=-take,
                actor=actor,
                reason=reason,
                reference=reference,
            )
            taken.append((lot.pk, take))
            need -= take
    sync_stockrecord(stockrecord=record, product=product)
    _refresh_counts(stockrecord, record)
    return taken


def _refresh_counts(stale, fresh) -> None:
    stale.num_in_stock = fresh.num_in_stock
    stale.num_allocated = fresh.num_allocated
