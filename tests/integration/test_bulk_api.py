"""The bulk-order API end to end: placing, the cooperatives' answers, delivery and
receipt, approval and drafts, idempotent retries, availability, query counts and
the OpenAPI schema."""

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework import serializers

from fulfilment import placing
from fulfilment.models import Allocation, BulkOrder
from fulfilment.validation import LineInput
from suppliers.models import StockLot
from tests.factories import (
    ProductFactory,
    UserFactory,
    make_canteen,
    make_lot,
)
from tests.integration.bulk_api_helpers import (
    ALLOCATIONS,
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

CANTEEN = "天河区机关食堂"


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
def canteen(buyer, approver):
    return make_canteen(name=CANTEEN, buyers=[buyer], approvers=[approver])


@pytest.fixture
def chicken(db):
    return ProductFactory(title="清远鸡", upc="QY-CHICKEN")


@pytest.fixture
def greens(db):
    return ProductFactory(
        title="连州菜心", upc="QY-GREENS", unit_of_sale="2 kg 袋", net_weight_kg=2
    )


@pytest.fixture
def lot(cooperative, chicken):
    return make_lot(cooperative=cooperative, product=chicken, kg="100", code="A-1")


def when(value) -> str:
    return serializers.DateTimeField().to_representation(value)


def order_status_changes(number):
    changes = apps.get_model("order", "OrderStatusChange").objects
    return list(
        changes.filter(order__number=number)
        .order_by("pk")
        .values_list("old_status", "new_status")
    )


# --- the whole path -------------------------------------------------------------------


def test_an_order_is_placed_routed_accepted_shipped_delivered_and_received(
    api, canteen, buyer, manager, staff, cooperative, chicken, lot
):
    placed = post(api, buyer, ORDERS, body(("QY-CHICKEN", 4), note="早上七点前送到"))

    bulk_order = BulkOrder.objects.select_related("order").get()
    allocation = Allocation.objects.get()
    number = bulk_order.order.number
    line_id = bulk_order.bulk_lines.get().pk
    assert placed.status_code == 201
    assert placed.json() == {
        "number": number,
        "status": "routed",
        "status_display": "Routed",
        "delivery_date": day().isoformat(),
        "organisation": {"id": canteen.pk, "name": CANTEEN},
        "all_or_nothing": False,
        "placed_at": when(bulk_order.order.date_placed),
        "total": "400.00",
        "lines": [
            {
                "id": line_id,
                "sku": "QY-CHICKEN",
                "title": "清远鸡",
                "units": 4,
                "unit_kg": "5.000",
                "ordered_kg": "20.000",
                "short_kg": "0.000",
                "unit_price": "100.00",
                "received_kg": None,
                "allocations": [
                    {
                        "id": allocation.pk,
                        "cooperative": {
                            "id": cooperative.pk,
                            "name": "英德市万仔蚕桑专业合作社",
                        },
                        "lot": {"id": lot.pk, "code": "A-1"},
                        "kg": "20.000",
                        "status": "pending",
                    }
                ],
            }
        ],
        "receipt": None,
    }
    assert bulk_order.order.notes.get().message == "早上七点前送到"

    listed = get(api, manager, ALLOCATIONS)
    assert listed.status_code == 200
    expected = {
        "id": allocation.pk,
        "order": number,
        "delivery_date": day().isoformat(),
        "canteen": CANTEEN,
        "cooperative": {"id": cooperative.pk, "name": "英德市万仔蚕桑专业合作社"},
        "product": {"id": chicken.pk, "sku": "QY-CHICKEN", "title": "清远鸡"},
        "lot": {"id": lot.pk, "code": "A-1"},
        "kg": "20.000",
        "shipped_kg": None,
        "status": "pending",
        "respond_by": when(allocation.respond_by),
    }
    assert listed.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [expected],
    }

    accepted = post(api, manager, allocation_url(allocation.pk, "accept"))
    assert (accepted.status_code, accepted.json()) == (
        200,
        {**expected, "status": "accepted"},
    )
    assert get(api, buyer, order_url(number)).json()["status"] == "accepted"

    shipped = post(api, manager, allocation_url(allocation.pk, "ship"), {"kg": "19.5"})
    assert (shipped.status_code, shipped.json()) == (
        200,
        {**expected, "status": "shipped", "shipped_kg": "19.500"},
    )
    assert get(api, buyer, order_url(number)).json()["status"] == "shipped"

    delivered = post(api, staff, order_url(number, "deliver"))
    assert delivered.status_code == 200
    assert delivered.json()["status"] == "delivered"
    assert delivered.json()["lines"][0]["allocations"][0]["status"] == "delivered"

    received = post(
        api,
        buyer,
        order_url(number, "receipt"),
        {
            "lines": [{"line": line_id, "received_kg": "19.000", "note": "少了半公斤"}],
            "note": "已验收",
        },
    )

    receipt = bulk_order.receipt
    assert received.status_code == 200
    data = received.json()
    assert (data["status"], data["status_display"]) == ("received", "Received")
    assert data["lines"][0]["received_kg"] == "19.000"
    assert data["receipt"] == {
        "received_at": when(receipt.created_at),
        "note": "已验收",
        "lines": [
            {
                "line": line_id,
                "shipped_kg": "19.500",
                "received_kg": "19.000",
                "amount": "380.00",  # 19 kg at 100 yuan per 5 kg crate
                "flagged": True,  # 0.5 kg short is outside the 2% tolerance
                "note": "少了半公斤",
            }
        ],
    }
    assert order_status_changes(number) == [
        ("", "placed"),
        ("placed", "routed"),
        ("routed", "accepted"),
        ("accepted", "shipped"),
        ("shipped", "delivered"),
        ("delivered", "received"),
    ]
    lot.refresh_from_db()
    assert (lot.on_hand_kg, lot.reserved_kg) == (80.5, 0)


