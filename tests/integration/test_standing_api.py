"""The standing-order API: a canteen's buyers save a weekly template (from a body or
from one of their orders), list it and stop it; ``create_due_orders`` then creates
each week's order from it. Bad templates are refused field by field and save
nothing; another canteen's standing orders answer 404, roles that never buy 403."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework import serializers

from fulfilment.models import (
    BulkOrder,
    OrderStatus,
    StandingOrder,
    StandingOrderLine,
)
from fulfilment.standing import create_due_orders
from tests.factories import ProductFactory, UserFactory, make_canteen, make_lot
from tests.integration.bulk_api_helpers import (
    ORDERS,
    body,
    day,
    get,
    order_url,
    post,
    stock_state,
)

pytestmark = pytest.mark.django_db

STANDING = "/api/v1/standing-orders/"
CANTEEN = "天河区机关食堂"
NOT_SIGNED_IN = {"detail": "Authentication credentials were not provided."}
NOT_FOUND = {"detail": "Not found."}
BUYERS_ONLY = {"detail": "Only a canteen's buyers can do this."}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def buyer(db):
    return UserFactory(username="buyer")


@pytest.fixture
def approver(db):
    return UserFactory(username="approver")


@pytest.fixture
def other_buyer(db):
    return UserFactory(username="buyer_b")


@pytest.fixture
def canteen(buyer, approver):
    return make_canteen(name=CANTEEN, buyers=[buyer], approvers=[approver])


@pytest.fixture
def other_canteen(other_buyer):
    return make_canteen(name="白云区学校食堂", buyers=[other_buyer])


@pytest.fixture
def chicken(cooperative):
    product = ProductFactory(title="清远鸡", upc="QY-CHICKEN", unit_of_sale="5 kg 箱")
    make_lot(cooperative=cooperative, product=product, kg="100", code="A-1")
    return product


@pytest.fixture
def greens(cooperative):
    product = ProductFactory(title="连州菜心", upc="QY-GREENS", net_weight_kg=2)
    make_lot(cooperative=cooperative, product=product, kg="50", code="A-2")
    return product


def standing_url(standing_id, verb: str = "") -> str:
    return f"{STANDING}{standing_id}/" + (f"{verb}/" if verb else "")


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def weekday_in(days: int) -> int:
    """The ISO weekday ``days`` from today: a template due now with that notice."""
    return in_days(days).isoweekday()


def template(*lines, weekday=None, days_ahead=3, mode="place", **fields) -> dict:
    """A standing-order body: ``lines`` are (sku, quantity) pairs."""
    return {
        "name": "每周鸡肉",
        "weekday": weekday_in(days_ahead) if weekday is None else weekday,
        "days_ahead": days_ahead,
        "mode": mode,
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        **fields,
    }


def when(value) -> str:
    return serializers.DateTimeField().to_representation(value)


def saved_state() -> list:
    """Every standing order and line, to show a refusal saved nothing."""
    return [
        list(StandingOrder.objects.values_list("pk", "is_active")),
        list(StandingOrderLine.objects.values_list("pk", "units")),
    ]


@pytest.fixture
def standing(api, canteen, buyer, chicken):
    """Canteen A's template, due now: delivery in 3 days, created 3 days ahead."""
    created = post(api, buyer, STANDING, template(("QY-CHICKEN", 4)))
    assert created.status_code == 201, created.json()
    return StandingOrder.objects.get()


# --- create, read, stop ---------------------------------------------------------------


def test_a_buyer_saves_a_weekly_order(api, canteen, buyer, chicken, greens):
    answer = post(
        api, buyer, STANDING, template(("QY-CHICKEN", 4), (" QY-GREENS ", 10))
    )

    standing = StandingOrder.objects.get()
    assert answer.status_code == 201
    assert answer.json() == {
        "id": standing.pk,
        "name": "每周鸡肉",
        "organisation": {"id": canteen.pk, "name": CANTEEN},
        "weekday": weekday_in(3),
        "weekday_display": in_days(3).strftime("%A"),
        "days_ahead": 3,
        "mode": "place",
        "mode_display": "Place the order directly",
        "is_active": True,
        "next_delivery_date": in_days(3).isoformat(),
        "created_at": when(standing.created_at),
        "lines": [
            {"sku": "QY-CHICKEN", "title": "清远鸡", "quantity": 4},
            {"sku": "QY-GREENS", "title": "连州菜心", "quantity": 10},
        ],
    }
    assert standing.created_by == buyer
    assert [(line.product, line.units) for line in standing.lines.all()] == [
        (chicken, 4),
        (greens, 10),
    ]
    assert BulkOrder.objects.count() == 0  # orders come from create_due_orders


