"""Bad requests to the bulk-order API: each answers 4xx with a message on the field
at fault (``lines[i].quantity``, as the services name them), and nothing is ordered,
reserved or changed."""

import datetime

import pytest

from tests.factories import ProductFactory, UserFactory, make_canteen, make_lot
from tests.integration.bulk_api_helpers import (
    AVAILABILITY,
    ORDERS,
    allocation_url,
    body,
    day,
    get,
    order_url,
    post,
    stock_state,
)

pytestmark = pytest.mark.django_db

CANTEEN = "番禺区工厂食堂"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def buyer(db):
    return UserFactory(username="buyer")


@pytest.fixture
def canteen(buyer):
    return make_canteen(name=CANTEEN, buyers=[buyer])


@pytest.fixture
def chicken(cooperative):
    product = ProductFactory(title="清远鸡", upc="QY-CHICKEN")
    make_lot(cooperative=cooperative, product=product, kg="100", code="A-1")
    return product


@pytest.fixture
def before(canteen, chicken):
    return stock_state()


def refused(answer, status, expected, before):
    assert (answer.status_code, answer.json()) == (status, expected)
    assert stock_state() == before


# --- order lines ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "errors"),
    [
        ([("NO-SUCH-SKU", 1)], {"lines[0].sku": ["Unknown SKU NO-SUCH-SKU."]}),
        (
            [("QY-CHICKEN", 0)],
            {"lines[0].quantity": ["Order at least one unit of sale."]},
        ),
        (
            [("QY-CHICKEN", -3)],
            {"lines[0].quantity": ["Order at least one unit of sale."]},
        ),
        (
            [("QY-CHICKEN", 2), ("QY-CHICKEN", 1.5)],
            {"lines[1].quantity": ["A valid integer is required."]},
        ),
        (
            [("QY-CHICKEN", 2), (" QY-CHICKEN ", 1)],
            {"lines[1].sku": ["QY-CHICKEN is already ordered in line 1."]},
        ),
        (
            [("QY-CHICKEN", 10**30)],
            {"lines[0].quantity": ["At most 10000 units in one line."]},
        ),
        (
            [("QY-CHICKEN", 10001)],
            {"lines[0].quantity": ["At most 10000 units in one line."]},
        ),
        (
            [("QY-CHICKEN", "many")],
            {"lines[0].quantity": ["A valid integer is required."]},
        ),
        (
            [("QY-CHICKEN", True)],
            {"lines[0].quantity": ["A valid integer is required."]},
        ),
        (
            [("QY-CHICKEN", None)],
            {"lines[0].quantity": ["This field may not be null."]},
        ),
        ([("", 1)], {"lines[0].sku": ["This field may not be blank."]}),
        ([(["QY-CHICKEN"], 1)], {"lines[0].sku": ["Not a valid string."]}),
        (
            [("Q" * 65, 1)],
            {"lines[0].sku": ["Ensure this field has no more than 64 characters."]},
        ),
        ([], {"lines": ["Order at least one product."]}),
    ],
    ids=[
        "unknown-sku",
        "zero-units",
        "negative-units",
        "fractional-units",
        "duplicate-sku",
        "huge-units",
        "units-over-the-ceiling",
        "units-as-text",
        "units-as-boolean",
        "units-null",
        "blank-sku",
        "sku-as-list",
        "sku-too-long",
        "no-lines",
    ],
)
def test_a_bad_line_is_refused_with_its_position(api, buyer, before, lines, errors):
    answer = post(api, buyer, ORDERS, body(*lines))

    refused(answer, 400, errors, before)


def test_every_bad_line_is_reported_at_once(api, buyer, before):
    answer = post(
        api,
        buyer,
        ORDERS,
        body(("QY-CHICKEN", 1), ("NOPE", 1), ("QY-CHICKEN", 0)),
    )

    refused(
        answer,
        400,
        {
            "lines[1].sku": ["Unknown SKU NOPE."],
            "lines[2].quantity": ["Order at least one unit of sale."],
            "lines[2].sku": ["QY-CHICKEN is already ordered in line 1."],
        },
        before,
    )


