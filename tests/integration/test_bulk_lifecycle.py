"""After placing: cooperatives answer and ship, the centre delivers, the canteen
receives, and the money lands in the household ledger; re-routing along the way."""

import datetime

import pytest
from django.apps import apps
from django.core import mail
from django.db.models import Sum
from django.utils import timezone

from fulfilment import cooperative_side as coop
from fulfilment.buyer_side import cancel_order
from fulfilment.delivery import (
    ReceivedLine,
    confirm_receipt,
    decide_missing,
    mark_delivered,
)
from fulfilment.errors import NotAllowedNow
from fulfilment.models import (
    Allocation,
    AllocationEvent,
    AllocationStatus,
    Disposition,
    OrderStatus,
    Rejection,
)
from fulfilment.tasks import expire_unanswered_allocations
from ledger.models import HouseholdIncome, LedgerEntry
from suppliers.models import MovementKind, StockLot
from tests.factories import (
    ProductFactory,
    UserFactory,
    make_canteen,
    make_household,
    make_lot,
)
from tests.integration.bulk import D, place

Order = apps.get_model("order", "Order")


@pytest.fixture
def buyer(db):
    return UserFactory(username="buyer", email="buyer@canteen.example")


@pytest.fixture
def canteen(buyer):
    return make_canteen(buyers=[buyer])


@pytest.fixture
def kg_product(db):
    return ProductFactory(net_weight_kg=D("1.000"))


def statuses(bulk_order):
    bulk_order.order.refresh_from_db()
    return bulk_order.order.status


def test_whole_path_place_accept_ship_deliver_receive_with_short_weight(
    buyer, canteen, cooperative, manager, kg_product, staff
):
    first = make_household(cooperative=cooperative)
    second = make_household(cooperative=cooperative)
    lot = make_lot(
        cooperative=cooperative,
        product=kg_product,
        kg="100",
        households=[first, second],
        unit_price="12.50",
    )
    bulk_order = place(buyer, canteen, [(kg_product, 40)])
    assert statuses(bulk_order) == OrderStatus.ROUTED
    [allocation] = Allocation.objects.all()

    coop.accept_allocation(allocation_id=allocation.pk, actor=manager)
    assert statuses(bulk_order) == OrderStatus.ACCEPTED
    coop.ship_allocation(allocation_id=allocation.pk, kg=D("39.500"), actor=manager)
    assert statuses(bulk_order) == OrderStatus.SHIPPED
    lot.refresh_from_db()
    # 39.5 kg left the lot; the 0.5 kg reserved but not shipped is free again.
    assert (lot.on_hand_kg, lot.reserved_kg) == (D("60.500"), D("0"))
    mark_delivered(order_id=bulk_order.pk, actor=staff)
    assert statuses(bulk_order) == OrderStatus.DELIVERED

    [line] = bulk_order.bulk_lines.all()
    receipt = confirm_receipt(
        order_id=bulk_order.pk,
        user=buyer,
        lines=[ReceivedLine(line.pk, D("38.000"), "two bags torn")],
    )

    assert statuses(bulk_order) == OrderStatus.RECEIVED
    [receipt_line] = receipt.lines.all()
    # 38 kg at 12.50 a kg; 1.5 kg under 39.5 shipped is 3.8%: outside 2%.
    assert (
        receipt_line.shipped_kg,
        receipt_line.received_kg,
        receipt_line.amount,
        receipt_line.flagged,
        receipt_line.disposition,
    ) == (D("39.500"), D("38.000"), D("475.00"), True, Disposition.PENDING)
    entries = LedgerEntry.objects.order_by("household_id")
    assert [(e.household_id, e.kg, e.yuan) for e in entries] == [
        (first.pk, D("19.000"), D("237.50")),
        (second.pk, D("19.000"), D("237.50")),
    ]
    assert HouseholdIncome.objects.aggregate(Sum("yuan"))["yuan__sum"] == D("475.00")
    assert list(
        bulk_order.order.status_changes.order_by("id").values_list(
            "new_status", flat=True
        )
    ) == ["placed", "routed", "accepted", "shipped", "delivered", "received"]
    assert list(
        bulk_order.order.shipping_events.order_by("id").values_list(
            "event_type__code", flat=True
        )
    ) == ["shipped", "delivered", "received"]

    decide_missing(
        receipt_line_id=receipt_line.pk, disposition=Disposition.RETURNED, actor=staff
    )
    lot.refresh_from_db()
    assert lot.on_hand_kg == D("62.000")
    assert lot.movements.filter(kind=MovementKind.RETURNED).get().on_hand_delta_kg == (
        D("1.500")
    )
    with pytest.raises(NotAllowedNow):
        decide_missing(
            receipt_line_id=receipt_line.pk,
            disposition=Disposition.WRITTEN_OFF,
            actor=staff,
        )


