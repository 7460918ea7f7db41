"""No input makes the API answer 500: malformed, deep, mistyped, huge, negative,
non-finite and unknown values are refused with a 4xx whose JSON names the field,
and nothing changes. The lot import answers its own line-numbered errors."""

import datetime
import io
import json
import zipfile

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

HUGE = 2**70  # past every database's integer range
MISSING = 999_999
DEEP = "[" * 100_000
DROP = object()  # an override that removes the field
ENDPOINTS = [
    "lots",
    "adjust",
    "write-off",
    "households",
    "household",
    "status",
    "cooperative",
    "token",
]


@pytest.fixture(autouse=True)
def english(settings):
    """Pin the language: assertions read the English source strings."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def ctx(api, manager, cooperative, product):
    """Manager A signed in, with a household and a lot of 100 kg to aim at."""
    household = make_household(cooperative=cooperative)
    lot = make_lot(cooperative=cooperative, product=product, households=[household])
    api.force_authenticate(manager)
    api.raise_request_exception = False  # a 500 is an answer to compare, not a crash
    return {
        "api": api,
        "product": product,
        "household": household,
        "lot": lot,
        "cooperative": cooperative,
    }


def endpoint(name, ctx):
    """(method, path, a valid body) of each writing endpoint."""
    lot, household = ctx["lot"].pk, ctx["household"].pk
    return {
        "lots": (
            "post",
            "/api/v1/lots/",
            lot_body(product=ctx["product"], shares=[(ctx["household"], "10")]),
        ),
        "adjust": (
            "post",
            f"/api/v1/lots/{lot}/adjust/",
            {"kg": "-1", "reason": "count"},
        ),
        "write-off": (
            "post",
            f"/api/v1/lots/{lot}/write-off/",
            {"kg": "1", "reason": "spoilt"},
        ),
        "households": (
            "post",
            "/api/v1/households/",
            {
                "archive_number": "44180200000099",
                "village": ctx["cooperative"].village_id,
                "size": 3,
            },
        ),
        "household": ("patch", f"/api/v1/households/{household}/", {"size": 4}),
        "status": (
            "post",
            f"/api/v1/households/{household}/status/",
            {"status": "lifted", "year_lifted_out": 2020, "note": ""},
        ),
        "cooperative": (
            "patch",
            f"/api/v1/cooperatives/{ctx['cooperative'].pk}/",
            {"address": "九龙镇河头村 1 号"},
        ),
        "token": (
            "post",
            "/api/v1/auth/token/",
            {"username": "manager_a", "password": "x"},
        ),
    }[name]


def with_changes(body, changes):
    """The body with ``changes`` applied; keys like ``shares.0.kg`` reach inside."""
    body = {**body, "shares": [dict(s) for s in body.get("shares", [])]}
    if not body["shares"]:
        del body["shares"]
    for key, value in changes.items():
        *path, last = key.split(".")
        target = body
        for step in path:
            target = target[int(step)] if step.isdigit() else target[step]
        if value is DROP:
            del target[last]
        else:
            target[last] = value
    return body


def outcome(response, field):
    """(status, ``field`` if the JSON body names it, else the body or its type)."""
    if response["Content-Type"] != "application/json":
        return response.status_code, response["Content-Type"]
    body = response.json()
    return response.status_code, field if field in body else body


def assert_refused(response, status, field):
    assert outcome(response, field) == (status, field)


def test_every_endpoint_accepts_its_valid_body(ctx):
    """The bodies the cases below spoil are good as they are."""
    codes = {}
    for name in ENDPOINTS:
        if name != "token":
            method, path, body = endpoint(name, ctx)
            response = getattr(ctx["api"], method)(path, body, format="json")
            codes[name] = response.status_code

    assert codes == {
        "lots": 201,
        "adjust": 200,
        "write-off": 200,
        "households": 201,
        "household": 200,
        "status": 200,
        "cooperative": 200,
    }


# --- malformed bodies ---------------------------------------------------------------

RAW_BODIES = [
    pytest.param(b'{"kg": ', "detail", id="truncated"),
    pytest.param(b"{'kg': 1}", "detail", id="single-quotes"),
    pytest.param(DEEP.encode(), "detail", id="deep-list"),
    pytest.param(('{"a":' * 100_000).encode(), "detail", id="deep-object"),
    pytest.param(b'{"kg": ' + b"[" * 30 + b"]" * 30 + b"}", "detail", id="deep-30"),
    pytest.param(b'{"kg": NaN}', "detail", id="NaN-literal"),
    pytest.param(b'{"kg": Infinity}', "detail", id="Infinity-literal"),
    pytest.param(b'{"kg": 1' + b"0" * 5000 + b"}", "detail", id="5000-digit-int"),
    pytest.param(b'{"kg": "\xff\xfe"}', "detail", id="not-utf8"),
    pytest.param(b"[]", "non_field_errors", id="list"),
    pytest.param(b'"kg"', "non_field_errors", id="string"),
    pytest.param(b"null", "non_field_errors", id="null"),
    pytest.param(b"12", "non_field_errors", id="number"),
]


@pytest.mark.parametrize(("raw", "field"), RAW_BODIES)
def test_malformed_json_answers_400_on_every_endpoint(ctx, raw, field):
    before = supply_state()
    answers = {}
    for name in ENDPOINTS:
        method, path, _ = endpoint(name, ctx)
        response = ctx["api"].generic(
            method.upper(), path, raw, content_type="application/json"
        )
        answers[name] = outcome(response, field)

    assert answers == dict.fromkeys(ENDPOINTS, (400, field))
    assert supply_state() == before


# --- bad values, field by field -----------------------------------------------------

LIFTED = {"status": "lifted"}
BAD = {
    "wrong types": [
        *[("lots", {"kg": v}, "kg") for v in ["abc", ["10"], {"v": 10}, True]],
        *[("lots", {"product": v}, "product") for v in ["abc", [1], 1.5, True, {}]],
        *[("lots", {"cooperative": v}, "cooperative") for v in ["abc", [1]]],
        ("lots", {"code": ["A"]}, "code"),
        *[("lots", {"harvest_date": v}, "harvest_date") for v in [20260101, ["x"]]],
        *[("lots", {"unit_price": v}, "unit_price") for v in ["abc", [1]]],
        *[
            ("lots", {"shares": v}, "shares")
            for v in ["x", {"household": 1}, [1, 2], [[]], [None]]
        ],
        *[
            ("lots", {"shares.0.household": v}, "shares")
            for v in ["x", [1], 1.5, {"id": 1}]
        ],
        *[("lots", {"shares.0.kg": v}, "shares") for v in ["abc", [10]]],
        *[("adjust", {"kg": v}, "kg") for v in ["abc", [1]]],
        ("adjust", {"reason": ["x"]}, "reason"),
        *[("write-off", {"kg": v}, "kg") for v in ["abc", [1]]],
        ("write-off", {"reason": ["x"]}, "reason"),
        ("households", {"archive_number": ["x"]}, "archive_number"),
        *[("households", {"village": v}, "village") for v in ["abc", [1], 1.5]],
        *[("households", {"size": v}, "size") for v in ["x", 1.5, [3]]],
        ("households", {"status": ["lifted"]}, "status"),
        *[
            ("households", {**LIFTED, "year_lifted_out": v}, "year_lifted_out")
            for v in ["x", 1.5]
        ],
        ("households", {"cooperative": "abc"}, "cooperative"),
        *[("household", {"size": v}, "size") for v in ["x", [4]]],
        ("status", {"status": []}, "status"),
        *[("status", {"year_lifted_out": v}, "year_lifted_out") for v in ["x", 1.5]],
        ("status", {"note": ["x"]}, "note"),
        ("cooperative", {"address": ["x"]}, "address"),
        ("cooperative", {"contact_phone": ["1"]}, "contact_phone"),
        *[("token", {"username": v}, "username") for v in [["a"], {"a": 1}]],
    ],
    "huge numbers": [
        *[("lots", {"kg": v}, "kg") for v in [1e30, "1e30", "1" * 2000]],
        *[("lots", {"product": v}, "product") for v in [HUGE, -HUGE]],
        ("lots", {"cooperative": HUGE}, "cooperative"),
        ("lots", {"unit_price": "1e30"}, "unit_price"),
        ("lots", {"shares.0.household": HUGE}, "shares"),
        ("lots", {"shares.0.kg": 1e30}, "shares"),
        *[("adjust", {"kg": v}, "kg") for v in [1e30, HUGE, "1000001", "-1000001"]],
        *[("write-off", {"kg": v}, "kg") for v in [1e30, HUGE, "1000001"]],
        ("households", {"village": HUGE}, "village"),
        *[("households", {"size": v}, "size") for v in [HUGE, -HUGE]],
        ("households", {**LIFTED, "year_lifted_out": HUGE}, "year_lifted_out"),
        ("households", {"cooperative": HUGE}, "cooperative"),
        ("household", {"size": HUGE}, "size"),
        *[("status", {"year_lifted_out": v}, "year_lifted_out") for v in [HUGE, -HUGE]],
    ],
    "negative or zero": [
        *[("lots", {"kg": v}, "kg") for v in [-10, "-10", 0]],
        *[("lots", {"product": v}, "product") for v in [-1, 0]],
        *[("lots", {"shares.0.household": v}, "shares") for v in [-5, 0]],
        *[("lots", {"shares.0.kg": v}, "shares") for v in [-10, "0"]],
        ("lots", {"unit_price": -1}, "unit_price"),
        ("adjust", {"kg": 0}, "kg"),
        *[("write-off", {"kg": v}, "kg") for v in [-1, "0"]],
        *[("households", {"size": v}, "size") for v in [0, -1]],
        ("household", {"size": 0}, "size"),
        ("status", {"year_lifted_out": -1}, "year_lifted_out"),
    ],
    "not finite or finer than a gram": [
        *[("lots", {"kg": v}, "kg") for v in ["NaN", "Infinity", "-inf", "10.0001"]],
        *[("lots", {"shares.0.kg": v}, "shares") for v in ["NaN", "9.9999"]],
        *[("lots", {"unit_price": v}, "unit_price") for v in ["NaN", "0.001"]],
        *[("adjust", {"kg": v}, "kg") for v in ["NaN", "Infinity", "0.0001"]],
        *[("write-off", {"kg": v}, "kg") for v in ["NaN", "-Infinity", "0.0005"]],
    ],
    "unknown ids": [
        ("lots", {"product": MISSING}, "product"),
        ("lots", {"cooperative": MISSING}, "cooperative"),
        ("lots", {"shares.0.household": MISSING}, "shares"),
        ("households", {"village": MISSING}, "village"),
        ("households", {"cooperative": MISSING}, "cooperative"),
    ],
    "impossible dates and years": [
        *[
            ("lots", {"harvest_date": v}, "harvest_date")
            for v in ["2026-02-30", "2026-13-01", "yesterday", "0000-01-01"]
        ],
        *[
            ("lots", {"best_before": v}, "best_before")
            for v in ["2026-02-30", "9999-12-32", "10000-01-01"]
        ],
        *[
            ("households", {**LIFTED, "year_lifted_out": v}, "year_lifted_out")
            for v in [1999, 9999]
        ],
        *[("status", {"year_lifted_out": v}, "year_lifted_out") for v in [2012, 3000]],
    ],
    "too long or too many": [
        ("lots", {"code": "x" * 65}, "code"),
        ("adjust", {"reason": "x" * 256}, "reason"),
        ("write-off", {"reason": "x" * 256}, "reason"),
        ("households", {"archive_number": "x" * 33}, "archive_number"),
        ("households", {"size": 31}, "size"),
        ("household", {"size": 31}, "size"),
        ("status", {"note": "x" * 256}, "note"),
        ("cooperative", {"address": "x" * 256}, "address"),
        ("cooperative", {"contact_phone": "1" * 33}, "contact_phone"),
    ],
    "missing, blank or null": [
        *[("lots", {"kg": v}, "kg") for v in [None, "", DROP]],
        ("lots", {"product": None}, "product"),
        *[("lots", {"code": v}, "code") for v in ["", "   ", None, DROP]],
        *[("lots", {"harvest_date": v}, "harvest_date") for v in ["", None]],
        *[("lots", {"shares": v}, "shares") for v in [None, [], DROP]],
        ("lots", {"shares.0.household": None}, "shares"),
        *[("adjust", {"kg": v}, "kg") for v in [None, DROP]],
        *[("adjust", {"reason": v}, "reason") for v in ["", "  ", None, DROP]],
        *[("write-off", {"reason": v}, "reason") for v in ["", DROP]],
        *[
            ("households", {"archive_number": v}, "archive_number")
            for v in ["", "   ", None]
        ],
        ("households", {"village": None}, "village"),
        ("households", {"size": None}, "size"),
        ("households", {"status": None}, "status"),
        ("households", {**LIFTED, "year_lifted_out": None}, "year_lifted_out"),
        ("household", {"size": None}, "size"),
        *[("status", {"status": v}, "status") for v in [None, DROP]],
        ("status", {"note": None}, "note"),
        ("cooperative", {"address": None}, "address"),
        *[("token", {"username": v}, "username") for v in [None, ""]],
        ("token", {"password": DROP}, "password"),
    ],
    "unknown choices": [
        ("households", {"status": "bogus"}, "status"),
        ("status", {"status": "bogus"}, "status"),
    ],
    "fields a PATCH cannot change": [
        *[
            ("household", {name: 1}, name)
            for name in ["status", "bogus", "archive_number", "village", "id"]
        ],
        *[
            ("cooperative", {name: "x"}, name)
            for name in [
                "name",
                "registration_code",
                "village",
                "daily_capacity_kg",
                "id",
            ]
        ],
    ],
}


def case_id(name, changes):
    shown = ",".join(
        f"{k}={'DROP' if v is DROP else repr(v)[:24]}" for k, v in changes.items()
    )
    return f"{name}:{shown}"


@pytest.mark.parametrize("kind", BAD)
def test_bad_values_answer_400_naming_the_field(ctx, kind):
    before = supply_state()
    answers, expected = {}, {}
    for name, changes, field in BAD[kind]:
        method, path, body = endpoint(name, ctx)
        response = getattr(ctx["api"], method)(
            path, with_changes(body, changes), format="json"
        )
        answers[case_id(name, changes)] = outcome(response, field)
        expected[case_id(name, changes)] = (400, field)

    assert answers == expected
    assert supply_state() == before


def test_too_many_shares_are_refused_before_any_lookup(ctx):
    _, path, body = endpoint("lots", ctx)
    shares = [{"household": n, "kg": "1"} for n in range(1, 1002)]
    before = supply_state()

    response = ctx["api"].post(
        path, {**body, "kg": "1001", "shares": shares}, format="json"
    )

    assert_refused(response, 400, "shares")
    assert response.json()["shares"] == {
        "non_field_errors": ["Ensure this field has no more than 1000 elements."]
    }
    assert supply_state() == before


def test_dates_keep_their_calendar_message(ctx):
    _, path, body = endpoint("lots", ctx)

    response = ctx["api"].post(
        path, with_changes(body, {"harvest_date": "2026-02-30"}), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "harvest_date": [
            "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
        ]
    }


def test_a_number_beyond_float_range_is_not_a_number_of_kg(ctx):
    """JSON's 1e400 decodes to infinity, which no kg field may take."""
    before = supply_state()
    answers = {}
    for name in ["lots", "adjust", "write-off"]:
        method, path, body = endpoint(name, ctx)
        raw = json.dumps({**body, "kg": "KG"}).replace('"KG"', "1e400")
        response = ctx["api"].generic(
            method.upper(), path, raw, content_type="application/json"
        )
        answers[name] = outcome(response, "kg")

    assert answers == dict.fromkeys(["lots", "adjust", "write-off"], (400, "kg"))
    assert supply_state() == before


