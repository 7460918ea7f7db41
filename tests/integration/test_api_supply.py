"""Supply API by role: what staff, officials, cooperative managers and shoppers may
list, see and change; receiving, adjusting and writing off lots; households."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from suppliers import stock
from suppliers.models import (
    Household,
    HouseholdStatusChange,
    Membership,
    MovementKind,
    StockLot,
)
from tests.factories import (
    ProductFactory,
    lot_body,
    make_household,
    make_lot,
    stockrecord_for,
    supply_state,
)

D = Decimal
pytestmark = pytest.mark.django_db

REFUSED = {"detail": "Only cooperative managers and staff can change supply records."}


@pytest.fixture(autouse=True)
def english(settings):
    """Pin the language: assertions read the English source strings."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def world(cooperative, other_cooperative, product):
    """Cooperative A (``manager``'s) and B (``other_manager``'s), one household and
    one lot each; ids by name: a_lot, b_lot, a_household, ..."""
    a_household = make_household(cooperative=cooperative)
    b_household = make_household(cooperative=other_cooperative)
    a_lot = make_lot(
        cooperative=cooperative, product=product, households=[a_household], code="A-1"
    )
    b_lot = make_lot(
        cooperative=other_cooperative,
        product=product,
        households=[b_household],
        code="B-1",
    )
    return {
        "a_cooperative": cooperative.pk,
        "b_cooperative": other_cooperative.pk,
        "a_household": a_household.pk,
        "b_household": b_household.pk,
        "a_lot": a_lot.pk,
        "b_lot": b_lot.pk,
        "a_movement": a_lot.movements.get().pk,
        "b_movement": b_lot.movements.get().pk,
    }


def acting_as(api, request, role):
    user = request.getfixturevalue(role)
    api.force_authenticate(user)
    return user


def listed_ids(api, path):
    response = api.get(path)
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def without_times(lot_json):
    return {k: v for k, v in lot_json.items() if k != "created_at"}


# --- who sees what ------------------------------------------------------------------

BOTH = ("a", "b")


@pytest.mark.parametrize(
    ("role", "lots", "households", "movements"),
    [
        ("staff", BOTH, BOTH, BOTH),
        ("official", BOTH, BOTH, BOTH),
        ("manager", ("a",), ("a",), ("a",)),
        ("other_manager", ("b",), ("b",), ("b",)),
        ("shopper", (), (), ()),
    ],
)
def test_each_role_lists_what_it_may_see(
    api, request, world, role, lots, households, movements
):
    acting_as(api, request, role)

    assert listed_ids(api, "/api/v1/lots/") == {world[f"{k}_lot"] for k in lots}
    assert listed_ids(api, "/api/v1/households/") == {
        world[f"{k}_household"] for k in households
    }
    assert listed_ids(api, "/api/v1/stock-movements/") == {
        world[f"{k}_movement"] for k in movements
    }
    # Cooperatives are public suppliers: every role lists both.
    assert listed_ids(api, "/api/v1/cooperatives/") == {
        world["a_cooperative"],
        world["b_cooperative"],
    }


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("staff", BOTH),
        ("official", BOTH),
        ("manager", ("a",)),
        ("shopper", ()),
    ],
)
def test_each_role_retrieves_only_what_it_may_see(api, request, world, role, visible):
    acting_as(api, request, role)
    paths = {
        "lot": "/api/v1/lots/{}/",
        "household": "/api/v1/households/{}/",
        "movement": "/api/v1/stock-movements/{}/",
    }

    codes = {
        (kind, key): api.get(path.format(world[f"{key}_{kind}"])).status_code
        for kind, path in paths.items()
        for key in BOTH
    }

    assert codes == {
        (kind, key): 200 if key in visible else 404 for kind in paths for key in BOTH
    }


