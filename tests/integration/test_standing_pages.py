"""The canteen's weekly orders in the store: saved from an order page, listed on the
"Weekly orders" tab with the next delivery each will order, and stopped there."""

import datetime
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from fulfilment.models import BulkOrder, OrderStatus, StandingOrder, StandingOrderMode
from fulfilment.placing import OrderInput, place_bulk_order
from fulfilment.standing import create_due_orders, save_standing_order
from fulfilment.validation import LineInput
from tests.factories import ProductFactory, UserFactory, make_canteen, make_lot

pytestmark = pytest.mark.django_db

STANDING = "/canteen/standing/"
ORDERS = "/canteen/orders/"


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def buyer(db):
    return UserFactory(username="buyer")


@pytest.fixture
def approver(db):
    return UserFactory(username="approver")


@pytest.fixture
def canteen(buyer, approver):
    return make_canteen(name="天河区机关食堂", buyers=[buyer], approvers=[approver])


@pytest.fixture
def other_buyer(db):
    return UserFactory(username="buyer_b")


@pytest.fixture
def other_canteen(other_buyer):
    return make_canteen(name="白云区学校食堂", buyers=[other_buyer])


@pytest.fixture
def chicken(cooperative):
    product = ProductFactory(
        title="清远鸡",
        upc="QY-CHICKEN",
        unit_of_sale="5 kg 箱",
        net_weight_kg=Decimal(5),
    )
    make_lot(cooperative=cooperative, product=product, kg="200", unit_price="120.00")
    return product


@pytest.fixture
def order(buyer, canteen, chicken) -> BulkOrder:
    """The buyer's order for delivery in 2 days."""
    data = OrderInput(
        organisation_id=canteen.pk,
        delivery_date=in_days(2),
        lines=(LineInput("QY-CHICKEN", 4),),
    )
    return place_bulk_order(user=buyer, data=data).bulk_order


def order_url(bulk_order, suffix="") -> str:
    return f"{ORDERS}{bulk_order.order.number}/{suffix}"


def stop_url(standing) -> str:
    return f"{STANDING}{standing.pk}/stop/"


def weekly(
    canteen, buyer, *, days_ahead=3, mode=StandingOrderMode.PLACE, name="每周鸡肉"
):
    """A template due now: its delivery is ``days_ahead`` from today."""
    return save_standing_order(
        organisation_id=canteen.pk,
        user=buyer,
        name=name,
        weekday=in_days(days_ahead).isoweekday(),
        days_ahead=days_ahead,
        mode=mode,
        lines=[LineInput("QY-CHICKEN", 4)],
    )


def save_form(**fields) -> dict:
    return {
        "standing-name": "周例鸡肉",
        "standing-days_ahead": "3",
        "standing-mode": "draft",
        **fields,
    }


# --- saving an order as a weekly order ----------------------------------------------


def test_the_order_page_offers_buyers_to_save_it_as_a_weekly_order(
    client, buyer, approver, order
):
    client.force_login(buyer)
    page = client.get(order_url(order))

    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="save_as_standing"' in html
    assert f'action="{order_url(order, "save-as-weekly/")}"' in html
    form = page.context["standing_form"]
    assert form.initial["days_ahead"] == 3
    assert form["mode"].value() == "draft"
    assert in_days(2).strftime("%A") in html

    client.force_login(approver)
    page = client.get(order_url(order))
    assert page.status_code == 200
    assert 'id="save_as_standing"' not in page.content.decode()
    assert page.context.get("standing_form") is None


def test_a_buyer_saves_an_order_as_a_weekly_order(client, buyer, canteen, order):
    client.force_login(buyer)

    response = client.post(order_url(order, "save-as-weekly/"), save_form())

    standing = StandingOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == STANDING
    assert (standing.organisation, standing.name, standing.created_by) == (
        canteen,
        "周例鸡肉",
        buyer,
    )
    assert (standing.weekday, standing.days_ahead, standing.mode) == (
        in_days(2).isoweekday(),
        3,
        StandingOrderMode.DRAFT,
    )
    assert [(line.product.upc, line.units) for line in standing.lines.all()] == [
        ("QY-CHICKEN", 4)
    ]
    page = client.get(STANDING)
    weekday = in_days(2).strftime("%A")
    assert f"Weekly order “周例鸡肉” saved: every {weekday}." in page.content.decode()


def test_a_bad_weekly_order_shows_the_errors_on_the_order_page(client, buyer, order):
    client.force_login(buyer)

    page = client.post(
        order_url(order, "save-as-weekly/"),
        save_form(**{"standing-days_ahead": "40", "standing-name": "x" * 129}),
    )

    assert page.status_code == 200
    assert page.templates[0].name == "fulfilment/order_detail.html"
    assert page.context["standing_form"].errors == {
        "name": ["Ensure this value has at most 128 characters (it has 129)."]
    }
    page = client.post(
        order_url(order, "save-as-weekly/"), save_form(**{"standing-days_ahead": "40"})
    )
    assert page.status_code == 200
    assert page.context["standing_form"].errors == {
        "days_ahead": ["Between 1 and 28 days."]
    }
    assert "Between 1 and 28 days." in page.content.decode()
    assert StandingOrder.objects.count() == 0


