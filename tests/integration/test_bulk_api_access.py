"""Who may read and do what in the bulk-order API.

Another canteen's orders and another cooperative's allocations answer 404 on every
endpoint, exactly like ids that do not exist; roles that never do a write (officials,
shoppers, cooperatives placing orders, buyers answering allocations) get 403 for
every id. Every refusal leaves orders, allocations and stock as they were.
"""

import pytest

from fulfilment.models import Allocation, BulkOrder
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

NOT_SIGNED_IN = {"detail": "Authentication credentials were not provided."}
NO_ORDER = {"detail": "Not found."}
NO_ALLOCATION = {"detail": "Not found."}
BUYERS_ONLY = {"detail": "Only a canteen's buyers can do this."}
APPROVERS_ONLY = {"detail": "Only a canteen's approvers can do this."}
STAFF_ONLY = {"detail": "Only platform staff can do this."}
COOPERATIVES_ONLY = {
    "detail": "Only cooperative managers and staff can answer allocations."
}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def buyer(db):
    return UserFactory(username="buyer_a")


@pytest.fixture
def approver(db):
    return UserFactory(username="approver_a")


@pytest.fixture
def other_buyer(db):
    return UserFactory(username="buyer_b")


@pytest.fixture
def other_approver(db):
    return UserFactory(username="approver_b")


@pytest.fixture
def canteen(buyer, approver):
    return make_canteen(name="越秀区机关食堂", buyers=[buyer], approvers=[approver])


@pytest.fixture
def other_canteen(other_buyer, other_approver):
    return make_canteen(
        name="白云区学校食堂", buyers=[other_buyer], approvers=[other_approver]
    )


@pytest.fixture
def chicken(cooperative):
    product = ProductFactory(upc="QY-CHICKEN")
    make_lot(cooperative=cooperative, product=product, kg="100")
    return product


@pytest.fixture
def order(api, canteen, other_canteen, buyer, chicken):
    """Canteen A's order, routed to cooperative A's lot."""
    placed = post(api, buyer, ORDERS, body(("QY-CHICKEN", 4)))
    assert placed.status_code == 201
    return BulkOrder.objects.select_related("order").get()


@pytest.fixture
def allocation(order):
    return Allocation.objects.get()


ORDER_WRITES = [
    ("cancel", {"reason": "x"}),
    ("approve", {}),
    ("decline", {"reason": "x"}),
    ("confirm", {}),
    ("receipt", {"lines": []}),
    ("deliver", {}),
]
ALLOCATION_WRITES = [
    ("accept", {}),
    ("reject", {"reason": "x"}),
    ("ship", {"kg": "1"}),
]


# --- anonymous ------------------------------------------------------------------------


def test_anonymous_requests_are_refused_everywhere(api, order, allocation):
    number = order.order.number
    reads = [
        ORDERS,
        order_url(number),
        ALLOCATIONS,
        allocation_url(allocation.pk),
        f"{AVAILABILITY}?delivery_date={day().isoformat()}",
    ]
    writes = [ORDERS] + [order_url(number, verb) for verb, _ in ORDER_WRITES]
    writes += [allocation_url(allocation.pk, verb) for verb, _ in ALLOCATION_WRITES]
    api.force_authenticate(None)
    before = stock_state()

    answers = [api.get(url) for url in reads]
    answers += [api.post(url, {}, format="json") for url in writes]

    assert [(r.status_code, r.json()) for r in answers] == [(401, NOT_SIGNED_IN)] * len(
        reads + writes
    )
    assert stock_state() == before


# --- another canteen, another cooperative: 404 ----------------------------------------


@pytest.mark.parametrize(
    ("verb", "data", "who"),
    [
        ("cancel", {"reason": "x"}, "other_buyer"),
        ("confirm", {}, "other_buyer"),
        ("receipt", {"lines": []}, "other_buyer"),
        ("approve", {}, "other_approver"),
        ("decline", {"reason": "x"}, "other_approver"),
    ],
)
def test_another_canteens_order_is_not_found_for_writes(
    api, order, verb, data, who, request
):
    user = request.getfixturevalue(who)
    before = stock_state()

    answer = post(api, user, order_url(order.order.number, verb), data)

    assert (answer.status_code, answer.json()) == (404, NO_ORDER)
    assert stock_state() == before