def test_ledger_splits_awkward_shares_exactly(buyer, canteen, cooperative, staff):
    product = ProductFactory(net_weight_kg=D("1"))
    households = [make_household(cooperative=cooperative) for _ in range(3)]
    make_lot(
        cooperative=cooperative,
        product=product,
        kg="10",
        households=households,
        unit_price="3.33",
    )
    bulk_order = place(buyer, canteen, [(product, 10)])
    [allocation] = Allocation.objects.all()
    coop.accept_allocation(allocation_id=allocation.pk)
    coop.ship_allocation(allocation_id=allocation.pk, kg=D("10"))
    mark_delivered(order_id=bulk_order.pk, actor=staff)
    line = bulk_order.bulk_lines.get()

    confirm_receipt(
        order_id=bulk_order.pk,
        user=buyer,
        lines=[ReceivedLine(line.pk, D("10.000"))],
    )

    rows = list(LedgerEntry.objects.order_by("household_id").values_list("kg", "yuan"))
    # Shares 3.334 / 3.333 / 3.333 kg; 33.30 yuan; largest remainder to the first.
    assert rows == [
        (D("3.334"), D("11.10")),
        (D("3.333"), D("11.10")),
        (D("3.333"), D("11.10")),
    ]
    assert sum(r[0] for r in rows) == D("10.000")
    assert sum(r[1] for r in rows) == D("33.30")


def test_rejection_releases_and_reroutes_to_another_cooperative(
    buyer,
    canteen,
    cooperative,
    other_cooperative,
    manager,
    kg_product,
    django_capture_on_commit_callbacks,
):
    first = make_lot(cooperative=cooperative, product=kg_product, kg="50")
    second = make_lot(cooperative=other_cooperative, product=kg_product, kg="50")
    bulk_order = place(buyer, canteen, [(kg_product, 30)])
    [allocation] = Allocation.objects.all()
    assert allocation.lot_id == first.pk

    with django_capture_on_commit_callbacks(execute=True):
        coop.reject_allocation(
            allocation_id=allocation.pk, reason="鸡还没长够", actor=manager
        )

    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.REJECTED
    assert Rejection.objects.filter(cooperative=cooperative).count() == 1
    active = Allocation.objects.filter(status=AllocationStatus.PENDING)
    assert [(a.lot_id, a.kg) for a in active] == [(second.pk, D("30.000"))]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.reserved_kg, second.reserved_kg) == (D("0"), D("30.000"))
    assert statuses(bulk_order) == OrderStatus.ROUTED
    assert list(
        AllocationEvent.objects.filter(allocation=allocation).values_list(
            "kind", "reason"
        )
    ) == [("routed", ""), ("rejected", "鸡还没长够")]


def test_rejection_with_nowhere_else_leaves_the_line_short(
    buyer, canteen, cooperative, kg_product, django_capture_on_commit_callbacks
):
    make_lot(cooperative=cooperative, product=kg_product, kg="50")
    bulk_order = place(buyer, canteen, [(kg_product, 30)])
    [allocation] = Allocation.objects.all()

    with django_capture_on_commit_callbacks(execute=True):
        coop.reject_allocation(allocation_id=allocation.pk, reason="no truck")

    # The refusing cooperative is never routed the same line again.
    assert bulk_order.bulk_lines.get().short_kg == D("30.000")
    assert statuses(bulk_order) == OrderStatus.ROUTED_SHORT
    assert StockLot.objects.get().reserved_kg == 0


def test_rejecting_without_a_reason_is_refused(buyer, canteen, cooperative, product):
    make_lot(cooperative=cooperative, product=product)
    place(buyer, canteen, [(product, 1)])
    [allocation] = Allocation.objects.all()
    with pytest.raises(NotAllowedNow):
        coop.reject_allocation(allocation_id=allocation.pk, reason="  ")
    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.PENDING


