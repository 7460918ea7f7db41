"""A cooperative's manager cannot reach another cooperative's records through any
endpoint: objects in the URL answer 404 exactly as ids that do not exist, ids in
the body answer 400 exactly as ids that do not exist, and nothing changes."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from suppliers.imports import COLUMNS
from tests.factories import (
    lot_body,
    make_household,
    make_lot,
    supply_state,
)

pytestmark = pytest.mark.django_db

MISSING = 999_999  # an id no row has


@pytest.fixture(autouse=True)
def english(settings):
    """Pin the language: assertions read the English source strings."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def b(other_cooperative, product):
    """Cooperative B's records, which ``manager`` (of cooperative A) must not reach."""
    household = make_household(cooperative=other_cooperative)
    lot = make_lot(
        cooperative=other_cooperative, product=product, households=[household]
    )
    return {
        "cooperative": other_cooperative.pk,
        "household": household.pk,
        "lot": lot.pk,
        "movement": lot.movements.get().pk,
        "archive_number": household.archive_number,
    }


@pytest.fixture
def as_manager_a(api, manager, cooperative):
    api.force_authenticate(manager)
    return api


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/lots/{lot}/", None),
        ("post", "/api/v1/lots/{lot}/adjust/", {"kg": "-1", "reason": "count"}),
        ("post", "/api/v1/lots/{lot}/adjust/", {"kg": "5", "reason": "count"}),
        ("post", "/api/v1/lots/{lot}/write-off/", {"reason": "spoilt"}),
        ("post", "/api/v1/lots/{lot}/write-off/", {"kg": "1", "reason": "spoilt"}),
        ("get", "/api/v1/households/{household}/", None),
        ("patch", "/api/v1/households/{household}/", {"size": 7}),
        (
            "post",
            "/api/v1/households/{household}/status/",
            {"status": "lifted", "year_lifted_out": 2020},
        ),
        ("patch", "/api/v1/cooperatives/{cooperative}/", {"address": "taken over"}),
        ("get", "/api/v1/stock-movements/{movement}/", None),
    ],
)
def test_another_cooperatives_object_answers_404_like_a_missing_one(
    as_manager_a, b, method, path, body
):
    before = supply_state()
    send = getattr(as_manager_a, method)

    theirs = send(path.format(**b), body, format="json")
    missing = send(path.format(**dict.fromkeys(b, MISSING)), body, format="json")

    assert (theirs.status_code, missing.status_code) == (404, 404)
    assert theirs.json() == missing.json()
    assert supply_state() == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/lots/?cooperative={cooperative}",
        "/api/v1/stock-movements/?lot={lot}",
        "/api/v1/households/?village={village}",
    ],
)
def test_filtering_by_another_cooperatives_ids_finds_nothing(
    as_manager_a, b, other_cooperative, path
):
    response = as_manager_a.get(path.format(**b, village=other_cooperative.village_id))

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_receiving_a_lot_for_another_cooperative_answers_400(
    as_manager_a, b, cooperative, product, household
):
    before = supply_state()
    body = lot_body(product=product, shares=[(household, "10")])

    theirs = as_manager_a.post(
        "/api/v1/lots/", {**body, "cooperative": b["cooperative"]}, format="json"
    )
    missing = as_manager_a.post(
        "/api/v1/lots/", {**body, "cooperative": MISSING}, format="json"
    )

    assert (theirs.status_code, missing.status_code) == (400, 400)
    assert theirs.json() == {
        "cooperative": [f'Invalid pk "{b["cooperative"]}" - object does not exist.']
    }
    assert missing.json() == {
        "cooperative": [f'Invalid pk "{MISSING}" - object does not exist.']
    }
    assert supply_state() == before


def test_another_cooperatives_household_cannot_take_a_share_of_our_lot(
    as_manager_a, b, product, household
):
    before = supply_state()

    def receive(other_id):
        body = lot_body(product=product, shares=[(household, "10")], kg="15")
        body["shares"].append({"household": other_id, "kg": "5"})
        return as_manager_a.post("/api/v1/lots/", body, format="json")

    theirs = receive(b["household"])
    missing = receive(MISSING)

    assert (theirs.status_code, missing.status_code) == (400, 400)
    assert theirs.json() == {
        "shares": [f"Household {b['household']} is not a member of this cooperative."]
    }
    assert missing.json() == {
        "shares": [f"Household {MISSING} is not a member of this cooperative."]
    }
    assert supply_state() == before


def test_registering_a_household_for_another_cooperative_answers_400(
    as_manager_a, b, cooperative
):
    before = supply_state()
    body = {
        "cooperative": b["cooperative"],
        "archive_number": "44180200000099",
        "village": cooperative.village_id,
        "size": 3,
    }

    response = as_manager_a.post("/api/v1/households/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "cooperative": [f'Invalid pk "{b["cooperative"]}" - object does not exist.']
    }
    assert supply_state() == before


def import_csv(*rows):
    content = "\n".join([",".join(COLUMNS), *rows]).encode()
    return SimpleUploadedFile("lots.csv", content, content_type="text/csv")


def test_importing_lots_for_another_cooperative_answers_400(
    as_manager_a, b, product, household
):
    before = supply_state()
    today = timezone.localdate()
    later = today + datetime.timedelta(days=5)
    row = f"L1,{product.upc},{today},{later},10,{household.archive_number},10,90"

    response = as_manager_a.post(
        "/api/v1/lots/import/",
        {"cooperative": b["cooperative"], "file": import_csv(row)},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json() == {
        "cooperative": [f'Invalid pk "{b["cooperative"]}" - object does not exist.']
    }
    assert supply_state() == before


def test_importing_another_cooperatives_household_reads_as_unknown(
    as_manager_a, b, product, household
):
    before = supply_state()
    today = timezone.localdate()
    later = today + datetime.timedelta(days=5)
    lot = f"L1,{product.upc},{today},{later},10"

    response = as_manager_a.post(
        "/api/v1/lots/import/",
        {
            "file": import_csv(
                f"{lot},{household.archive_number},5,90",
                f"{lot},{b['archive_number']},5,90",
                f"{lot},44999999999999,5,90",
            )
        },
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "line": 3,
                "field": "household_archive_number",
                "message": "No member household with archive number "
                f"{b['archive_number']}.",
            },
            {
                "line": 4,
                "field": "household_archive_number",
                "message": "No member household with archive number 44999999999999.",
            },
        ]
    }
    assert supply_state() == before


def test_staff_reaches_both_cooperatives(api, staff, b, cooperative, product):
    """The refusals above are scoping, not a broken endpoint: staff get through."""
    api.force_authenticate(staff)

    adjusted = api.post(
        f"/api/v1/lots/{b['lot']}/adjust/",
        {"kg": "-1", "reason": "count"},
        format="json",
    )
    patched = api.patch(
        f"/api/v1/households/{b['household']}/", {"size": 7}, format="json"
    )
    cooperative_b = api.patch(
        f"/api/v1/cooperatives/{b['cooperative']}/",
        {"address": "新地址"},
        format="json",
    )

    assert (adjusted.status_code, patched.status_code, cooperative_b.status_code) == (
        200,
        200,
        200,
    )
    assert adjusted.json()["on_hand_kg"] == "99.000"
    assert patched.json()["size"] == 7
    assert cooperative_b.json()["address"] == "新地址"