# --- ids and filters in the URL -----------------------------------------------------

OBJECT_URLS = [
    ("get", "/api/v1/lots/{}/"),
    ("post", "/api/v1/lots/{}/adjust/"),
    ("post", "/api/v1/lots/{}/write-off/"),
    ("get", "/api/v1/households/{}/"),
    ("patch", "/api/v1/households/{}/"),
    ("post", "/api/v1/households/{}/status/"),
    ("get", "/api/v1/cooperatives/{}/"),
    ("patch", "/api/v1/cooperatives/{}/"),
    ("get", "/api/v1/stock-movements/{}/"),
    ("get", "/api/v1/villages/{}/"),
    ("get", "/api/v1/products/{}/"),
]


@pytest.mark.parametrize("bad_id", ["abc", str(HUGE), str(-HUGE), "-1", "0", "%00"])
def test_unusable_ids_in_the_url_answer_404_on_every_endpoint(ctx, bad_id):
    before = supply_state()
    answers = {}
    for method, path in OBJECT_URLS:
        response = getattr(ctx["api"], method)(
            path.format(bad_id), {"kg": "1", "reason": "x", "size": 3}, format="json"
        )
        answers[f"{method} {path}"] = outcome(response, "detail")

    assert answers == {f"{m} {p}": (404, "detail") for m, p in OBJECT_URLS}
    assert supply_state() == before