def test_unanswered_allocations_expire_and_are_rerouted(
    buyer,
    canteen,
    cooperative,
    other_cooperative,
    kg_product,
    django_capture_on_commit_callbacks,
):
    make_lot(cooperative=cooperative, product=kg_product, kg="50")
    second = make_lot(cooperative=other_cooperative, product=kg_product, kg="50")
    place(buyer, canteen, [(kg_product, 10)])
    Allocation.objects.update(respond_by=timezone.now() - datetime.timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert expire_unanswered_allocations() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_unanswered_allocations() == 0  # the new one is not overdue

    assert sorted(Allocation.objects.values_list("status", "lot_id")) == [
        (AllocationStatus.EXPIRED, Allocation.objects.first().lot_id),
        (AllocationStatus.PENDING, second.pk),
    ]


def test_accepting_after_the_deadline_is_refused(buyer, canteen, cooperative, product):
    make_lot(cooperative=cooperative, product=product)
    place(buyer, canteen, [(product, 1)])
    Allocation.objects.update(respond_by=timezone.now() - datetime.timedelta(minutes=1))
    [allocation] = Allocation.objects.all()
    with pytest.raises(NotAllowedNow, match="time to answer"):
        coop.accept_allocation(allocation_id=allocation.pk)


def test_short_lines_are_retried_when_a_matching_lot_arrives(
    buyer,
    canteen,
    cooperative,
    other_cooperative,
    kg_product,
    django_capture_on_commit_callbacks,
):
    make_lot(cooperative=cooperative, product=kg_product, kg="20")
    bulk_order = place(buyer, canteen, [(kg_product, 50)])
    assert bulk_order.bulk_lines.get().short_kg == D("30.000")

    with django_capture_on_commit_callbacks(execute=True):
        new_lot = make_lot(cooperative=other_cooperative, product=kg_product, kg="40")

    line = bulk_order.bulk_lines.get()
    assert line.short_kg == D("0.000")
    assert Allocation.objects.get(lot=new_lot).kg == D("30.000")
    assert statuses(bulk_order) == OrderStatus.ROUTED
    assert [m.subject for m in mail.outbox if m.to == ["buyer@canteen.example"]] == [
        f"Order {bulk_order.order.number} for {bulk_order.delivery_date} re-routed: "
        "Routed"
    ]


def test_shipping_more_than_the_lot_holds_is_refused(
    buyer, canteen, cooperative, kg_product
):
    lot = make_lot(cooperative=cooperative, product=kg_product, kg="30")
    place(buyer, canteen, [(kg_product, 20)])
    [allocation] = Allocation.objects.all()
    coop.accept_allocation(allocation_id=allocation.pk)
    with pytest.raises(NotAllowedNow):
        coop.ship_allocation(allocation_id=allocation.pk, kg=D("30.001"))
    lot.refresh_from_db()
    assert (lot.on_hand_kg, lot.reserved_kg) == (D("30"), D("20"))


def test_cancel_releases_every_reservation(
    buyer, canteen, cooperative, kg_product, manager
):
    lot = make_lot(cooperative=cooperative, product=kg_product, kg="30")
    bulk_order = place(buyer, canteen, [(kg_product, 20)])
    [allocation] = Allocation.objects.all()
    coop.accept_allocation(allocation_id=allocation.pk, actor=manager)

    cancel_order(order_id=bulk_order.pk, user=buyer, reason="menu changed")

    assert statuses(bulk_order) == OrderStatus.CANCELLED
    lot.refresh_from_db()
    assert lot.reserved_kg == 0
    allocation.refresh_from_db()
    assert allocation.status == AllocationStatus.CANCELLED


def test_shipped_order_cannot_be_cancelled(buyer, canteen, cooperative, kg_product):
    make_lot(cooperative=cooperative, product=kg_product, kg="30")
    bulk_order = place(buyer, canteen, [(kg_product, 20)])
    [allocation] = Allocation.objects.all()
    coop.accept_allocation(allocation_id=allocation.pk)
    coop.ship_allocation(allocation_id=allocation.pk, kg=D("20"))
    with pytest.raises(NotAllowedNow):
        cancel_order(order_id=bulk_order.pk, user=buyer)
    assert statuses(bulk_order) == OrderStatus.SHIPPED


def test_buyer_and_cooperatives_are_emailed_after_commit(
    buyer, canteen, cooperative, manager, kg_product, django_capture_on_commit_callbacks
):
    manager.email = "manager@coop.example"
    manager.save()
    make_lot(cooperative=cooperative, product=kg_product, kg="30")

    with django_capture_on_commit_callbacks(execute=True):
        bulk_order = place(buyer, canteen, [(kg_product, 20)])

    assert sorted(m.to[0] for m in mail.outbox) == [
        "buyer@canteen.example",
        "manager@coop.example",
    ]
    number = bulk_order.order.number
    assert any(number in m.subject for m in mail.outbox)