def test_a_line_split_over_two_cooperatives_shows_each_manager_only_its_share(
    api, canteen, buyer, manager, other_manager, cooperative, other_cooperative, chicken
):
    make_lot(cooperative=cooperative, product=chicken, kg="10", code="A-1")
    make_lot(cooperative=other_cooperative, product=chicken, kg="10", code="B-1")

    placed = post(api, buyer, ORDERS, body(("QY-CHICKEN", 4)))

    assert placed.status_code == 201
    line = placed.json()["lines"][0]
    assert [(a["cooperative"]["id"], a["kg"]) for a in line["allocations"]] == [
        (cooperative.pk, "10.000"),
        (other_cooperative.pk, "10.000"),
    ]
    mine = get(api, manager, ALLOCATIONS).json()["results"]
    theirs = get(api, other_manager, ALLOCATIONS).json()["results"]
    assert [(a["cooperative"]["id"], a["lot"]["code"]) for a in mine] == [
        (cooperative.pk, "A-1")
    ]
    assert [(a["cooperative"]["id"], a["lot"]["code"]) for a in theirs] == [
        (other_cooperative.pk, "B-1")
    ]


def test_a_manager_sees_only_its_own_line_of_a_multi_cooperative_order(
    api, canteen, buyer, manager, cooperative, other_cooperative, chicken, greens, lot
):
    make_lot(cooperative=other_cooperative, product=greens, kg="50", code="B-1")
    placed = post(api, buyer, ORDERS, body(("QY-CHICKEN", 2), ("QY-GREENS", 3)))
    number = placed.json()["number"]

    listed = get(api, manager, ALLOCATIONS).json()

    assert listed["count"] == 1
    (only,) = listed["results"]
    assert (only["product"]["sku"], only["lot"]["code"]) == ("QY-CHICKEN", "A-1")
    assert sorted(only) == [
        "canteen",
        "cooperative",
        "delivery_date",
        "id",
        "kg",
        "lot",
        "order",
        "product",
        "respond_by",
        "shipped_kg",
        "status",
    ]
    assert get(api, manager, order_url(number)).status_code == 404