def test_the_next_delivery_is_the_first_the_lead_time_allows(
    api, canteen, buyer, chicken
):
    today_weekday = timezone.localdate().isoweekday()

    answer = post(
        api,
        buyer,
        STANDING,
        template(("QY-CHICKEN", 1), weekday=today_weekday, days_ahead=2),
    )

    # Today's weekday is too late (a day's notice): next week's is the next one.
    assert answer.json()["next_delivery_date"] == in_days(7).isoformat()


def test_create_due_orders_places_the_week_order_from_an_api_template(
    api, standing, buyer, chicken
):
    run = create_due_orders()

    order = BulkOrder.objects.select_related("order").get()
    assert run.created == [order.order.number]
    assert order.standing_order == standing
    assert order.placed_by == buyer
    assert order.delivery_date == in_days(3)
    assert order.order.status == OrderStatus.ROUTED
    assert [(line.product, line.units) for line in order.bulk_lines.all()] == [
        (chicken, 4)
    ]
    after = get(api, buyer, standing_url(standing.pk)).json()
    assert after["next_delivery_date"] == in_days(10).isoformat()


def test_a_draft_template_creates_a_draft(api, canteen, buyer, chicken):
    post(api, buyer, STANDING, template(("QY-CHICKEN", 2), mode="draft"))

    create_due_orders()

    assert BulkOrder.objects.get().order.status == OrderStatus.DRAFT


def test_buyers_and_approvers_list_and_read_their_canteens_standing_orders(
    api, standing, buyer, approver, other_canteen, other_buyer, chicken, staff
):
    theirs = post(api, other_buyer, STANDING, template(("QY-CHICKEN", 1)))
    assert theirs.status_code == 201

    for user in (buyer, approver):
        listed = get(api, user, STANDING).json()
        assert (listed["count"], listed["next"], listed["previous"]) == (1, None, None)
        assert [row["id"] for row in listed["results"]] == [standing.pk]
        one = get(api, user, standing_url(standing.pk))
        assert (one.status_code, one.json()["id"]) == (200, standing.pk)
    everything = get(api, staff, STANDING).json()
    assert sorted(row["id"] for row in everything["results"]) == sorted(
        [standing.pk, theirs.json()["id"]]
    )


def test_a_buyer_stops_a_standing_order_and_no_more_orders_are_created(
    api, standing, buyer
):
    stopped = post(api, buyer, standing_url(standing.pk, "deactivate"))
    again = post(api, buyer, standing_url(standing.pk, "deactivate"))

    assert stopped.status_code == 200
    assert (stopped.json()["is_active"], stopped.json()["next_delivery_date"]) == (
        False,
        None,
    )
    assert (again.status_code, again.json()) == (200, stopped.json())
    run = create_due_orders()
    assert (run.created, run.failed) == ([], [])
    assert BulkOrder.objects.count() == 0
    assert StandingOrder.objects.get().is_active is False


def test_a_buyer_saves_an_order_as_a_weekly_order(api, canteen, buyer, chicken, greens):
    placed = post(api, buyer, ORDERS, body(("QY-GREENS", 3), ("QY-CHICKEN", 2)))
    number = placed.json()["number"]

    answer = post(
        api,
        buyer,
        order_url(number, "save-as-standing"),
        {"name": "周例菜", "days_ahead": 2, "mode": "draft"},
    )

    standing = StandingOrder.objects.get()
    assert answer.status_code == 201
    assert answer.json()["id"] == standing.pk
    assert answer.json()["name"] == "周例菜"
    assert answer.json()["weekday"] == day().isoweekday()
    assert (answer.json()["days_ahead"], answer.json()["mode"]) == (2, "draft")
    assert answer.json()["lines"] == [
        {"sku": "QY-GREENS", "title": "连州菜心", "quantity": 3},
        {"sku": "QY-CHICKEN", "title": "清远鸡", "quantity": 2},
    ]
    # The order is the template's order for its own date: that week is not
    # ordered again, the next delivery is a week later.
    assert answer.json()["next_delivery_date"] == in_days(7 + 1).isoformat()
    assert standing.organisation == canteen
    assert BulkOrder.objects.get().standing_order == standing
    assert create_due_orders().created == []


