"""Placing bulk orders: validation, Oscar order, routing, reservation, approval."""

import datetime

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from canteens.models import Organisation
from fulfilment.buyer_side import approve_order
from fulfilment.errors import IdempotencyConflict, InsufficientStock
from fulfilment.models import (
    Allocation,
    AllocationStatus,
    BulkOrder,
    OrderStatus,
)
from fulfilment.placing import OrderInput, place_bulk_order
from fulfilment.validation import LineInput, OrderInvalid
from ledger.models import HouseholdIncome
from suppliers.models import MovementKind, StockLot, StockMovement
from tests.factories import (
    ProductFactory,
    UserFactory,
    make_canteen,
    make_lot,
    stockrecord_for,
)
from tests.integration.bulk import D, allocations_of, order_input, place

Order = apps.get_model("order", "Order")


@pytest.fixture
def buyer(db):
    return UserFactory(username="buyer")


@pytest.fixture
def canteen(buyer):
    return make_canteen(buyers=[buyer], name="天河区机关食堂")


@pytest.fixture
def kg_product(db):
    return ProductFactory(net_weight_kg=D("1.000"))


def nothing_ordered():
    return (
        Order.objects.count(),
        BulkOrder.objects.count(),
        Allocation.objects.count(),
        StockMovement.objects.filter(kind=MovementKind.RESERVED).count(),
    ) == (0, 0, 0, 0)


def test_order_is_an_oscar_order_routed_to_one_cooperative(
    buyer, canteen, cooperative, other_cooperative, product
):
    lot = make_lot(cooperative=cooperative, product=product, kg="100")
    make_lot(cooperative=other_cooperative, product=product, kg="100")

    bulk_order = place(buyer, canteen, [(product, 12)], note="请早上 7 点前送到")

    order = bulk_order.order
    assert order.number.startswith("B")
    assert order.status == OrderStatus.ROUTED
    assert order.total_incl_tax == D("1200.00")
    [line] = order.lines.all()
    assert (line.product, line.quantity, line.unit_price_excl_tax) == (
        product,
        12,
        D("100.00"),
    )
    assert list(order.notes.values_list("message", flat=True)) == ["请早上 7 点前送到"]
    assert list(
        order.status_changes.order_by("id").values_list("old_status", "new_status")
    ) == [("", "placed"), ("placed", "routed")]
    # 60 kg from the lower-id cooperative (tie on income and dates), whole.
    assert allocations_of(bulk_order) == [
        (product.pk, cooperative.pk, lot.pk, D("60.000"), AllocationStatus.PENDING)
    ]
    lot.refresh_from_db()
    assert (lot.on_hand_kg, lot.reserved_kg) == (D("100"), D("60"))
    movement = lot.movements.get(kind=MovementKind.RESERVED)
    assert (movement.reserved_delta_kg, movement.reference) == (
        D("60.000"),
        order.number,
    )
    record = stockrecord_for(cooperative=cooperative, product=product)
    assert (record.num_in_stock, record.num_allocated) == (20, 12)


def test_shortfall_stays_on_the_line(buyer, canteen, cooperative, kg_product):
    make_lot(cooperative=cooperative, product=kg_product, kg="50")

    bulk_order = place(buyer, canteen, [(kg_product, 80)])

    [line] = bulk_order.bulk_lines.all()
    assert (line.ordered_kg, line.short_kg) == (D("80.000"), D("30.000"))
    assert bulk_order.order.status == OrderStatus.ROUTED_SHORT


def test_all_or_nothing_order_refuses_a_shortfall_and_reserves_nothing(
    buyer, canteen, cooperative, kg_product
):
    make_lot(cooperative=cooperative, product=kg_product, kg="50")

    with pytest.raises(InsufficientStock) as refused:
        place(buyer, canteen, [(kg_product, 80)], all_or_nothing=True)

    assert refused.value.short == {kg_product.upc: "30.000"}
    assert nothing_ordered()
    assert StockLot.objects.get().reserved_kg == 0