def test_another_canteens_order_is_neither_listed_nor_found(
    api, order, other_buyer, other_approver
):
    for user in (other_buyer, other_approver):
        assert get(api, user, ORDERS).json()["count"] == 0
        answer = get(api, user, order_url(order.order.number))
        assert (answer.status_code, answer.json()) == (404, NO_ORDER)


def test_another_canteens_order_answers_like_a_number_that_does_not_exist(
    api, order, other_buyer
):
    theirs = get(api, other_buyer, order_url(order.order.number))
    nobodys = get(api, other_buyer, order_url("B99999999"))

    assert (theirs.status_code, theirs.json()) == (nobodys.status_code, nobodys.json())


def test_an_order_cannot_be_placed_for_another_canteen(
    api, order, canteen, other_buyer
):
    before = stock_state()

    answer = post(
        api, other_buyer, ORDERS, body(("QY-CHICKEN", 1), organisation=canteen.pk)
    )

    assert answer.status_code == 400
    assert answer.json() == {
        "organisation": [f'Invalid pk "{canteen.pk}" - object does not exist.']
    }
    assert stock_state() == before


@pytest.mark.parametrize(("verb", "data"), ALLOCATION_WRITES)
def test_another_cooperatives_allocation_is_not_found_for_writes(
    api, allocation, other_manager, other_cooperative, verb, data
):
    before = stock_state()

    answer = post(api, other_manager, allocation_url(allocation.pk, verb), data)

    assert (answer.status_code, answer.json()) == (404, NO_ALLOCATION)
    assert stock_state() == before


def test_another_cooperatives_allocation_is_neither_listed_nor_found(
    api, allocation, other_manager, other_cooperative
):
    assert get(api, other_manager, ALLOCATIONS).json()["count"] == 0
    answer = get(api, other_manager, allocation_url(allocation.pk))
    assert (answer.status_code, answer.json()) == (404, NO_ALLOCATION)


def test_a_manager_reads_no_orders_even_those_routed_to_it(api, order, manager):
    assert get(api, manager, ORDERS).json()["count"] == 0
    answer = get(api, manager, order_url(order.order.number))
    assert (answer.status_code, answer.json()) == (404, NO_ORDER)


# --- roles that never write: 403 for every id -----------------------------------------


@pytest.mark.parametrize("who", ["official", "shopper"])
def test_officials_and_shoppers_read_nothing_and_write_nothing(
    api, order, allocation, who, request
):
    user = request.getfixturevalue(who)
    number = order.order.number
    before = stock_state()

    assert get(api, user, ORDERS).json()["count"] == 0
    assert get(api, user, ALLOCATIONS).json()["count"] == 0
    assert get(api, user, order_url(number)).status_code == 404
    assert get(api, user, allocation_url(allocation.pk)).status_code == 404
    writes = [
        (ORDERS, BUYERS_ONLY),
        (order_url(number, "cancel"), BUYERS_ONLY),
        (order_url(number, "confirm"), BUYERS_ONLY),
        (order_url(number, "receipt"), BUYERS_ONLY),
        (order_url(number, "approve"), APPROVERS_ONLY),
        (order_url(number, "decline"), APPROVERS_ONLY),
        (order_url(number, "deliver"), STAFF_ONLY),
        (allocation_url(allocation.pk, "accept"), COOPERATIVES_ONLY),
        (allocation_url(allocation.pk, "reject"), COOPERATIVES_ONLY),
        (allocation_url(allocation.pk, "ship"), COOPERATIVES_ONLY),
    ]
    answers = [post(api, user, url, {"reason": "x"}) for url, _ in writes]
    assert [(r.status_code, r.json()) for r in answers] == [
        (403, detail) for _, detail in writes
    ]
    assert stock_state() == before


def test_the_refusal_of_a_role_is_the_same_for_ids_that_do_not_exist(
    api, official, order, allocation
):
    mine = post(api, official, order_url(order.order.number, "cancel"))
    nobodys = post(api, official, order_url("B99999999", "cancel"))
    allocation_answer = post(api, official, allocation_url(allocation.pk, "accept"))
    no_allocation = post(api, official, allocation_url(999999, "accept"))

    assert (mine.status_code, mine.json()) == (nobodys.status_code, nobodys.json())
    assert (allocation_answer.status_code, allocation_answer.json()) == (
        no_allocation.status_code,
        no_allocation.json(),
    )