def test_official_reads_every_cooperatives_lot_in_full(
    api, official, world, other_cooperative, product
):
    api.force_authenticate(official)

    response = api.get(f"/api/v1/lots/{world['b_lot']}/")

    assert response.status_code == 200
    household = Household.objects.get(pk=world["b_household"])
    assert without_times(response.json()) == {
        "id": world["b_lot"],
        "code": "B-1",
        "cooperative": {"id": other_cooperative.pk, "name": "连州菜心合作社"},
        "product": {"id": product.pk, "title": product.title},
        "harvest_date": timezone.localdate().isoformat(),
        "best_before": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
        "received_kg": "100.000",
        "on_hand_kg": "100.000",
        "reserved_kg": "0.000",
        "available_kg": "100.000",
        "shares": [
            {
                "household": household.pk,
                "archive_number": household.archive_number,
                "kg": "100.000",
            }
        ],
    }


def test_shopper_sees_products_villages_and_cooperatives_but_no_households(
    api, shopper, world, product
):
    api.force_authenticate(shopper)

    assert listed_ids(api, "/api/v1/products/") == {product.pk}
    assert listed_ids(api, "/api/v1/villages/")
    assert listed_ids(api, "/api/v1/households/") == set()
    assert api.get(f"/api/v1/households/{world['a_household']}/").status_code == 404


WRITES = [
    ("post", "/api/v1/lots/", {"kg": "1"}),
    ("post", "/api/v1/lots/{a_lot}/adjust/", {"kg": "-1", "reason": "count"}),
    ("post", "/api/v1/lots/{b_lot}/write-off/", {"reason": "spoilt"}),
    ("post", "/api/v1/lots/import/", {}),
    ("post", "/api/v1/households/", {"archive_number": "X", "size": 3}),
    ("patch", "/api/v1/households/{a_household}/", {"size": 5}),
    ("post", "/api/v1/households/{b_household}/status/", {"status": "monitored"}),
    ("patch", "/api/v1/cooperatives/{a_cooperative}/", {"address": "x"}),
    ("post", "/api/v1/lots/999999/adjust/", {"kg": "1", "reason": "x"}),
]


@pytest.mark.parametrize("role", ["official", "shopper"])
def test_roles_that_never_write_get_403_on_every_write(api, request, world, role):
    acting_as(api, request, role)
    before = supply_state()

    answers = {
        f"{method} {path}": (response.status_code, response.json())
        for method, path, body in WRITES
        for response in [
            getattr(api, method)(path.format(**world), body, format="json")
        ]
    }

    assert answers == {f"{m} {p}": (403, REFUSED) for m, p, _ in WRITES}
    assert supply_state() == before


def test_no_put_or_delete_even_for_staff(api, staff, world):
    api.force_authenticate(staff)
    before = supply_state()
    paths = [
        "/api/v1/lots/{a_lot}/",
        "/api/v1/households/{a_household}/",
        "/api/v1/cooperatives/{a_cooperative}/",
        "/api/v1/stock-movements/{a_movement}/",
    ]

    codes = {
        (method, path): getattr(api, method)(path.format(**world)).status_code
        for method in ["put", "delete"]
        for path in paths
    }

    assert set(codes.values()) == {405}
    assert supply_state() == before


# --- receiving lots -----------------------------------------------------------------