def test_lots_not_fresh_enough_on_the_delivery_date_are_not_routed(
    buyer, canteen, cooperative
):
    product = ProductFactory(net_weight_kg=D("1"), min_remaining_shelf_life_days=3)
    today = timezone.localdate()
    make_lot(
        cooperative=cooperative,
        product=product,
        kg="40",
        best_before=today + datetime.timedelta(days=4),  # 2 days left at delivery
    )
    fresh = make_lot(
        cooperative=cooperative,
        product=product,
        kg="40",
        best_before=today + datetime.timedelta(days=5),  # exactly 3 days left
    )

    bulk_order = place(buyer, canteen, [(product, 50)])

    assert [a[2] for a in allocations_of(bulk_order)] == [fresh.pk]
    assert bulk_order.bulk_lines.get().short_kg == D("10.000")


def test_daily_capacity_of_a_cooperative_is_respected(
    buyer, canteen, cooperative, other_cooperative, kg_product
):
    cooperative.daily_capacity_kg = D("30")
    cooperative.save()
    make_lot(cooperative=cooperative, product=kg_product, kg="100")
    make_lot(cooperative=other_cooperative, product=kg_product, kg="100")
    place(buyer, canteen, [(kg_product, 20)])

    second = place(buyer, canteen, [(kg_product, 40)])

    # 10 kg of capacity left at the first cooperative: the second order needs one
    # cooperative for 40 kg, and only the other one can give it.
    assert [(a[1], a[3]) for a in allocations_of(second)] == [
        (other_cooperative.pk, D("40.000"))
    ]


def test_routing_prefers_households_that_earned_least_this_year(
    buyer, canteen, cooperative, other_cooperative, kg_product
):
    rich = make_lot(cooperative=cooperative, product=kg_product, kg="50")
    poor = make_lot(cooperative=other_cooperative, product=kg_product, kg="50")
    HouseholdIncome.objects.create(
        household=rich.shares.get().household,
        year=timezone.now().year,
        yuan=D("4824.73"),
    )

    bulk_order = place(buyer, canteen, [(kg_product, 20)])

    [allocation] = Allocation.objects.filter(line__bulk_order=bulk_order)
    assert allocation.lot_id == poor.pk
    assert allocation.scores["cooperative_income_ytd"] == "0.00"


@pytest.mark.parametrize(
    ("lines", "days", "field", "message"),
    [
        ([("NOPE", 1)], 2, "lines[0].sku", "Unknown SKU NOPE."),
        ([("P", 0)], 2, "lines[0].units", "Order at least one unit of sale."),
        ([("P", -3)], 2, "lines[0].units", "Order at least one unit of sale."),
        ([("P", 10001)], 2, "lines[0].units", "At most 10000 units in one line."),
        (
            [("P", 1), ("P", 2)],
            2,
            "lines[1].sku",
            "{sku} is already ordered in line 1.",
        ),
        (
            [("P", 1)],
            0,
            "delivery_date",
            "Deliveries need 1 days' notice: the earliest date is {tomorrow}.",
        ),
        (
            [("P", 1)],
            29,
            "delivery_date",
            "Orders can be placed at most 28 days ahead (until {last}).",
        ),
        ([], 2, "lines", "Order at least one product."),
    ],
)
def test_bad_orders_are_refused_with_field_messages_and_nothing_changes(
    buyer, canteen, cooperative, product, lines, days, field, message
):
    make_lot(cooperative=cooperative, product=product)
    today = timezone.localdate()
    data = OrderInput(
        organisation_id=canteen.pk,
        delivery_date=today + datetime.timedelta(days=days),
        lines=tuple(
            LineInput(product.upc if sku == "P" else sku, units) for sku, units in lines
        ),
    )
    with pytest.raises(OrderInvalid) as refused:
        place_bulk_order(user=buyer, data=data)
    expected = message.format(
        sku=product.upc,
        tomorrow=(today + datetime.timedelta(days=1)).isoformat(),
        last=(today + datetime.timedelta(days=28)).isoformat(),
    )
    assert refused.value.message_dict == {field: [expected]}
    assert nothing_ordered()


