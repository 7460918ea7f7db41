"""Store (online) orders: dispatching ships the reserved units out of the lots and
records the sale in the online store's channel, household by household."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Sum
from oscar.apps.basket.models import Basket
from oscar.apps.order.exceptions import InvalidShippingEvent
from oscar.core.loading import get_class, get_model
from oscar.test.factories import create_order

from channels.services import ONLINE_STORE
from ledger.models import LedgerEntry, SourceKind
from shop.apps.order.dispatch import dispatch_lines
from shop.apps.partner.strategy import Selector
from suppliers.models import MovementKind
from tests.factories import UserFactory, make_household, make_lot, stockrecord_for
from tests.integration.bulk import D

EventHandler = get_class("order.processing", "EventHandler")
ShippingEventType = get_model("order", "ShippingEventType")


@pytest.fixture
def store_order(cooperative, product):
    """A shopper's order of 3 units (5 kg each, 100 yuan) from one lot."""
    households = [make_household(cooperative=cooperative) for _ in range(2)]
    lot = make_lot(
        cooperative=cooperative, product=product, kg="50", households=households
    )
    basket = Basket.objects.create()
    basket.strategy = Selector().strategy()
    basket.add_product(product, quantity=3)
    order = create_order(basket=basket, user=UserFactory())
    lot.refresh_from_db()
    assert lot.reserved_kg == D("15.000")
    return order, lot


def dispatch(order, quantities, staff=None):
    dispatched = ShippingEventType.objects.get(code="dispatched")
    lines = list(order.lines.all())
    EventHandler(user=staff).handle_shipping_event(order, dispatched, lines, quantities)


def test_dispatch_ships_the_lot_and_records_the_sale(store_order, staff, product):
    order, lot = store_order

    dispatch(order, [2], staff)

    lot.refresh_from_db()
    assert (lot.on_hand_kg, lot.reserved_kg) == (D("40.000"), D("5.000"))
    assert lot.movements.get(kind=MovementKind.SHIPPED).reference == str(order.number)
    entries = LedgerEntry.objects.filter(source_kind=SourceKind.STORE_LINE)
    assert set(entries.values_list("channel__code", flat=True)) == {ONLINE_STORE}
    assert entries.aggregate(kg=Sum("kg"), yuan=Sum("yuan")) == {
        "kg": D("10.000"),
        "yuan": D("200.00"),
    }
    assert entries.count() == 2  # one per household of the lot
    record = stockrecord_for(cooperative=lot.cooperative, product=product)
    assert (record.num_in_stock, record.num_allocated) == (8, 1)
    assert order.shipping_events.get().event_type.code == "dispatched"


def test_dispatching_more_than_is_left_is_refused_and_changes_nothing(store_order):
    order, lot = store_order
    dispatch(order, [3])

    with pytest.raises(InvalidShippingEvent):  # Oscar's own check, first
        dispatch(order, [1])
    with pytest.raises(ValidationError):  # and the service's, for any caller
        dispatch_lines(order=order, lines=list(order.lines.all()), quantities=[1])

    lot.refresh_from_db()
    assert (lot.on_hand_kg, lot.reserved_kg) == (D("35.000"), D("0.000"))
    assert LedgerEntry.objects.aggregate(kg=Sum("kg"))["kg"] == D("15.000")


def test_verify_ledger_checks_store_lines(store_order):
    order, _lot = store_order
    dispatch(order, [1])
    dispatch(order, [2])
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert out.getvalue().startswith("No difference")