def test_a_cooperative_manager_cannot_place_or_change_orders(
    api, order, manager, chicken
):
    before = stock_state()

    placed = post(api, manager, ORDERS, body(("QY-CHICKEN", 1)))
    cancelled = post(api, manager, order_url(order.order.number, "cancel"))

    assert (placed.status_code, placed.json()) == (403, BUYERS_ONLY)
    assert (cancelled.status_code, cancelled.json()) == (403, BUYERS_ONLY)
    assert stock_state() == before


@pytest.mark.parametrize(("verb", "data"), ALLOCATION_WRITES)
def test_a_buyer_cannot_answer_allocations(api, allocation, buyer, verb, data):
    before = stock_state()

    answer = post(api, buyer, allocation_url(allocation.pk, verb), data)

    assert (answer.status_code, answer.json()) == (403, COOPERATIVES_ONLY)
    assert stock_state() == before


def test_a_buyer_cannot_approve_and_an_approver_cannot_cancel(
    api, order, buyer, approver
):
    before = stock_state()
    number = order.order.number

    approved = post(api, buyer, order_url(number, "approve"))
    cancelled = post(api, approver, order_url(number, "cancel"))
    received = post(api, approver, order_url(number, "receipt"), {"lines": []})

    assert (approved.status_code, approved.json()) == (403, APPROVERS_ONLY)
    assert (cancelled.status_code, cancelled.json()) == (403, BUYERS_ONLY)
    assert (received.status_code, received.json()) == (403, BUYERS_ONLY)
    assert stock_state() == before


def test_an_approver_here_who_buys_elsewhere_cannot_cancel_here(
    api, order, approver, other_canteen
):
    """The role is checked at the order's canteen (by the service), not anywhere."""
    make_canteen(name="荔湾区食堂", buyers=[approver])
    before = stock_state()

    answer = post(api, approver, order_url(order.order.number, "cancel"))

    assert (answer.status_code, answer.json()) == (404, {"detail": "Not found."})
    assert stock_state() == before


def test_only_staff_mark_orders_delivered(api, order, buyer, approver, manager):
    number = order.order.number
    before = stock_state()

    answers = [post(api, u, order_url(number, "deliver")) for u in (buyer, manager)]

    assert [(a.status_code, a.json()) for a in answers] == [(403, STAFF_ONLY)] * 2
    assert stock_state() == before


# --- what each role reads -------------------------------------------------------------


def test_canteen_members_read_their_canteens_orders(api, order, buyer, approver):
    for user in (buyer, approver):
        listed = get(api, user, ORDERS).json()
        assert [o["number"] for o in listed["results"]] == [order.order.number]
        assert get(api, user, order_url(order.order.number)).status_code == 200


def test_staff_read_every_order_and_allocation_with_the_routing_explained(
    api, order, allocation, staff
):
    orders = get(api, staff, ORDERS).json()
    allocations = get(api, staff, ALLOCATIONS).json()
    one = get(api, staff, allocation_url(allocation.pk)).json()

    assert [o["number"] for o in orders["results"]] == [order.order.number]
    assert allocations["results"] == [one]
    assert one["scores"] == allocation.scores
    assert one["explanation"] == (
        "Cooperative 1 of 1 used for this line (1 could supply it). "
        "The line uses as few cooperatives as can cover it. "
        "Its households earned 0.00 yuan on average this year "
        "(this lot's: 0.00 yuan); lower earners are preferred. "
        f"Best before {allocation.lot.best_before.isoformat()}: "
        "9 days left at delivery."
    )


def test_managers_get_no_routing_explanation(api, allocation, manager):
    one = get(api, manager, allocation_url(allocation.pk)).json()

    assert "explanation" not in one
    assert "scores" not in one


def test_staff_cannot_place_orders(api, order, staff, canteen):
    before = stock_state()

    answer = post(api, staff, ORDERS, body(("QY-CHICKEN", 1), organisation=canteen.pk))

    assert (answer.status_code, answer.json()) == (403, BUYERS_ONLY)
    assert stock_state() == before


def test_staff_answer_any_cooperatives_allocation(api, allocation, staff):
    answer = post(api, staff, allocation_url(allocation.pk, "accept"))

    assert answer.status_code == 200
    assert answer.json()["status"] == "accepted"


def test_anyone_signed_in_reads_availability(api, official, chicken):
    answer = get(api, official, AVAILABILITY, delivery_date=day().isoformat())

    assert answer.status_code == 200
    assert [(row["sku"], row["units_available"]) for row in answer.json()] == [
        ("QY-CHICKEN", 20)
    ]