def test_listing_standing_orders_does_not_grow_with_their_number(
    api, canteen, buyer, chicken, greens
):
    post(api, buyer, STANDING, template(("QY-CHICKEN", 1), ("QY-GREENS", 1)))
    api.get(STANDING)  # the user's canteens are read once per request user
    with CaptureQueriesContext(connection) as one:
        api.get(STANDING)
    for weekday in range(1, 7):
        post(api, buyer, STANDING, template(("QY-CHICKEN", 1), weekday=weekday))

    with CaptureQueriesContext(connection) as seven:
        assert api.get(STANDING).json()["count"] == 7

    assert len(seven) == len(one)


# --- refused templates: every error, nothing saved ------------------------------------


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            template(("QY-CHICKEN", 1), weekday=6),
            {"weekday": [f"{CANTEEN} takes no deliveries on Saturday."]},
        ),
        (
            template(("QY-CHICKEN", 1), days_ahead=0, weekday=1),
            {"days_ahead": ["Between 1 and 28 days."]},
        ),
        (
            template(("QY-CHICKEN", 1), days_ahead=29, weekday=1),
            {"days_ahead": ["Between 1 and 28 days."]},
        ),
        (
            template(("QY-CHICKEN", 1), ("NO-SUCH-SKU", 2), weekday=1),
            {"lines[1].sku": ["Unknown SKU NO-SUCH-SKU."]},
        ),
        (
            template(("QY-CHICKEN", 0), weekday=1),
            {"lines[0].quantity": ["Order at least one unit of sale."]},
        ),
        (
            template(("QY-CHICKEN", 10001), weekday=1),
            {"lines[0].quantity": ["At most 10000 units in one line."]},
        ),
        (
            template(("QY-CHICKEN", 1), ("QY-CHICKEN", 2), weekday=1),
            {"lines[1].sku": ["QY-CHICKEN is already ordered in line 1."]},
        ),
        (template(weekday=1), {"lines": ["Order at least one product."]}),
        (
            template(("QY-UNSOLD", 1), weekday=1),
            {"lines[0].sku": ["白菜 is not on sale."]},
        ),
        (
            template(("QY-CHICKEN", 1.5), weekday=1),
            {"lines[0].quantity": ["A valid integer is required."]},
        ),
        (
            template(("QY-CHICKEN", 1), weekday=8),
            {"weekday": ["Ensure this value is less than or equal to 7."]},
        ),
        (
            template(("QY-CHICKEN", 1), weekday=1, mode="weekly"),
            {"mode": ['"weekly" is not a valid choice.']},
        ),
        (
            {"weekday": 1, "days_ahead": 3, "mode": "draft", "lines": []},
            {"name": ["This field is required."]},
        ),
    ],
    ids=[
        "weekday-not-delivered",
        "days-ahead-below-lead-time",
        "days-ahead-above-max",
        "unknown-sku",
        "zero-units",
        "too-many-units",
        "duplicate-sku",
        "no-lines",
        "not-on-sale",
        "fractional-units",
        "weekday-out-of-range",
        "unknown-mode",
        "no-name",
    ],
)
def test_a_bad_template_is_refused_field_by_field_and_saves_nothing(
    api, canteen, buyer, chicken, data, errors
):
    canteen.delivery_weekdays = [1, 2, 3, 4, 5]
    canteen.save(update_fields=["delivery_weekdays"])
    ProductFactory(title="白菜", upc="QY-UNSOLD")  # no stock record: no price
    before = saved_state()

    answer = post(api, buyer, STANDING, data)

    assert (answer.status_code, answer.json()) == (400, errors)
    assert saved_state() == before == [[], []]


