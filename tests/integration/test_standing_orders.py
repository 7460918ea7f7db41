"""Standing orders: the weekly order is created ahead of its delivery day, once."""

import datetime

import pytest
from django.utils import timezone

from fulfilment.buyer_side import confirm_draft
from fulfilment.models import (
    Allocation,
    BulkOrder,
    OrderStatus,
    StandingOrderMode,
)
from fulfilment.standing import create_due_orders, save_standing_order
from fulfilment.tasks import create_standing_orders
from fulfilment.validation import LineInput
from tests.factories import ProductFactory, UserFactory, make_canteen, make_lot
from tests.integration.bulk import D


@pytest.fixture
def buyer(db):
    return UserFactory()


@pytest.fixture
def canteen(buyer):
    return make_canteen(buyers=[buyer])


def weekly(canteen, buyer, product, *, mode, days_ahead=3, today=None):
    today = today or timezone.localdate()
    weekday = (today + datetime.timedelta(days=days_ahead)).isoweekday()
    return save_standing_order(
        organisation_id=canteen.pk,
        user=buyer,
        name="每周鸡肉",
        weekday=weekday,
        days_ahead=days_ahead,
        mode=mode,
        lines=[LineInput(product.upc, 4)],
    )


def test_placed_directly_days_ahead_and_never_twice(
    buyer, canteen, cooperative, product
):
    make_lot(cooperative=cooperative, product=product, kg="100")
    standing = weekly(canteen, buyer, product, mode=StandingOrderMode.PLACE)

    first = create_due_orders()
    again = create_standing_orders()

    [order] = BulkOrder.objects.all()
    assert first.created == [order.order.number]
    assert again == {"created": [], "failed": 0}
    assert order.standing_order == standing
    assert order.delivery_date == timezone.localdate() + datetime.timedelta(days=3)
    assert order.order.status == OrderStatus.ROUTED
    assert Allocation.objects.get().kg == D("20.000")


def test_draft_reserves_nothing_until_the_buyer_confirms(
    buyer, canteen, cooperative, product
):
    lot = make_lot(cooperative=cooperative, product=product, kg="100")
    weekly(canteen, buyer, product, mode=StandingOrderMode.DRAFT)

    create_due_orders()

    [order] = BulkOrder.objects.all()
    assert order.order.status == OrderStatus.DRAFT
    lot.refresh_from_db()
    assert lot.reserved_kg == 0
    confirm_draft(order_id=order.pk, user=buyer)
    order.order.refresh_from_db()
    assert order.order.status == OrderStatus.ROUTED
    lot.refresh_from_db()
    assert lot.reserved_kg == D("20.000")


def test_a_missed_day_is_caught_up_while_the_date_is_still_orderable(
    buyer, canteen, cooperative, product
):
    make_lot(cooperative=cooperative, product=product, kg="100")
    today = timezone.localdate()
    weekly(canteen, buyer, product, mode=StandingOrderMode.PLACE, days_ahead=5)

    # Two days late: the delivery is 3 days away, still past the 1-day lead time.
    create_due_orders(today=today + datetime.timedelta(days=2))

    [order] = BulkOrder.objects.all()
    assert order.delivery_date == today + datetime.timedelta(days=5)


def test_a_product_no_longer_sold_is_reported_not_ordered(buyer, canteen, cooperative):
    product = ProductFactory()
    make_lot(cooperative=cooperative, product=product)
    weekly(canteen, buyer, product, mode=StandingOrderMode.PLACE)
    # Its certificate now ends before the delivery the standing order would make.
    product.certificate_valid_until = timezone.localdate() + datetime.timedelta(days=1)
    product.save(update_fields=["certificate_valid_until"])

    run = create_due_orders()

    assert (run.created, len(run.failed)) == ([], 1)
    assert BulkOrder.objects.count() == 0