def test_a_weekday_the_canteen_no_longer_takes_is_shown_on_top_of_the_form(
    client, buyer, canteen, order
):
    canteen.delivery_weekdays = [
        d for d in range(1, 8) if d != order.delivery_date.isoweekday()
    ]
    canteen.save(update_fields=["delivery_weekdays"])
    client.force_login(buyer)

    page = client.post(order_url(order, "save-as-weekly/"), save_form())

    day = order.delivery_date.strftime("%A")
    assert page.context["standing_form"].non_field_errors() == [
        f"天河区机关食堂 takes no deliveries on {day}."
    ]
    assert StandingOrder.objects.count() == 0


def test_only_the_canteens_buyers_save_its_orders_as_weekly_orders(
    client, approver, other_buyer, other_canteen, order
):
    client.force_login(approver)
    refused = client.post(order_url(order, "save-as-weekly/"), save_form())
    client.force_login(other_buyer)
    hidden = client.post(order_url(order, "save-as-weekly/"), save_form())

    assert refused.status_code == 403
    assert hidden.status_code == 404
    assert StandingOrder.objects.count() == 0


# --- the weekly orders tab -----------------------------------------------------------


def test_the_weekly_orders_tab_lists_each_with_its_next_delivery(
    client, buyer, canteen, chicken
):
    standing = weekly(canteen, buyer, days_ahead=3)
    client.force_login(buyer)

    page = client.get(STANDING)

    html = page.content.decode()
    assert page.status_code == 200
    assert page.templates[0].name == "fulfilment/standing_list.html"
    assert "oscar/layout.html" in [t.name for t in page.templates]
    assert 'class="nav-link active" id="standing_tab"' in html
    [row] = page.context["rows"]
    assert row.standing == standing
    assert row.weekday == in_days(3).strftime("%A")
    assert (row.next_delivery, row.created_on, row.can_stop) == (
        in_days(3),
        timezone.localdate(),
        True,
    )
    assert "每周鸡肉" in html
    assert "清远鸡 \N{MULTIPLICATION SIGN} 4" in html
    assert "Place the order directly" in html
    assert "created 3 days ahead" in html
    assert in_days(3).strftime("%Y-%m-%d") in html
    assert f'id="stop_{standing.pk}"' in html


def test_stopping_a_weekly_order_ends_its_orders(client, buyer, canteen, chicken):
    standing = weekly(canteen, buyer)
    client.force_login(buyer)

    response = client.post(stop_url(standing), follow=True)

    standing.refresh_from_db()
    assert response.redirect_chain == [(STANDING, 302)]
    assert standing.is_active is False
    html = response.content.decode()
    assert "Weekly order “每周鸡肉” stopped: it will create no more orders." in html
    [row] = response.context["rows"]
    assert (row.next_delivery, row.can_stop) == (None, False)
    assert f'id="stop_{standing.pk}"' not in html
    assert "Stopped" in html
    assert create_due_orders().created == []
    assert BulkOrder.objects.count() == 0


def test_a_weekly_order_saved_on_the_page_creates_the_draft(
    client, buyer, canteen, chicken, order
):
    client.force_login(buyer)
    client.post(
        order_url(order, "save-as-weekly/"), save_form(**{"standing-days_ahead": "9"})
    )

    run = create_due_orders()

    created = BulkOrder.objects.exclude(pk=order.pk).select_related("order").get()
    assert run.created == [created.order.number]
    assert created.delivery_date == in_days(9)
    assert created.order.status == OrderStatus.DRAFT


def test_approvers_see_weekly_orders_but_cannot_stop_them(
    client, buyer, approver, canteen, chicken
):
    standing = weekly(canteen, buyer)
    client.force_login(approver)

    page = client.get(STANDING)
    refused = client.post(stop_url(standing))

    assert [row.standing for row in page.context["rows"]] == [standing]
    assert page.context["rows"][0].can_stop is False
    assert refused.status_code == 403
    standing.refresh_from_db()
    assert standing.is_active is True


def test_another_canteens_weekly_orders_are_not_found(
    client, buyer, canteen, chicken, other_buyer, other_canteen
):
    standing = weekly(canteen, buyer)
    client.force_login(other_buyer)

    page = client.get(STANDING)
    stopped = client.post(stop_url(standing))

    assert page.context["rows"] == []
    assert "Your canteen has no weekly orders yet." in page.content.decode()
    assert stopped.status_code == 404
    standing.refresh_from_db()
    assert standing.is_active is True


def test_the_weekly_orders_need_a_signed_in_canteen_member(
    client, buyer, canteen, chicken, shopper
):
    standing = weekly(canteen, buyer)

    anonymous = client.get(STANDING)
    anonymous_stop = client.post(stop_url(standing))
    client.force_login(shopper)
    stranger = client.get(STANDING)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert anonymous_stop.status_code == 302
    assert stranger.status_code == 403
    standing.refresh_from_db()
    assert standing.is_active is True


@override_settings(LANGUAGE_CODE="zh-hans")
def test_the_weekly_orders_render_in_chinese(client, buyer, canteen, chicken, order):
    weekly(canteen, buyer, mode=StandingOrderMode.DRAFT)
    client.force_login(buyer)

    listed = client.get(STANDING).content.decode()
    detail = client.get(order_url(order)).content.decode()

    assert '<html lang="zh-hans"' in listed
    assert "每周订单" in listed
    assert "停用" in listed
    assert "生成草稿，待确认" in listed
    assert "保存为每周订单" in detail