BAD_FILTERS = {
    "/api/v1/lots/?product=abc": "product",
    "/api/v1/lots/?product=1.5": "product",
    f"/api/v1/lots/?product={HUGE}": "product",
    "/api/v1/lots/?cooperative=[1]": "cooperative",
    f"/api/v1/lots/?cooperative={-HUGE}": "cooperative",
    "/api/v1/households/?status=bogus": "status",
    "/api/v1/households/?village=x": "village",
    f"/api/v1/households/?village={HUGE}": "village",
    "/api/v1/stock-movements/?lot=x": "lot",
    f"/api/v1/stock-movements/?lot={HUGE}": "lot",
    "/api/v1/stock-movements/?lot=0": "lot",
    "/api/v1/stock-movements/?kind=stolen": "kind",
}


def test_bad_filters_answer_400_naming_the_filter(ctx):
    answers = {
        path: outcome(ctx["api"].get(path), f) for path, f in BAD_FILTERS.items()
    }

    assert answers == {path: (400, f) for path, f in BAD_FILTERS.items()}


def test_filters_by_ids_that_name_no_row_find_nothing(ctx):
    response = ctx["api"].get(f"/api/v1/stock-movements/?lot={MISSING}")

    assert response.status_code == 200
    assert response.json()["count"] == 0


