"""Stock services: lots, movements, and the Oscar stock record derived from them."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from suppliers import stock
from suppliers.errors import StockConflict
from suppliers.models import LotShare, MovementKind, StockLot, StockMovement
from tests.factories import (
    ProductFactory,
    make_household,
    make_lot,
    stockrecord_for,
)

D = Decimal
TODAY = timezone.localdate


def assert_lot_matches_movements(lot):
    lot.refresh_from_db()
    sums = lot.movements.aggregate(
        on_hand=Sum("on_hand_delta_kg"), reserved=Sum("reserved_delta_kg")
    )
    assert (sums["on_hand"], sums["reserved"]) == (lot.on_hand_kg, lot.reserved_kg)


def counts(cooperative, product):
    record = stockrecord_for(cooperative=cooperative, product=product)
    return record.num_in_stock, record.num_allocated


def receive(cooperative, product, shares, lot_kg, **overrides):
    arguments = {
        "cooperative": cooperative,
        "product": product,
        "code": "L-1",
        "harvest_date": TODAY(),
        "best_before": TODAY() + datetime.timedelta(days=5),
        "kg": D(lot_kg),
        "shares": [stock.ShareInput(h.pk, D(k)) for h, k in shares],
        "unit_price": D("88.00"),
    }
    arguments.update(overrides)
    return stock.receive_lot(**arguments)


def test_receive_lot_records_shares_movement_and_stock(cooperative, product, manager):
    first = make_household(cooperative=cooperative)
    second = make_household(cooperative=cooperative)
    lot = receive(cooperative, product, [(first, "60.250"), (second, "39.750")], "100")

    assert (lot.received_kg, lot.on_hand_kg, lot.reserved_kg) == (D(100), D(100), 0)
    assert sorted(LotShare.objects.values_list("household_id", "kg")) == [
        (first.pk, D("60.250")),
        (second.pk, D("39.750")),
    ]
    movement = lot.movements.get()
    assert (movement.kind, movement.on_hand_delta_kg, movement.on_hand_after_kg) == (
        MovementKind.RECEIVED,
        D(100),
        D(100),
    )
    assert counts(cooperative, product) == (20, 0)
    record = stockrecord_for(cooperative=cooperative, product=product)
    assert (record.price, record.price_currency) == (D("88.00"), "CNY")


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        (
            (("a", "60"), ("b", "39.999")),
            "add up to 99.999 kg but the lot is 100.000 kg",
        ),
        (
            (("a", "60"), ("b", "40.001")),
            "add up to 100.001 kg but the lot is 100.000 kg",
        ),
        ((), "at least one household"),
        ((("a", "100"), ("a", "0")), "only once"),
    ],
)
def test_lot_shares_must_sum_to_the_lot(cooperative, product, shares, message):
    people = {"a": make_household(cooperative=cooperative)}
    people["b"] = make_household(cooperative=cooperative)
    with pytest.raises(ValidationError) as raised:
        receive(cooperative, product, [(people[k], kg) for k, kg in shares], "100")

    assert message in " ".join(raised.value.message_dict["shares"])
    assert StockLot.objects.count() == 0
    assert StockMovement.objects.count() == 0


def test_shares_only_from_member_households(cooperative, other_cooperative, product):
    outsider = make_household(cooperative=other_cooperative)
    with pytest.raises(ValidationError) as raised:
        receive(cooperative, product, [(outsider, "10")], "10")
    assert raised.value.message_dict["shares"] == [
        f"Household {outsider.pk} is not a member of this cooperative."
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kg": D("-1")}, "kg"),
        ({"kg": D("0")}, "kg"),
        ({"kg": D("1.0001")}, "kg"),
        ({"kg": D("1E+7")}, "kg"),
        ({"kg": D("NaN")}, "kg"),
        ({"code": "  "}, "code"),
        ({"harvest_date": TODAY() + datetime.timedelta(days=1)}, "harvest_date"),
        ({"best_before": TODAY() - datetime.timedelta(days=1)}, "best_before"),
        ({"unit_price": D("-5")}, "unit_price"),
        ({"unit_price": None}, "unit_price"),
    ],
)
def test_bad_lot_input_is_refused_field_by_field(
    cooperative, product, household, overrides, field
):
    with pytest.raises(ValidationError) as raised:
        receive(cooperative, product, [(household, "10")], "10", **overrides)
    assert field in raised.value.message_dict
    assert StockLot.objects.count() == 0


def test_duplicate_lot_code_in_a_cooperative_is_refused(
    cooperative, product, household
):
    receive(cooperative, product, [(household, "10")], "10")
    with pytest.raises(ValidationError) as raised:
        receive(cooperative, product, [(household, "10")], "10")
    assert raised.value.message_dict["code"] == [
        "This cooperative already has a lot L-1."
    ]


def test_product_without_net_weight_cannot_be_stocked(cooperative, household):
    product = ProductFactory(net_weight_kg=None)
    with pytest.raises(ValidationError) as raised:
        receive(cooperative, product, [(household, "10")], "10")
    assert "product" in raised.value.message_dict


def test_stock_derived_after_each_movement_kind(cooperative, product):
    lot = make_lot(cooperative=cooperative, product=product, kg="103")
    assert counts(cooperative, product) == (20, 0)

    stock.reserve_lot(lot_id=lot.pk, kg=D("12.5"), reason="order", reference="A1")
    assert counts(cooperative, product) == (20, 3)  # ceil(12.5 / 5)

    stock.release_lot(lot_id=lot.pk, kg=D("2.5"), reason="changed", reference="A1")
    assert counts(cooperative, product) == (20, 2)

    stock.ship_lot(lot_id=lot.pk, kg=D("10"), reason="shipped", reference="A1")
    assert counts(cooperative, product) == (18, 0)  # 93 kg on hand

    stock.write_off_lot(lot_id=lot.pk, kg=D("3"), reason="bruised")
    assert counts(cooperative, product) == (18, 0)  # 90 kg

    stock.adjust_lot(lot_id=lot.pk, delta_kg=D("-0.5"), reason="weighed again")
    assert counts(cooperative, product) == (17, 0)  # 89.5 kg

    stock.adjust_lot(lot_id=lot.pk, delta_kg=D("5.5"), reason="found a crate")
    assert counts(cooperative, product) == (19, 0)  # 95 kg

    lot.refresh_from_db()
    assert (lot.on_hand_kg, lot.reserved_kg) == (D("95.000"), D("0.000"))
    assert list(lot.movements.order_by("id").values_list("kind", flat=True)) == [
        "received",
        "reserved",
        "released",
        "shipped",
        "written_off",
        "adjusted",
        "adjusted",
    ]
    assert_lot_matches_movements(lot)


def test_stock_sums_all_lots_of_the_product(cooperative, product):
    make_lot(cooperative=cooperative, product=product, kg="7")
    make_lot(cooperative=cooperative, product=product, kg="8")
    assert counts(cooperative, product) == (3, 0)  # floor(15 / 5), not 1 + 1


def test_movement_records_actor_reason_and_reference(cooperative, product, manager):
    lot = make_lot(cooperative=cooperative, product=product, kg="10", actor=manager)
    stock.reserve_lot(
        lot_id=lot.pk, kg=D("5"), reason="canteen", reference="100023", actor=manager
    )
    movement = lot.movements.order_by("-id").first()
    assert (movement.actor, movement.reason, movement.reference) == (
        manager,
        "canteen",
        "100023",
    )
    assert (movement.on_hand_after_kg, movement.reserved_after_kg) == (D(10), D(5))


def test_cannot_reserve_more_than_free(cooperative, product):
    lot = make_lot(cooperative=cooperative, product=product, kg="10")
    stock.reserve_lot(lot_id=lot.pk, kg=D("8"), reason="a")
    with pytest.raises(StockConflict):
        stock.reserve_lot(lot_id=lot.pk, kg=D("2.001"), reason="b")
    lot.refresh_from_db()
    assert lot.reserved_kg == D("8")
    assert lot.movements.count() == 2


def test_cannot_write_off_or_adjust_below_reserved(cooperative, product):
    lot = make_lot(cooperative=cooperative, product=product, kg="10")
    stock.reserve_lot(lot_id=lot.pk, kg=D("8"), reason="a")
    with pytest.raises(StockConflict):
        stock.write_off_lot(lot_id=lot.pk, kg=D("3"), reason="spoilt")
    with pytest.raises(StockConflict):
        stock.adjust_lot(lot_id=lot.pk, delta_kg=D("-2.5"), reason="count")
    stock.write_off_lot(lot_id=lot.pk, reason="spoilt")  # the 2 kg that are free
    lot.refresh_from_db()
    assert (lot.on_hand_kg, lot.reserved_kg) == (D(8), D(8))


def test_cannot_ship_or_release_more_than_reserved(cooperative, product):
    lot = make_lot(cooperative=cooperative, product=product, kg="10")
    stock.reserve_lot(lot_id=lot.pk, kg=D("4"), reason="a")
    with pytest.raises(StockConflict):
        stock.ship_lot(lot_id=lot.pk, kg=D("5"), reason="x")
    with pytest.raises(StockConflict):
        stock.release_lot(lot_id=lot.pk, kg=D("5"), reason="x")


def test_adjust_and_write_off_need_a_reason(cooperative, product):
    lot = make_lot(cooperative=cooperative, product=product, kg="10")
    with pytest.raises(ValidationError):
        stock.adjust_lot(lot_id=lot.pk, delta_kg=D("1"), reason=" ")
    with pytest.raises(ValidationError):
        stock.write_off_lot(lot_id=lot.pk, reason="")
    assert lot.movements.count() == 1


def test_expired_lot_cannot_be_reserved(cooperative, product):
    lot = make_lot(
        cooperative=cooperative,
        product=product,
        kg="10",
        harvest_date=TODAY() - datetime.timedelta(days=10),
        best_before=TODAY() - datetime.timedelta(days=1),
    )
    with pytest.raises(StockConflict):
        stock.reserve_lot(lot_id=lot.pk, kg=D("1"), reason="a")


def test_expired_lots_are_written_off_once(cooperative, product):
    old = make_lot(
        cooperative=cooperative,
        product=product,
        kg="10",
        harvest_date=TODAY() - datetime.timedelta(days=10),
        best_before=TODAY() - datetime.timedelta(days=1),
    )
    make_lot(cooperative=cooperative, product=product, kg="5")
    assert counts(cooperative, product) == (3, 0)

    assert stock.write_off_expired_lots() == 1
    assert stock.write_off_expired_lots() == 0  # idempotent

    old.refresh_from_db()
    assert old.on_hand_kg == 0
    assert counts(cooperative, product) == (1, 0)
    assert old.movements.filter(kind=MovementKind.WRITTEN_OFF).count() == 1


def test_oscar_allocation_hooks_move_lot_kg(cooperative, product):
    early = make_lot(
        cooperative=cooperative,
        product=product,
        kg="10",
        best_before=TODAY() + datetime.timedelta(days=2),
    )
    late = make_lot(cooperative=cooperative, product=product, kg="10")
    record = stockrecord_for(cooperative=cooperative, product=product)

    record.allocate(3)  # 15 kg: all of the earlier lot, 5 kg of the later
    assert (record.num_in_stock, record.num_allocated) == (4, 3)
    early.refresh_from_db()
    late.refresh_from_db()
    assert (early.reserved_kg, late.reserved_kg) == (D(10), D(5))

    record.consume_allocation(2)  # ships 10 kg, earliest first
    record.cancel_allocation(1)  # releases the rest
    early.refresh_from_db()
    late.refresh_from_db()
    assert (early.on_hand_kg, early.reserved_kg) == (D(0), D(0))
    assert (late.on_hand_kg, late.reserved_kg) == (D(10), D(0))
    assert counts(cooperative, product) == (2, 0)
    with pytest.raises(StockConflict):
        record.allocate(3)


def test_supply_channel_ships_free_kg_out_even_past_best_before(
    cooperative, product, manager
):
    lot = make_lot(
        cooperative=cooperative,
        product=product,
        kg="103",
        harvest_date=TODAY() - datetime.timedelta(days=10),
        best_before=TODAY() - datetime.timedelta(days=1),
    )
    stock.supply_channel(
        lot_id=lot.pk,
        kg=D("70.5"),
        reason="sent to the Grandbuy counter",
        reference="GB-W03",
        actor=manager,
    )

    lot.refresh_from_db()
    assert (lot.on_hand_kg, lot.reserved_kg) == (D("32.500"), D("0.000"))
    movement = lot.movements.order_by("-id").first()
    assert (
        movement.kind,
        movement.on_hand_delta_kg,
        movement.reserved_delta_kg,
        movement.on_hand_after_kg,
        movement.reason,
        movement.reference,
        movement.actor,
    ) == (
        MovementKind.SHIPPED,
        D("-70.5"),
        D(0),
        D("32.5"),
        "sent to the Grandbuy counter",
        "GB-W03",
        manager,
    )
    assert counts(cooperative, product) == (6, 0)  # floor(32.5 / 5)
    assert_lot_matches_movements(lot)


def test_supply_channel_refuses_more_than_the_free_kg(cooperative, product):
    lot = make_lot(cooperative=cooperative, product=product, kg="10")
    stock.reserve_lot(lot_id=lot.pk, kg=D("4"), reason="order")

    with pytest.raises(StockConflict, match=r"Only 6\.000 kg of this lot are free\."):
        stock.supply_channel(lot_id=lot.pk, kg=D("6.001"), reason="counter")

    lot.refresh_from_db()
    assert (lot.on_hand_kg, lot.reserved_kg) == (D(10), D(4))
    assert lot.movements.count() == 2
    assert counts(cooperative, product) == (2, 1)


@pytest.mark.parametrize(
    ("kg", "reason", "field"),
    [
        (D("0"), "counter", "kg"),
        (D("1.0001"), "counter", "kg"),
        (D("1"), " ", "reason"),
    ],
)
def test_supply_channel_needs_kg_and_a_reason(cooperative, product, kg, reason, field):
    lot = make_lot(cooperative=cooperative, product=product, kg="10")

    with pytest.raises(ValidationError) as raised:
        stock.supply_channel(lot_id=lot.pk, kg=kg, reason=reason)

    assert field in raised.value.message_dict
    lot.refresh_from_db()
    assert lot.on_hand_kg == D(10)
    assert lot.movements.count() == 1