def test_manager_receives_a_lot_with_household_shares(
    api, manager, cooperative, product
):
    first = make_household(cooperative=cooperative)
    second = make_household(cooperative=cooperative)
    api.force_authenticate(manager)
    body = lot_body(product=product, shares=[(first, "60.25"), (second, "44.749")])

    response = api.post("/api/v1/lots/", body, format="json")

    assert response.status_code == 201
    lot = StockLot.objects.get()
    today = timezone.localdate()
    assert without_times(response.json()) == {
        "id": lot.pk,
        "code": "API-001",
        "cooperative": {"id": cooperative.pk, "name": "英德市万仔蚕桑专业合作社"},
        "product": {"id": product.pk, "title": product.title},
        "harvest_date": today.isoformat(),
        "best_before": (today + datetime.timedelta(days=7)).isoformat(),
        "received_kg": "104.999",
        "on_hand_kg": "104.999",
        "reserved_kg": "0.000",
        "available_kg": "104.999",
        "shares": [
            {
                "household": first.pk,
                "archive_number": first.archive_number,
                "kg": "60.250",
            },
            {
                "household": second.pk,
                "archive_number": second.archive_number,
                "kg": "44.749",
            },
        ],
    }
    assert (lot.cooperative, lot.created_by) == (cooperative, manager)
    assert list(
        lot.movements.values_list("kind", "on_hand_delta_kg", "reserved_delta_kg")
    ) == [(MovementKind.RECEIVED, D("104.999"), D("0"))]
    assert lot.movements.get().actor == manager
    record = stockrecord_for(cooperative=cooperative, product=product)
    # floor(104.999 kg / 5 kg per unit) = 20 units: never offers a partial box.
    assert (record.num_in_stock, record.num_allocated, record.price) == (
        20,
        0,
        D("88.00"),
    )


def test_second_lot_adds_to_the_derived_stock_record(
    api, manager, cooperative, product, household
):
    make_lot(cooperative=cooperative, product=product, kg="12", households=[household])
    api.force_authenticate(manager)
    body = lot_body(product=product, shares=[(household, "9")])
    del body["unit_price"]  # the product's price is known from the first lot

    response = api.post("/api/v1/lots/", body, format="json")

    assert response.status_code == 201
    record = stockrecord_for(cooperative=cooperative, product=product)
    assert (record.num_in_stock, record.price) == (4, D("100.00"))  # floor(21 / 5)