# --- the buyer's and approver's actions -----------------------------------------------


def test_a_buyer_cancels_a_routed_order_and_the_kilograms_are_released(
    api, canteen, buyer, lot
):
    number = post(api, buyer, ORDERS, body(("QY-CHICKEN", 4))).json()["number"]

    cancelled = post(api, buyer, order_url(number, "cancel"), {"reason": "菜单改了"})

    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["status_display"]) == (
        "cancelled",
        "Cancelled",
    )
    assert cancelled.json()["lines"][0]["allocations"][0]["status"] == "cancelled"
    assert Allocation.objects.get().events.last().reason == "菜单改了"
    lot.refresh_from_db()
    assert (lot.on_hand_kg, lot.reserved_kg) == (100, 0)


def test_an_order_above_the_threshold_waits_for_the_approver(api, buyer, approver, lot):
    make_canteen(buyers=[buyer], approvers=[approver], approval_threshold="300.00")

    placed = post(api, buyer, ORDERS, body(("QY-CHICKEN", 4)))

    assert placed.status_code == 201
    assert placed.json()["status"] == "awaiting_approval"
    assert placed.json()["lines"][0]["allocations"] == []
    assert not Allocation.objects.exists()

    approved = post(api, approver, order_url(placed.json()["number"], "approve"))

    assert approved.status_code == 200
    assert approved.json()["status"] == "routed"
    assert [a["kg"] for a in approved.json()["lines"][0]["allocations"]] == ["20.000"]
    assert BulkOrder.objects.get().approved_by == approver


def test_an_approver_declines_an_order_and_it_is_cancelled(api, buyer, approver, lot):
    make_canteen(buyers=[buyer], approvers=[approver], approval_threshold="300.00")
    number = post(api, buyer, ORDERS, body(("QY-CHICKEN", 4))).json()["number"]

    declined = post(api, approver, order_url(number, "decline"), {"reason": "太贵"})

    assert declined.status_code == 200
    assert declined.json()["status"] == "cancelled"
    assert order_status_changes(number) == [
        ("", "awaiting_approval"),
        ("awaiting_approval", "cancelled"),
    ]


def test_an_order_that_needed_no_approval_cannot_be_declined(
    api, canteen, buyer, approver, lot
):
    number = post(api, buyer, ORDERS, body(("QY-CHICKEN", 4))).json()["number"]
    before = stock_state()

    declined = post(api, approver, order_url(number, "decline"), {"reason": "太贵"})

    assert declined.status_code == 409
    assert declined.json() == {
        "status": ["Only an order awaiting approval can be declined."],
        "code": "conflict",
    }
    assert stock_state() == before


def test_a_buyer_confirms_a_standing_orders_draft(api, canteen, buyer, lot):
    draft = placing.place_bulk_order(
        user=buyer,
        data=placing.OrderInput(
            organisation_id=canteen.pk,
            delivery_date=day(),
            lines=(LineInput("QY-CHICKEN", 2),),
        ),
        as_draft=True,
    ).bulk_order
    number = draft.order.number
    assert get(api, buyer, order_url(number)).json()["status"] == "draft"

    confirmed = post(api, buyer, order_url(number, "confirm"))

    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "routed"
    assert [a["kg"] for a in confirmed.json()["lines"][0]["allocations"]] == ["10.000"]