def test_a_product_without_a_valid_certificate_cannot_be_ordered(api, buyer, before):
    ProductFactory(
        title="过期证书鸡",
        upc="QY-EXPIRED",
        certificate_valid_until=datetime.date(2020, 1, 1),
    )

    answer = post(api, buyer, ORDERS, body(("QY-EXPIRED", 1)))

    refused(
        answer,
        400,
        {
            "lines[0].sku": [
                "过期证书鸡 cannot be ordered: "
                "Certificate expired: not sold as poverty-area produce."
            ]
        },
        before,
    )


def test_a_product_not_on_sale_to_the_public_is_unknown(api, buyer, before):
    ProductFactory(upc="QY-HIDDEN", is_public=False)

    answer = post(api, buyer, ORDERS, body(("QY-HIDDEN", 1)))

    refused(answer, 400, {"lines[0].sku": ["Unknown SKU QY-HIDDEN."]}, before)


def test_more_than_500_lines_are_refused(api, buyer, before):
    lines = [(f"SKU-{n}", 1) for n in range(501)]

    answer = post(api, buyer, ORDERS, body(*lines))

    refused(
        answer,
        400,
        {"lines": ["Ensure this field has no more than 500 elements."]},
        before,
    )


# --- delivery dates -------------------------------------------------------------------


def test_a_past_date_is_refused(api, buyer, before):
    answer = post(api, buyer, ORDERS, body(("QY-CHICKEN", 1), when=day(-1)))

    earliest = day(1).isoformat()
    message = f"Deliveries need 1 days' notice: the earliest date is {earliest}."
    refused(answer, 400, {"delivery_date": [message]}, before)


def test_a_date_too_far_ahead_is_refused(api, buyer, before):
    answer = post(api, buyer, ORDERS, body(("QY-CHICKEN", 1), when=day(29)))

    latest = day(28).isoformat()
    message = f"Orders can be placed at most 28 days ahead (until {latest})."
    refused(answer, 400, {"delivery_date": [message]}, before)


def test_a_day_the_canteen_takes_no_deliveries_is_refused(api, chicken):
    buyer = UserFactory(username="weekday_buyer")
    delivery = day(7)
    others = [d for d in range(1, 8) if d != delivery.isoweekday()]
    make_canteen(name="周末不收货食堂", buyers=[buyer], delivery_weekdays=others)
    before = stock_state()

    answer = post(api, buyer, ORDERS, body(("QY-CHICKEN", 1), when=delivery))

    message = f"周末不收货食堂 takes no deliveries on {delivery.strftime('%A')}."
    refused(answer, 400, {"delivery_date": [message]}, before)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "Date has wrong format. Use one of these formats instead: "),
        ("tomorrow", "Date has wrong format. Use one of these formats instead: "),
        (20261201, "Date has wrong format. Use one of these formats instead: "),
        (None, "This field may not be null."),
    ],
)
def test_a_malformed_date_is_refused(api, buyer, before, value, message):
    data = {**body(("QY-CHICKEN", 1)), "delivery_date": value}
    if message.endswith(": "):
        message += "YYYY-MM-DD."

    answer = post(api, buyer, ORDERS, data)

    refused(answer, 400, {"delivery_date": [message]}, before)


# --- the body's shape -----------------------------------------------------------------


def test_malformed_json_is_refused(api, buyer, before):
    api.force_authenticate(buyer)

    answer = api.post(
        ORDERS, '{"delivery_date": "x", "lines": [', content_type="application/json"
    )

    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("JSON parse error - ")
    assert stock_state() == before