def test_a_day_the_canteen_takes_no_deliveries_is_refused(buyer, cooperative, product):
    make_lot(cooperative=cooperative, product=product)
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)
    other_days = [d for d in range(1, 8) if d != tomorrow.isoweekday()]
    canteen = make_canteen(buyers=[buyer], delivery_weekdays=other_days)
    with pytest.raises(OrderInvalid) as refused:
        place(buyer, canteen, [(product, 1)])
    assert list(refused.value.message_dict) == ["delivery_date"]
    assert "takes no deliveries on" in refused.value.message_dict["delivery_date"][0]


def test_expired_certificate_product_cannot_be_ordered(buyer, canteen, cooperative):
    product = ProductFactory(
        certificate_valid_until=timezone.localdate() + datetime.timedelta(days=1)
    )
    make_lot(cooperative=cooperative, product=product)
    with pytest.raises(OrderInvalid) as refused:
        place(buyer, canteen, [(product, 1)], days=3)
    assert refused.value.message_dict == {
        "lines[0].sku": [
            f"{product.title} cannot be ordered: Certificate expired: "
            "not sold as poverty-area produce."
        ]
    }
    assert nothing_ordered()


def test_someone_else_cannot_order_for_a_canteen(canteen, product, cooperative):
    make_lot(cooperative=cooperative, product=product)
    stranger = UserFactory()
    with pytest.raises(Organisation.DoesNotExist):
        place(stranger, canteen, [(product, 1)])
    assert nothing_ordered()


def test_order_above_the_threshold_waits_for_approval_and_reserves_nothing(
    buyer, cooperative, product
):
    approver = UserFactory()
    canteen = make_canteen(
        buyers=[buyer], approvers=[approver], approval_threshold=D("500.00")
    )
    lot = make_lot(cooperative=cooperative, product=product, kg="100")

    bulk_order = place(buyer, canteen, [(product, 6)])

    assert bulk_order.order.status == OrderStatus.AWAITING_APPROVAL
    assert Allocation.objects.count() == 0
    lot.refresh_from_db()
    assert lot.reserved_kg == 0
    with pytest.raises(BulkOrder.DoesNotExist):
        approve_order(order_id=bulk_order.pk, approver=buyer)

    approve_order(order_id=bulk_order.pk, approver=approver)

    bulk_order.refresh_from_db()
    bulk_order.order.refresh_from_db()
    assert bulk_order.order.status == OrderStatus.ROUTED
    assert bulk_order.approved_by == approver
    lot.refresh_from_db()
    assert lot.reserved_kg == D("30.000")


def test_same_idempotency_key_and_body_returns_the_same_order(
    buyer, canteen, cooperative, product
):
    make_lot(cooperative=cooperative, product=product)
    data = order_input(canteen, [(product, 2)])

    first = place_bulk_order(user=buyer, data=data, idempotency_key="k-1")
    again = place_bulk_order(user=buyer, data=data, idempotency_key="k-1")

    assert (first.replayed, again.replayed) == (False, True)
    assert again.bulk_order.pk == first.bulk_order.pk
    assert BulkOrder.objects.count() == 1
    other = order_input(canteen, [(product, 3)])
    with pytest.raises(IdempotencyConflict):
        place_bulk_order(user=buyer, data=other, idempotency_key="k-1")
    assert BulkOrder.objects.count() == 1


def test_queries_do_not_grow_with_the_number_of_lines(buyer, canteen, cooperative):
    products = [ProductFactory(net_weight_kg=D("1")) for _ in range(40)]
    for product in products:
        make_lot(cooperative=cooperative, product=product, kg="50")

    counts = []
    for size in (2, 40):
        data = order_input(canteen, [(p, 3) for p in products[:size]])
        with CaptureQueriesContext(connection) as queries:
            place_bulk_order(user=buyer, data=data)
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert counts[1] <= 35