def test_every_error_of_a_template_is_reported_at_once(api, canteen, buyer, chicken):
    canteen.delivery_weekdays = [1, 2, 3, 4, 5]
    canteen.save(update_fields=["delivery_weekdays"])

    answer = post(
        api,
        buyer,
        STANDING,
        template(("NOPE", 1), ("QY-CHICKEN", 0), weekday=7, days_ahead=40),
    )

    assert answer.status_code == 400
    assert answer.json() == {
        "weekday": [f"{CANTEEN} takes no deliveries on Sunday."],
        "days_ahead": ["Between 1 and 28 days."],
        "lines[0].sku": ["Unknown SKU NOPE."],
        "lines[1].quantity": ["Order at least one unit of sale."],
    }
    assert saved_state() == [[], []]


def test_saving_an_order_as_a_template_is_checked_too(api, canteen, buyer, chicken):
    placed = post(api, buyer, ORDERS, body(("QY-CHICKEN", 2)))

    answer = post(
        api,
        buyer,
        order_url(placed.json()["number"], "save-as-standing"),
        {"name": "x", "days_ahead": 99, "mode": "place"},
    )

    assert (answer.status_code, answer.json()) == (
        400,
        {"days_ahead": ["Between 1 and 28 days."]},
    )
    assert saved_state() == [[], []]


def test_a_buyer_of_two_canteens_names_the_canteen(
    api, canteen, buyer, chicken, other_canteen
):
    second = make_canteen(name="越秀区医院食堂", buyers=[buyer])

    unnamed = post(api, buyer, STANDING, template(("QY-CHICKEN", 1)))
    named = post(
        api, buyer, STANDING, template(("QY-CHICKEN", 1), organisation=second.pk)
    )
    not_theirs = post(
        api,
        buyer,
        STANDING,
        template(("QY-CHICKEN", 1), organisation=other_canteen.pk),
    )

    assert (unnamed.status_code, unnamed.json()) == (
        400,
        {"organisation": ["Say which canteen the order is for."]},
    )
    assert named.status_code == 201
    assert named.json()["organisation"] == {"id": second.pk, "name": "越秀区医院食堂"}
    assert (not_theirs.status_code, not_theirs.json()) == (
        400,
        {"organisation": [f'Invalid pk "{other_canteen.pk}" - object does not exist.']},
    )
    assert StandingOrder.objects.get().organisation == second


# --- who may: another canteen 404, roles that never buy 403, anonymous 401 ------------


def test_another_canteens_standing_order_is_not_found(
    api, standing, other_canteen, other_buyer
):
    listed = get(api, other_buyer, STANDING).json()
    read = get(api, other_buyer, standing_url(standing.pk))
    stopped = post(api, other_buyer, standing_url(standing.pk, "deactivate"))
    nobodys = post(api, other_buyer, standing_url(999999, "deactivate"))

    assert listed["count"] == 0
    assert (read.status_code, read.json()) == (404, NOT_FOUND)
    assert (stopped.status_code, stopped.json()) == (404, NOT_FOUND)
    assert (nobodys.status_code, nobodys.json()) == (404, NOT_FOUND)
    assert StandingOrder.objects.get().is_active is True


def test_another_canteens_order_cannot_be_saved_as_a_template(
    api, canteen, buyer, chicken, other_canteen, other_buyer
):
    placed = post(api, buyer, ORDERS, body(("QY-CHICKEN", 2)))

    answer = post(
        api,
        other_buyer,
        order_url(placed.json()["number"], "save-as-standing"),
        {"name": "x", "days_ahead": 3, "mode": "draft"},
    )

    assert (answer.status_code, answer.json()) == (404, NOT_FOUND)
    assert saved_state() == [[], []]