def test_a_form_body_is_refused(api, buyer, before):
    api.force_authenticate(buyer)

    answer = api.post(ORDERS, {"delivery_date": day().isoformat()})

    refused(
        answer,
        415,
        {
            "detail": 'Unsupported media type "multipart/form-data; '
            'boundary=BoUnDaRyStRiNg; charset=utf-8" in request.'
        },
        before,
    )


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            [],
            {
                "non_field_errors": [
                    "Invalid data. Expected a dictionary, but got list."
                ]
            },
        ),
        (
            {"delivery_date": day().isoformat()},
            {"lines": ["This field is required."]},
        ),
        (
            {"delivery_date": day().isoformat(), "lines": "QY-CHICKEN"},
            {"lines": ['Expected a list of items but got type "str".']},
        ),
        (
            {"delivery_date": day().isoformat(), "lines": ["QY-CHICKEN"]},
            {"lines[0]": ["Invalid data. Expected a dictionary, but got str."]},
        ),
        (
            {"delivery_date": day().isoformat(), "lines": [{"sku": "QY-CHICKEN"}]},
            {"lines[0].quantity": ["This field is required."]},
        ),
        (
            {**body(("QY-CHICKEN", 1)), "all_or_nothing": "maybe"},
            {"all_or_nothing": ["Must be a valid boolean."]},
        ),
        (
            {**body(("QY-CHICKEN", 1)), "note": "长" * 2001},
            {"note": ["Ensure this field has no more than 2000 characters."]},
        ),
        (
            {**body(("QY-CHICKEN", 1)), "organisation": "mine"},
            {"organisation": ["A valid integer is required."]},
        ),
    ],
    ids=[
        "a-list",
        "no-lines",
        "lines-not-a-list",
        "line-not-an-object",
        "line-without-quantity",
        "boolean-not-a-boolean",
        "note-too-long",
        "organisation-as-text",
    ],
)
def test_a_body_of_the_wrong_shape_is_refused(api, buyer, before, data, errors):
    answer = post(api, buyer, ORDERS, data)

    refused(answer, 400, errors, before)


def test_a_huge_canteen_id_is_refused(api, buyer, before):
    answer = post(api, buyer, ORDERS, body(("QY-CHICKEN", 1), organisation=10**30))

    # The message is ScopedIdField's (shop.api.fields): out of range, or not
    # found; either way a 400 on the field, never a crash.
    assert (answer.status_code, list(answer.json())) == (400, ["organisation"])
    assert stock_state() == before


def test_a_buyer_of_several_canteens_must_name_one(api, buyer, canteen, before):
    make_canteen(name="第二食堂", buyers=[buyer])
    before = stock_state()

    answer = post(api, buyer, ORDERS, body(("QY-CHICKEN", 1)))

    refused(
        answer, 400, {"organisation": ["Say which canteen the order is for."]}, before
    )


def test_an_idempotency_key_over_255_characters_is_refused(api, buyer, before):
    answer = post(
        api, buyer, ORDERS, body(("QY-CHICKEN", 1)), HTTP_IDEMPOTENCY_KEY="k" * 256
    )

    refused(
        answer,
        400,
        {"idempotency_key": ["Ensure this field has no more than 255 characters."]},
        before,
    )


# --- stock ----------------------------------------------------------------------------


def test_an_all_or_nothing_order_short_of_stock_reserves_nothing(api, buyer, before):
    answer = post(api, buyer, ORDERS, body(("QY-CHICKEN", 21), all_or_nothing=True))

    assert answer.status_code == 409
    data = answer.json()
    assert (data["code"], data["lines"]) == (
        "insufficient_stock",
        ["Not enough fresh stock for every line; nothing was ordered."],
    )
    assert data["short_kg"] == {"QY-CHICKEN": "5.000"}
    assert stock_state() == before


def test_an_order_short_of_stock_without_all_or_nothing_is_routed_short(
    api, buyer, before
):
    answer = post(api, buyer, ORDERS, body(("QY-CHICKEN", 21)))

    assert answer.status_code == 201
    assert answer.json()["status"] == "routed_short"
    assert answer.json()["lines"][0]["short_kg"] == "5.000"


# --- actions on orders and allocations ------------------------------------------------


@pytest.fixture
def order(api, buyer, canteen, chicken):
    placed = post(api, buyer, ORDERS, body(("QY-CHICKEN", 4)))
    assert placed.status_code == 201
    return placed.json()


def test_another_canteens_order_number_is_not_found(api, order, chicken):
    other = UserFactory(username="other_buyer")
    make_canteen(name="其他食堂", buyers=[other])
    before = stock_state()

    answer = post(api, other, order_url(order["number"], "cancel"))

    refused(answer, 404, {"detail": "Not found."}, before)