def test_a_rejected_allocation_is_routed_to_another_cooperative(
    api,
    canteen,
    buyer,
    manager,
    cooperative,
    other_cooperative,
    chicken,
    lot,
    django_capture_on_commit_callbacks,
):
    make_lot(cooperative=other_cooperative, product=chicken, kg="100", code="B-1")
    # Far enough ahead that the shortfall is still re-routed (before the cut-off).
    number = post(api, buyer, ORDERS, body(("QY-CHICKEN", 4), when=day(3))).json()[
        "number"
    ]
    first = Allocation.objects.get()
    assert first.cooperative == cooperative

    with django_capture_on_commit_callbacks(execute=True):
        rejected = post(
            api, manager, allocation_url(first.pk, "reject"), {"reason": "鸡还没长大"}
        )

    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    order = get(api, buyer, order_url(number)).json()
    assert order["status"] == "routed"
    assert [
        (a["cooperative"]["id"], a["lot"]["code"], a["kg"], a["status"])
        for a in order["lines"][0]["allocations"]
    ] == [
        (cooperative.pk, "A-1", "20.000", "rejected"),
        (other_cooperative.pk, "B-1", "20.000", "pending"),
    ]
    assert get(api, manager, ALLOCATIONS).json()["results"][0]["status"] == "rejected"


def test_lists_filter_by_status_and_delivery_date(api, canteen, buyer, manager, lot):
    routed = post(api, buyer, ORDERS, body(("QY-CHICKEN", 1))).json()["number"]
    later = post(api, buyer, ORDERS, body(("QY-CHICKEN", 1), when=day(2))).json()
    post(api, buyer, order_url(later["number"], "cancel"))

    def numbers(**params):
        return [
            o["number"] for o in get(api, buyer, ORDERS, **params).json()["results"]
        ]

    assert numbers() == [later["number"], routed]
    assert numbers(status="routed") == [routed]
    assert numbers(status="cancelled") == [later["number"]]
    assert numbers(delivery_date=day(2).isoformat()) == [later["number"]]
    assert numbers(status="received") == []

    def allocation_orders(**params):
        results = get(api, manager, ALLOCATIONS, **params).json()["results"]
        return [(a["order"], a["status"]) for a in results]

    assert allocation_orders(status="pending") == [(routed, "pending")]
    assert allocation_orders(delivery_date=day(2).isoformat()) == [
        (later["number"], "cancelled")
    ]


# --- idempotency ----------------------------------------------------------------------


def test_a_retry_with_the_same_key_and_body_answers_the_first_order(
    api, canteen, buyer, lot
):
    order = body(("QY-CHICKEN", 4))
    first = post(api, buyer, ORDERS, order, HTTP_IDEMPOTENCY_KEY="order-0001")

    again = post(api, buyer, ORDERS, order, HTTP_IDEMPOTENCY_KEY="order-0001")

    assert (first.status_code, again.status_code) == (201, 200)
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert BulkOrder.objects.count() == 1
    lot.refresh_from_db()
    assert lot.reserved_kg == 20