def test_an_approver_here_who_buys_elsewhere_cannot_stop_or_copy_here(
    api, standing, approver, buyer
):
    """The role is checked at the standing order's canteen (by the service)."""
    make_canteen(name="荔湾区食堂", buyers=[approver])
    placed = post(api, buyer, ORDERS, body(("QY-CHICKEN", 1)))
    before = saved_state()

    stopped = post(api, approver, standing_url(standing.pk, "deactivate"))
    copied = post(
        api,
        approver,
        order_url(placed.json()["number"], "save-as-standing"),
        {"name": "x", "days_ahead": 3, "mode": "draft"},
    )

    assert (stopped.status_code, stopped.json()) == (404, NOT_FOUND)
    assert (copied.status_code, copied.json()) == (404, NOT_FOUND)
    assert saved_state() == before


@pytest.mark.parametrize("who", ["approver", "official", "manager", "staff", "shopper"])
def test_users_who_buy_for_no_canteen_cannot_write(
    api, standing, buyer, canteen, who, request
):
    user = request.getfixturevalue(who)
    placed = post(api, buyer, ORDERS, body(("QY-CHICKEN", 1)))
    number = placed.json()["number"]
    before, stock = saved_state(), stock_state()

    answers = [
        post(api, user, STANDING, template(("QY-CHICKEN", 1), organisation=canteen.pk)),
        post(api, user, standing_url(standing.pk, "deactivate")),
        post(api, user, standing_url(999999, "deactivate")),
        post(
            api,
            user,
            order_url(number, "save-as-standing"),
            {"name": "x", "days_ahead": 3, "mode": "draft"},
        ),
    ]

    assert [(a.status_code, a.json()) for a in answers] == [(403, BUYERS_ONLY)] * 4
    assert saved_state() == before
    assert stock_state() == stock


@pytest.mark.parametrize("who", ["official", "manager", "shopper"])
def test_users_of_no_canteen_read_no_standing_orders(api, standing, who, request):
    user = request.getfixturevalue(who)

    assert get(api, user, STANDING).json()["count"] == 0
    assert get(api, user, standing_url(standing.pk)).status_code == 404


def test_anonymous_requests_are_refused(api, standing, buyer):
    placed = post(api, buyer, ORDERS, body(("QY-CHICKEN", 1)))
    api.force_authenticate(None)

    answers = [
        api.get(STANDING),
        api.get(standing_url(standing.pk)),
        api.post(STANDING, template(("QY-CHICKEN", 1)), format="json"),
        api.post(standing_url(standing.pk, "deactivate"), {}, format="json"),
        api.post(
            order_url(placed.json()["number"], "save-as-standing"),
            {"name": "x", "days_ahead": 3, "mode": "draft"},
            format="json",
        ),
    ]

    assert [(a.status_code, a.json()) for a in answers] == [(401, NOT_SIGNED_IN)] * 5
    assert StandingOrder.objects.get().is_active is True
    assert StandingOrder.objects.count() == 1


# --- schema ---------------------------------------------------------------------------


def test_the_schema_documents_standing_orders_without_warnings(api, staff):
    GENERATOR_STATS.reset()
    api.force_authenticate(staff)

    response = api.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert not GENERATOR_STATS, "drf-spectacular warned"
    schema = response.json()
    paths = {
        path: sorted(methods)
        for path, methods in schema["paths"].items()
        if "standing" in path
    }
    assert paths == {
        "/api/v1/bulk-orders/{number}/save-as-standing/": ["post"],
        "/api/v1/standing-orders/": ["get", "post"],
        "/api/v1/standing-orders/{id}/": ["get"],
        "/api/v1/standing-orders/{id}/deactivate/": ["post"],
    }
    create = schema["paths"]["/api/v1/standing-orders/"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StandingOrderCreateRequest"
    }
    # DRF's own refusals (shop/api/schema.py) beside the view's answer.
    assert sorted(create["responses"]) == ["201", "400", "401", "403", "415", "429"]
    request = schema["components"]["schemas"]["StandingOrderCreateRequest"]
    assert sorted(request["required"]) == [
        "days_ahead",
        "lines",
        "mode",
        "name",
        "weekday",
    ]
    standing = schema["components"]["schemas"]["StandingOrder"]["properties"]
    assert standing["next_delivery_date"] == {
        "type": "string",
        "format": "date",
        "nullable": True,
        "readOnly": True,
    }