@pytest.mark.parametrize("number", ["B99999999", "x" * 300, "%20", "1e30"])
def test_order_numbers_that_do_not_exist_are_not_found(api, buyer, order, number):
    before = stock_state()

    answer = post(api, buyer, order_url(number, "cancel"))

    refused(answer, 404, {"detail": "Not found."}, before)


def test_an_order_that_cannot_be_received_yet_is_a_conflict(api, buyer, order):
    before = stock_state()
    line = order["lines"][0]["id"]

    answer = post(
        api,
        buyer,
        order_url(order["number"], "receipt"),
        {"lines": [{"line": line, "received_kg": "20"}]},
    )

    refused(
        answer,
        409,
        {"status": ["Only a delivered order can be received."], "code": "conflict"},
        before,
    )


def test_a_cancelled_order_cannot_be_cancelled_again(api, buyer, order):
    post(api, buyer, order_url(order["number"], "cancel"))
    before = stock_state()

    answer = post(api, buyer, order_url(order["number"], "cancel"))

    refused(
        answer,
        409,
        {
            "status": [
                "An order that has shipped or been received cannot be cancelled."
            ],
            "code": "conflict",
        },
        before,
    )


def test_an_order_not_awaiting_approval_cannot_be_approved(api, order, canteen):
    approver = UserFactory(username="approver")
    make_canteen(name="审批人食堂", buyers=[approver])
    canteen.members.create(user=approver, role="approver")
    before = stock_state()

    answer = post(api, approver, order_url(order["number"], "approve"))

    refused(
        answer,
        409,
        {"status": ["This order is not awaiting approval."], "code": "conflict"},
        before,
    )


def test_a_decline_needs_a_reason(api, order, canteen):
    approver = UserFactory(username="approver")
    canteen.members.create(user=approver, role="approver")
    before = stock_state()

    blank = post(api, approver, order_url(order["number"], "decline"), {"reason": " "})
    missing = post(api, approver, order_url(order["number"], "decline"))

    assert (blank.status_code, blank.json()) == (
        400,
        {"reason": ["This field may not be blank."]},
    )
    refused(missing, 400, {"reason": ["This field is required."]}, before)


@pytest.fixture
def delivered(api, buyer, manager, staff, order):
    allocation = order["lines"][0]["allocations"][0]["id"]
    post(api, manager, allocation_url(allocation, "accept"))
    post(api, manager, allocation_url(allocation, "ship"), {"kg": "20"})
    answer = post(api, staff, order_url(order["number"], "deliver"))
    assert answer.json()["status"] == "delivered"
    return answer.json()


# A line the service refuses is also missing from the receipt.
MISSING = ["Give the received kg of every line that was shipped (missing: {line})."]


@pytest.mark.parametrize(
    ("line", "received", "errors"),
    [
        (
            "other",
            "20",
            {"lines[0].line": ["This line is not in the order."], "lines": MISSING},
        ),
        (
            "own",
            "-1",
            {
                "lines[0].received_kg": ["Kilograms must be greater than zero."],
                "lines": MISSING,
            },
        ),
        (
            "own",
            "22.001",
            {
                "lines[0].received_kg": [
                    "22.001 kg is far more than the 20.000 kg shipped."
                ],
                "lines": MISSING,
            },
        ),
        (
            "own",
            "1.0001",
            {
                "lines[0].received_kg": [
                    "Ensure that there are no more than 3 decimal places."
                ]
            },
        ),
        (
            "own",
            "1e20",
            {
                "lines[0].received_kg": [
                    "Ensure that there are no more than 12 digits in total."
                ]
            },
        ),
        ("own", "lots", {"lines[0].received_kg": ["A valid number is required."]}),
        (
            "huge",
            "20",
            {
                "lines[0].line": [
                    "Ensure this value is less than or equal to 9223372036854775807."
                ]
            },
        ),
    ],
    ids=[
        "unknown-line",
        "negative-kg",
        "far-too-much",
        "beyond-the-gram",
        "huge-kg",
        "kg-as-text",
        "huge-line-id",
    ],
)
def test_a_bad_receipt_is_refused(api, buyer, delivered, line, received, errors):
    own = delivered["lines"][0]["id"]
    line_id = {"own": own, "other": own + 1000, "huge": 10**30}[line]
    errors = {
        name: [m.format(line=own) for m in messages]
        for name, messages in errors.items()
    }
    before = stock_state()

    answer = post(
        api,
        buyer,
        order_url(delivered["number"], "receipt"),
        {"lines": [{"line": line_id, "received_kg": received}]},
    )

    refused(answer, 400, errors, before)