def test_staff_receives_a_lot_for_the_cooperative_it_names(
    api, staff, other_cooperative, product
):
    household = make_household(cooperative=other_cooperative)
    api.force_authenticate(staff)
    body = lot_body(product=product, shares=[(household, "10")])

    unnamed = api.post("/api/v1/lots/", body, format="json")
    named = api.post(
        "/api/v1/lots/", {**body, "cooperative": other_cooperative.pk}, format="json"
    )

    assert unnamed.status_code == 400
    assert unnamed.json() == {"cooperative": ["This field is required."]}
    assert named.status_code == 201
    assert named.json()["cooperative"]["id"] == other_cooperative.pk
    assert StockLot.objects.get().cooperative == other_cooperative


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        (
            ("60.25", "38.75"),
            "Household shares add up to 99.000 kg but the lot is 100.000 kg.",
        ),
        (
            ("60.25", "39.751"),
            "Household shares add up to 100.001 kg but the lot is 100.000 kg.",
        ),
    ],
)
def test_shares_not_adding_up_to_the_lot_answer_400_and_create_nothing(
    api, manager, cooperative, product, household, shares, message
):
    make_lot(cooperative=cooperative, product=product, households=[household])
    second = make_household(cooperative=cooperative)
    api.force_authenticate(manager)
    before = supply_state()
    body = lot_body(
        product=product,
        shares=[(household, shares[0]), (second, shares[1])],
        kg="100",
    )

    response = api.post("/api/v1/lots/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"shares": [message]}
    assert supply_state() == before


def test_service_rules_come_back_field_by_field(
    api, manager, cooperative, product, household
):
    make_lot(cooperative=cooperative, product=product, code="DUP-1")
    api.force_authenticate(manager)
    before = supply_state()
    today = timezone.localdate()
    body = lot_body(
        product=product,
        shares=[(household, "10")],
        code="DUP-1",
        harvest_date=(today + datetime.timedelta(days=1)).isoformat(),
        best_before=today.isoformat(),
        unit_price="0.00",
    )

    response = api.post("/api/v1/lots/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "code": ["This cooperative already has a lot DUP-1."],
        "harvest_date": ["The harvest date cannot be in the future."],
        "best_before": ["Best-before cannot be earlier than the harvest date."],
        "unit_price": ["The price must be between 0.01 and 1,000,000 yuan."],
    }
    assert supply_state() == before


# --- adjusting and writing off ------------------------------------------------------


@pytest.fixture
def lot(cooperative, product, household):
    return make_lot(
        cooperative=cooperative, product=product, kg="100", households=[household]
    )


def test_manager_adjusts_a_lot_after_a_count(api, manager, cooperative, product, lot):
    api.force_authenticate(manager)

    response = api.post(
        f"/api/v1/lots/{lot.pk}/adjust/",
        {"kg": "-10.5", "reason": "re-weighed"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["on_hand_kg"], body["reserved_kg"], body["available_kg"]) == (
        "89.500",
        "0.000",
        "89.500",
    )
    movement = lot.movements.first()
    assert (movement.kind, movement.on_hand_delta_kg, movement.actor) == (
        MovementKind.ADJUSTED,
        D("-10.500"),
        manager,
    )
    assert movement.reason == "re-weighed"
    assert stockrecord_for(cooperative=cooperative, product=product).num_in_stock == 17


def test_adjust_upwards_adds_kg(api, staff, cooperative, product, lot):
    api.force_authenticate(staff)

    response = api.post(
        f"/api/v1/lots/{lot.pk}/adjust/",
        {"kg": "5.001", "reason": "found a crate"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["on_hand_kg"] == "105.001"
    assert stockrecord_for(cooperative=cooperative, product=product).num_in_stock == 21


def test_adjust_into_reserved_kg_answers_409_and_changes_nothing(api, manager, lot):
    stock.reserve_lot(lot_id=lot.pk, kg=D("95"), reason="canteen order")
    api.force_authenticate(manager)
    before = supply_state()

    response = api.post(
        f"/api/v1/lots/{lot.pk}/adjust/", {"kg": "-10", "reason": "rats"}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "kg": ["Only 5.000 kg of this lot are not reserved; it cannot lose 10.000 kg."],
        "code": "conflict",
    }
    assert supply_state() == before


def test_adjust_needs_a_reason(api, manager, lot):
    api.force_authenticate(manager)
    before = supply_state()

    response = api.post(
        f"/api/v1/lots/{lot.pk}/adjust/", {"kg": "-1", "reason": " "}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"reason": ["Say why the lot is adjusted."]}
    assert supply_state() == before


def test_write_off_without_kg_takes_every_unreserved_kg(
    api, manager, cooperative, product, lot
):
    stock.reserve_lot(lot_id=lot.pk, kg=D("30"), reason="canteen order")
    api.force_authenticate(manager)

    response = api.post(
        f"/api/v1/lots/{lot.pk}/write-off/", {"reason": "mould"}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["on_hand_kg"], body["reserved_kg"], body["available_kg"]) == (
        "30.000",
        "30.000",
        "0.000",
    )
    movement = lot.movements.first()
    assert (movement.kind, movement.on_hand_delta_kg, movement.reason) == (
        MovementKind.WRITTEN_OFF,
        D("-70.000"),
        "mould",
    )
    record = stockrecord_for(cooperative=cooperative, product=product)
    assert (record.num_in_stock, record.num_allocated) == (6, 6)


def test_write_off_of_some_kg(api, manager, cooperative, product, lot):
    api.force_authenticate(manager)

    response = api.post(
        f"/api/v1/lots/{lot.pk}/write-off/",
        {"kg": "12.5", "reason": "bruised"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["on_hand_kg"] == "87.500"
    assert lot.movements.first().on_hand_delta_kg == D("-12.500")
    assert stockrecord_for(cooperative=cooperative, product=product).num_in_stock == 17


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"kg": "20.5"}, "Only 20.000 kg of this lot are not reserved."),
        ({}, None),
    ],
)
def test_write_off_of_reserved_kg_answers_409_and_changes_nothing(
    api, manager, lot, body, message
):
    stock.reserve_lot(lot_id=lot.pk, kg=D("80"), reason="canteen order")
    if message is None:  # everything else written off already: nothing is free
        stock.write_off_lot(lot_id=lot.pk, reason="spoilt")
        message = "Nothing in this lot is free to write off."
    api.force_authenticate(manager)
    before = supply_state()

    response = api.post(
        f"/api/v1/lots/{lot.pk}/write-off/", {**body, "reason": "x"}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {"kg": [message], "code": "conflict"}
    assert supply_state() == before


# --- households ---------------------------------------------------------------------


def test_manager_registers_a_household_into_its_cooperative(api, manager, cooperative):
    api.force_authenticate(manager)

    response = api.post(
        "/api/v1/households/",
        {
            "archive_number": "44188100000001",
            "village": cooperative.village_id,
            "size": 4,
        },
        format="json",
    )

    assert response.status_code == 201
    household = Household.objects.get()
    body = response.json()
    assert body.pop("created_at")
    assert body["status_history"][0].pop("changed_at")
    village = cooperative.village
    assert body == {
        "id": household.pk,
        "archive_number": "44188100000001",
        "village": village.pk,
        "village_name": village.name,
        "town": "九龙镇",
        "county": "英德市",
        "size": 4,
        "status": "registered",
        "year_lifted_out": None,
        "status_history": [
            {
                "status": "registered",
                "year_lifted_out": None,
                "note": "registered",
                "changed_by": "manager_a",
            }
        ],
    }
    assert list(Membership.objects.values_list("cooperative_id", "household_id")) == [
        (cooperative.pk, household.pk)
    ]


def test_registering_a_member_twice_answers_400(api, manager, cooperative, household):
    api.force_authenticate(manager)
    before = supply_state()

    response = api.post(
        "/api/v1/households/",
        {
            "archive_number": household.archive_number,
            "village": household.village_id,
            "size": 3,
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "archive_number": ["This household is already a member."]
    }
    assert supply_state() == before


def test_manager_corrects_a_households_size_without_touching_its_history(
    api, manager, household
):
    api.force_authenticate(manager)

    response = api.patch(
        f"/api/v1/households/{household.pk}/", {"size": 5}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["size"] == 5
    household.refresh_from_db()
    assert (household.size, household.status) == (5, "registered")
    assert household.status_changes.count() == 1


def test_status_can_not_be_patched_past_its_history(api, manager, household):
    api.force_authenticate(manager)
    before = supply_state()

    response = api.patch(
        f"/api/v1/households/{household.pk}/",
        {"size": 5, "status": "lifted", "year_lifted_out": 2020},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "status": ["This field cannot be changed here."],
        "year_lifted_out": ["This field cannot be changed here."],
    }
    assert supply_state() == before


def test_status_change_is_kept_in_the_history(api, manager, household):
    api.force_authenticate(manager)

    lifted = api.post(
        f"/api/v1/households/{household.pk}/status/",
        {"status": "lifted", "year_lifted_out": 2020, "note": "verified 2020"},
        format="json",
    )
    monitored = api.post(
        f"/api/v1/households/{household.pk}/status/",
        {"status": "monitored"},
        format="json",
    )

    assert (lifted.status_code, monitored.status_code) == (200, 200)
    body = monitored.json()
    assert (body["status"], body["year_lifted_out"]) == ("monitored", 2020)
    assert [
        (c["status"], c["year_lifted_out"], c["note"], c["changed_by"])
        for c in body["status_history"]
    ] == [
        ("registered", None, "registered", None),
        ("lifted", 2020, "verified 2020", "manager_a"),
        ("monitored", 2020, "", "manager_a"),
    ]
    assert list(
        HouseholdStatusChange.objects.filter(household=household).values_list(
            "status", "changed_by"
        )
    ) == [("registered", None), ("lifted", manager.pk), ("monitored", manager.pk)]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"status": "lifted"},
            {"year_lifted_out": ["Give the year the household was lifted out."]},
        ),
        (
            {"status": "registered", "year_lifted_out": 2020},
            {
                "year_lifted_out": [
                    "A registered household has not been lifted out yet."
                ]
            },
        ),
        (
            {"status": "lifted", "year_lifted_out": 2012},
            {
                "year_lifted_out": [
                    f"The year must be between 2013 and {timezone.localdate().year}."
                ]
            },
        ),
        (
            {"status": "rich"},
            {"status": ['"rich" is not a valid choice.']},
        ),
    ],
)
def test_impossible_status_changes_answer_400_and_keep_the_history(
    api, manager, household, body, errors
):
    api.force_authenticate(manager)
    before = supply_state()

    response = api.post(
        f"/api/v1/households/{household.pk}/status/", body, format="json"
    )

    assert response.status_code == 400
    assert response.json() == errors
    assert supply_state() == before


# --- cooperatives, filters, movements -----------------------------------------------


def test_manager_edits_its_cooperatives_contact_details(api, manager, cooperative):
    api.force_authenticate(manager)

    response = api.patch(
        f"/api/v1/cooperatives/{cooperative.pk}/",
        {"contact_name": "李主任", "contact_phone": "0763-5555555"},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["contact_name"], response.json()["contact_phone"]) == (
        "李主任",
        "0763-5555555",
    )
    cooperative.refresh_from_db()
    assert (cooperative.contact_name, cooperative.contact_phone) == (
        "李主任",
        "0763-5555555",
    )


def test_cooperative_name_and_registration_are_not_the_managers(
    api, manager, cooperative
):
    api.force_authenticate(manager)
    before = supply_state()

    response = api.patch(
        f"/api/v1/cooperatives/{cooperative.pk}/",
        {"name": "改名", "registration_code": "X", "address": "x"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "name": ["This field cannot be changed here."],
        "registration_code": ["This field cannot be changed here."],
    }
    assert supply_state() == before


def test_movements_filter_by_lot_and_kind(api, manager, lot):
    stock.adjust_lot(lot_id=lot.pk, delta_kg=D("-1"), reason="count")
    api.force_authenticate(manager)

    adjusted = api.get("/api/v1/stock-movements/", {"lot": lot.pk, "kind": "adjusted"})
    everything = api.get("/api/v1/stock-movements/", {"lot": lot.pk})

    assert [(m["kind"], m["on_hand_delta_kg"]) for m in adjusted.json()["results"]] == [
        ("adjusted", "-1.000")
    ]
    # Newest first: the audit trail reads from the latest change back.
    assert [m["kind"] for m in everything.json()["results"]] == [
        "adjusted",
        "received",
    ]


def test_lots_filter_by_product_and_open(api, manager, cooperative, product, lot):
    tea = ProductFactory(title="英德红茶")
    closed = make_lot(cooperative=cooperative, product=tea, code="TEA-DONE")
    stock.write_off_lot(lot_id=closed.pk, reason="spoilt")
    api.force_authenticate(manager)

    assert listed_ids(api, f"/api/v1/lots/?product={tea.pk}") == {closed.pk}
    assert listed_ids(api, "/api/v1/lots/?open=true") == {lot.pk}
    assert listed_ids(api, "/api/v1/lots/?open=false") == {closed.pk}


def test_households_filter_by_status(api, manager, cooperative, household):
    lifted = make_household(cooperative=cooperative)
    api.force_authenticate(manager)
    api.post(
        f"/api/v1/households/{lifted.pk}/status/",
        {"status": "lifted", "year_lifted_out": 2019},
        format="json",
    )

    assert listed_ids(api, "/api/v1/households/?status=lifted") == {lifted.pk}
    assert listed_ids(api, "/api/v1/households/?status=registered") == {household.pk}