# --- lot import ---------------------------------------------------------------------

IMPORT_URL = "/api/v1/lots/import/"


def upload(name, content, content_type="text/csv"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def csv_file(*rows):
    return upload("lots.csv", "\n".join([",".join(COLUMNS), *rows]).encode())


def xlsx_like_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"


@pytest.mark.parametrize(
    ("file", "errors"),
    [
        pytest.param(
            upload("lots.csv", b""),
            [{"line": 1, "field": "file", "message": "The file is empty."}],
            id="empty",
        ),
        pytest.param(
            upload("photo.png", PNG, "image/png"),
            [{"line": 0, "field": "file", "message": "Upload a .csv or .xlsx file."}],
            id="png",
        ),
        pytest.param(
            upload("lots.csv", PNG + bytes(range(256)) * 4),
            [
                {
                    "line": 0,
                    "field": "file",
                    "message": "The CSV file must be UTF-8 or GB18030 text.",
                }
            ],
            id="binary-named-csv",
        ),
        pytest.param(
            upload("lots.xlsx", PNG),
            [
                {
                    "line": 0,
                    "field": "file",
                    "message": "This is not a readable .xlsx file.",
                }
            ],
            id="binary-named-xlsx",
        ),
        pytest.param(
            upload("lots.xlsx", xlsx_like_zip()),
            [
                {
                    "line": 0,
                    "field": "file",
                    "message": "This is not a readable .xlsx file.",
                }
            ],
            id="zip-named-xlsx",
        ),
        pytest.param(
            upload("lots.csv", ",".join(COLUMNS).encode()),
            [{"line": 2, "field": "file", "message": "The file has no data rows."}],
            id="header-only",
        ),
        pytest.param(
            upload("lots.csv", b"lot_code,sku\nL1,X\n"),
            [
                {"line": 1, "field": column, "message": f"Missing column {column}."}
                for column in sorted(COLUMNS[2:-1])
            ],
            id="missing-columns",
        ),
    ],
)
def test_unreadable_import_files_answer_line_numbered_errors(ctx, file, errors):
    before = supply_state()

    response = ctx["api"].post(IMPORT_URL, {"file": file}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {"errors": errors}
    assert supply_state() == before


@pytest.fixture
def rows(ctx):
    today = timezone.localdate()
    later = today + datetime.timedelta(days=5)
    product, archive = ctx["product"].upc, ctx["household"].archive_number
    lot = f"{product},{today},{later}"
    return {
        "good": f"L1,{lot},10,{archive},10,90",
        "lot": lot,
        "archive": archive,
        "today": today,
        "later": later,
        "product": product,
    }


PRICE_RANGE = "The price must be between 0.01 and 1,000,000 yuan."
NOT_POSITIVE = "Kilograms must be greater than zero."


@pytest.mark.parametrize(
    ("row", "errors"),
    [
        (
            "L2,{product},2026-02-30,{later},5,{archive},5,90",
            [("harvest_date", "Enter a date as YYYY-MM-DD.")],
        ),
        (
            "L2,{lot},abc,{archive},abc,90",
            [("lot_kg", "Enter a number."), ("share_kg", "Enter a number.")],
        ),
        (
            "L2,{lot},NaN,{archive},Infinity,90",
            [("lot_kg", "Enter a number."), ("share_kg", "Enter a number.")],
        ),
        (
            "L2,{lot},-5,{archive},-5,90",
            [("lot_kg", NOT_POSITIVE), ("share_kg", NOT_POSITIVE)],
        ),
        (
            "L2,{lot},1e30,{archive},1e30,90",
            [
                ("lot_kg", "At most 1,000,000 kg."),
                ("share_kg", "At most 1,000,000 kg."),
            ],
        ),
        ("L2,{lot},5,{archive},5,1e30", [("unit_price", PRICE_RANGE)]),
        ("L2,{lot},5,{archive},5,0.001", [("unit_price", PRICE_RANGE)]),
        ("L2,{lot},5,{archive},5,abc", [("unit_price", "Enter a number.")]),
        (
            "L2,{lot},5,{archive},4,90",
            [
                (
                    "share_kg",
                    "Household shares add up to 4.000 kg but the lot is 5.000 kg.",
                )
            ],
        ),
        (
            "L2,{lot},5,44999999999999,5,90",
            [
                (
                    "household_archive_number",
                    "No member household with archive number 44999999999999.",
                )
            ],
        ),
        (
            "L2,NOPE,{today},{later},5,{archive},5,90",
            [("sku", "No product with SKU NOPE.")],
        ),
        (",{lot},5,{archive},5,90", [("lot_code", "Give the lot a code.")]),
    ],
)
def test_a_bad_row_is_reported_by_line_and_nothing_is_imported(ctx, rows, row, errors):
    before = supply_state()

    response = ctx["api"].post(
        IMPORT_URL, {"file": csv_file(rows["good"], row.format(**rows))}
    )

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"line": 3, "field": field, "message": message} for field, message in errors
        ]
    }
    assert supply_state() == before


def test_the_good_file_imports(ctx, rows):
    """The rows the cases above spoil import as they are."""
    response = ctx["api"].post(IMPORT_URL, {"file": csv_file(rows["good"])})

    assert response.status_code == 201
    assert response.json()["created"] == 1
    assert [lot["code"] for lot in response.json()["lots"]] == ["L1"]


@pytest.mark.parametrize(
    ("data", "format", "status", "field"),
    [
        ({}, "multipart", 400, "file"),
        ({"file": "lots.csv"}, "multipart", 400, "file"),
        ({"file": "x", "cooperative": "abc"}, "multipart", 400, "cooperative"),
        ({"file": "x", "cooperative": str(HUGE)}, "multipart", 400, "cooperative"),
        ({"file": "L1,,,"}, "json", 415, "detail"),
    ],
)
def test_import_without_a_file_answers_4xx(ctx, data, format, status, field):
    before = supply_state()

    response = ctx["api"].post(IMPORT_URL, data, format=format)

    assert_refused(response, status, field)
    assert supply_state() == before