def test_the_same_key_with_another_body_is_refused_and_orders_nothing(
    api, canteen, buyer, lot
):
    post(api, buyer, ORDERS, body(("QY-CHICKEN", 4)), HTTP_IDEMPOTENCY_KEY="k-1")
    before = stock_state()

    other = post(
        api, buyer, ORDERS, body(("QY-CHICKEN", 5)), HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert other.status_code == 422
    assert other.json() == {
        "idempotency_key": ["This Idempotency-Key was used for a different order."],
        "code": "idempotency_key_reused",
    }
    assert stock_state() == before


def test_requests_without_a_key_place_an_order_each(api, canteen, buyer, lot):
    order = body(("QY-CHICKEN", 1))

    first = post(api, buyer, ORDERS, order)
    second = post(api, buyer, ORDERS, order)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["number"] != second.json()["number"]
    assert BulkOrder.objects.count() == 2


def test_a_buyer_of_one_canteen_need_not_name_it(api, canteen, buyer, lot):
    named = post(api, buyer, ORDERS, body(("QY-CHICKEN", 1), organisation=canteen.pk))
    unnamed = post(api, buyer, ORDERS, body(("QY-CHICKEN", 1)))

    assert (named.status_code, unnamed.status_code) == (201, 201)
    assert named.json()["organisation"] == unnamed.json()["organisation"]


def test_a_buyer_of_two_canteens_orders_for_the_one_named(api, canteen, buyer, lot):
    second = make_canteen(name="海珠区医院食堂", buyers=[buyer])

    placed = post(api, buyer, ORDERS, body(("QY-CHICKEN", 1), organisation=second.pk))

    assert placed.status_code == 201
    assert placed.json()["organisation"] == {"id": second.pk, "name": "海珠区医院食堂"}


# --- availability ---------------------------------------------------------------------


def test_availability_counts_whole_units_still_free_for_the_date(
    api, canteen, buyer, cooperative, chicken, greens, lot
):
    make_lot(cooperative=cooperative, product=greens, kg="9", unit_price="30.00")
    post(api, buyer, ORDERS, body(("QY-CHICKEN", 4)))

    answer = get(
        api,
        buyer,
        AVAILABILITY,
        delivery_date=day().isoformat(),
        sku=["QY-GREENS", "QY-CHICKEN", "NO-SUCH-SKU"],
    )

    assert answer.status_code == 200
    assert answer.json() == [
        {
            "sku": "QY-CHICKEN",
            "title": "清远鸡",
            "unit_of_sale": "5 kg 箱",
            "unit_kg": "5.000",
            "price": "100.00",
            "units_available": 16,  # 80 kg free of 100
            "kg_available": "80.000",
            "orderable": True,
            "reason": None,
        },
        {
            "sku": "QY-GREENS",
            "title": "连州菜心",
            "unit_of_sale": "2 kg 袋",
            "unit_kg": "2.000",
            "price": "30.00",
            "units_available": 4,  # 9 kg: four whole 2 kg bags
            "kg_available": "8.000",
            "orderable": True,
            "reason": None,
        },
    ]


def test_availability_without_skus_lists_every_public_product(
    api, buyer, cooperative, chicken, greens, lot
):
    hidden = ProductFactory(title="下架产品", is_public=False)
    make_lot(cooperative=cooperative, product=hidden, kg="50")

    answer = get(api, buyer, AVAILABILITY, delivery_date=day(12).isoformat())

    # Lot A-1 is best before day 10: nothing fresh enough on day 12.
    assert [(row["sku"], row["units_available"]) for row in answer.json()] == [
        ("QY-CHICKEN", 0),
        ("QY-GREENS", 0),
    ]


def test_availability_offers_no_units_of_a_product_whose_certificate_expires_first(
    api, canteen, buyer, cooperative, chicken, greens, lot
):
    # Certified until the day before delivery: placing the order refuses it.
    greens.certificate_valid_until = day(1)
    greens.save()
    make_lot(cooperative=cooperative, product=greens, kg="9", unit_price="30.00")

    answer = get(
        api,
        buyer,
        AVAILABILITY,
        delivery_date=day(2).isoformat(),
        sku=["QY-GREENS", "QY-CHICKEN"],
    )
    refused = post(api, buyer, ORDERS, body(("QY-GREENS", 1), when=day(2)))

    assert answer.status_code == 200
    assert [
        (row["sku"], row["units_available"], row["orderable"], row["reason"])
        for row in answer.json()
    ] == [
        ("QY-CHICKEN", 20, True, None),
        (
            "QY-GREENS",
            0,
            False,
            "Certificate expired: not sold as poverty-area produce",
        ),
    ]
    assert refused.status_code == 400


# --- queries --------------------------------------------------------------------------


def count_queries(api, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(url).status_code == 200
    return len(captured)


def test_reading_orders_and_allocations_does_not_grow_with_lines(
    api, canteen, buyer, manager, staff, cooperative, django_assert_max_num_queries
):
    products = [ProductFactory() for _ in range(30)]
    for product in products:
        make_lot(cooperative=cooperative, product=product, kg="50")
    small = post(api, buyer, ORDERS, body(*[(p.upc, 1) for p in products[:2]]))
    assert small.status_code == 201
    api.force_authenticate(buyer)
    api.get(ORDERS)  # the user's canteens are read once per request user
    few_one = count_queries(api, order_url(small.json()["number"]))
    few_list = count_queries(api, ORDERS)
    api.force_authenticate(manager)
    api.get(ALLOCATIONS)
    few_allocations = count_queries(api, ALLOCATIONS)

    large = post(api, buyer, ORDERS, body(*[(p.upc, 1) for p in products]))
    assert len(large.json()["lines"]) == 30

    api.force_authenticate(buyer)
    with django_assert_max_num_queries(few_one):
        api.get(order_url(large.json()["number"]))
    with django_assert_max_num_queries(few_list):
        assert api.get(ORDERS).json()["count"] == 2
    api.force_authenticate(manager)
    with django_assert_max_num_queries(few_allocations):
        assert api.get(ALLOCATIONS).json()["count"] == 32
    api.force_authenticate(staff)
    staff_few = count_queries(api, ALLOCATIONS + "?page_size=2")
    with django_assert_max_num_queries(staff_few):
        api.get(ALLOCATIONS + "?page_size=32")


def test_placing_an_order_does_not_grow_with_lines(
    api, canteen, buyer, cooperative, django_assert_max_num_queries
):
    products = [ProductFactory() for _ in range(30)]
    for product in products:
        make_lot(cooperative=cooperative, product=product, kg="50")
    api.force_authenticate(buyer)
    with CaptureQueriesContext(connection) as few:
        small = api.post(ORDERS, body(*[(p.upc, 1) for p in products[:2]]), "json")
    assert small.status_code == 201

    with django_assert_max_num_queries(len(few)):
        large = api.post(ORDERS, body(*[(p.upc, 2) for p in products]), "json")

    assert large.status_code == 201
    assert (
        sorted(StockLot.objects.values_list("reserved_kg", flat=True))
        == [10] * 28 + [15] * 2
    )


# --- schema ---------------------------------------------------------------------------


def test_the_schema_documents_the_bulk_order_api_without_warnings(api, staff):
    GENERATOR_STATS.reset()
    api.force_authenticate(staff)

    response = api.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert not GENERATOR_STATS, "drf-spectacular warned"
    schema = response.json()
    assert {
        path: sorted(methods)
        for path, methods in schema["paths"].items()
        if path.split("/")[3] in ("bulk-orders", "allocations", "availability")
    } == {
        "/api/v1/allocations/": ["get"],
        "/api/v1/allocations/{id}/": ["get"],
        "/api/v1/allocations/{id}/accept/": ["post"],
        "/api/v1/allocations/{id}/reject/": ["post"],
        "/api/v1/allocations/{id}/ship/": ["post"],
        "/api/v1/availability/": ["get"],
        "/api/v1/bulk-orders/": ["get", "post"],
        "/api/v1/bulk-orders/{number}/": ["get"],
        "/api/v1/bulk-orders/{number}/approve/": ["post"],
        "/api/v1/bulk-orders/{number}/cancel/": ["post"],
        "/api/v1/bulk-orders/{number}/card-payment/": ["post"],
        "/api/v1/bulk-orders/{number}/confirm/": ["post"],
        "/api/v1/bulk-orders/{number}/decline/": ["post"],
        "/api/v1/bulk-orders/{number}/deliver/": ["post"],
        "/api/v1/bulk-orders/{number}/receipt/": ["post"],
        "/api/v1/bulk-orders/{number}/save-as-standing/": ["post"],
    }
    create = schema["paths"]["/api/v1/bulk-orders/"]["post"]
    # DRF's own refusals (shop/api/schema.py) beside the view's answers.
    codes = ["200", "201", "400", "401", "403", "409", "415", "422", "429"]
    assert sorted(create["responses"]) == codes
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/BulkOrderCreateRequest"
    }
    allocation = schema["components"]["schemas"]["Allocation"]
    assert "explanation" not in allocation["required"]
    assert "scores" not in allocation["required"]