def test_a_receipt_naming_a_line_twice_is_refused(api, buyer, delivered):
    own = delivered["lines"][0]["id"]
    before = stock_state()

    answer = post(
        api,
        buyer,
        order_url(delivered["number"], "receipt"),
        {
            "lines": [
                {"line": own, "received_kg": "20"},
                {"line": own, "received_kg": "19"},
            ]
        },
    )

    refused(answer, 400, {"lines[1].line": ["This line is given twice."]}, before)


@pytest.mark.parametrize(
    ("verb", "data", "status", "errors"),
    [
        ("reject", {"reason": ""}, 400, {"reason": ["This field may not be blank."]}),
        ("reject", {}, 400, {"reason": ["This field is required."]}),
        (
            "reject",
            {"reason": "长" * 256},
            400,
            {"reason": ["Ensure this field has no more than 255 characters."]},
        ),
        ("ship", {}, 400, {"kg": ["This field is required."]}),
        ("ship", {"kg": "0"}, 400, {"kg": ["Kilograms must be greater than zero."]}),
        ("ship", {"kg": "-5"}, 400, {"kg": ["Kilograms must be greater than zero."]}),
        (
            "ship",
            {"kg": "1e15"},
            400,
            {"kg": ["Ensure that there are no more than 12 digits in total."]},
        ),
        ("ship", {"kg": "NaN"}, 400, {"kg": ["A valid number is required."]}),
        (
            "ship",
            {"kg": "5"},
            409,
            {
                "status": [
                    "Accept the allocation before shipping it "
                    "(it is Awaiting the cooperative)."
                ],
                "code": "conflict",
            },
        ),
    ],
    ids=[
        "blank-reason",
        "no-reason",
        "reason-too-long",
        "no-kg",
        "zero-kg",
        "negative-kg",
        "huge-kg",
        "nan-kg",
        "ship-before-accepting",
    ],
)
def test_a_bad_answer_to_an_allocation_is_refused(
    api, manager, order, verb, data, status, errors
):
    allocation = order["lines"][0]["allocations"][0]["id"]
    before = stock_state()

    answer = post(api, manager, allocation_url(allocation, verb), data)

    refused(answer, status, errors, before)


def test_shipping_more_than_the_lot_holds_is_a_conflict(api, manager, order):
    allocation = order["lines"][0]["allocations"][0]["id"]
    post(api, manager, allocation_url(allocation, "accept"))
    before = stock_state()

    answer = post(api, manager, allocation_url(allocation, "ship"), {"kg": "100.001"})

    refused(
        answer,
        409,
        {
            "status": ["Lot A-1 holds only 100.000 kg for this allocation."],
            "code": "conflict",
        },
        before,
    )


@pytest.mark.parametrize(
    ("allocation_id", "detail"),
    [
        ("999999", "Not found."),
        (str(10**30), "Not found."),
        ("x", "Not found."),
    ],
)
def test_allocation_ids_that_do_not_exist_are_not_found(
    api, manager, order, allocation_id, detail
):
    before = stock_state()

    answer = post(api, manager, f"/api/v1/allocations/{allocation_id}/accept/")

    refused(answer, 404, {"detail": detail}, before)


# --- availability ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({}, {"delivery_date": ["This field is required."]}),
        (
            {"delivery_date": "soon"},
            {
                "delivery_date": [
                    "Date has wrong format. Use one of these formats instead: "
                    "YYYY-MM-DD."
                ]
            },
        ),
        (
            {"delivery_date": day().isoformat(), "sku": "Q" * 65},
            {"sku[0]": ["Ensure this field has no more than 64 characters."]},
        ),
    ],
    ids=["no-date", "bad-date", "sku-too-long"],
)
def test_bad_availability_queries_are_refused(api, buyer, chicken, params, errors):
    answer = get(api, buyer, AVAILABILITY, **params)

    assert (answer.status_code, answer.json()) == (400, errors)
