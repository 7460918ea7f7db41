"""The counter-sales API: staff record batches (JSON or a CSV/XLSX upload) and
withdraw them; staff and officials read them; everyone else is refused with one 403.
A refused batch answers 400 with every error by line, and nothing is recorded."""

import io

import pytest
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS
from openpyxl import Workbook

from ledger.counter_sales import record_counter_sales
from ledger.models import CounterSale, CounterSaleBatch, HouseholdIncome, LedgerEntry
from tests.factories import make_lot
from tests.integration.bulk import D
from tests.integration.sales import TODAY, days_ago, sale

pytestmark = pytest.mark.django_db

URL = "/api/v1/counter-sales/"
UPLOAD = "/api/v1/counter-sales/upload/"
HEADER = "date,channel,sku,kg,yuan,cooperative,lot\n"


@pytest.fixture(autouse=True)
def english(settings):
    """Pin the language: assertions read the English source strings."""
    settings.LANGUAGE_CODE = "en"


def state():
    """Everything a refused request must leave as it was."""
    return (
        list(CounterSaleBatch.objects.order_by("pk").values_list()),
        list(CounterSale.objects.order_by("pk").values_list()),
        list(LedgerEntry.objects.order_by("pk").values_list("pk", "kg", "yuan")),
        list(HouseholdIncome.objects.order_by("pk").values_list("pk", "kg", "yuan")),
    )


def ledger_totals():
    """The ledger's kg and yuan, summed exactly (SQLite sums decimals as floats)."""
    entries = list(LedgerEntry.objects.values_list("kg", "yuan"))
    return sum(kg for kg, _ in entries), sum(yuan for _, yuan in entries)


def row(kg="10", yuan="62.00", **fields):
    return {
        "date": TODAY().isoformat(),
        "channel": "grandbuy-beijing-rd",
        "sku": "LZ-RICE-5",
        "kg": kg,
        "yuan": yuan,
        **fields,
    }


def csv_file(*lines: str, name="gb-0601.csv", encoding="utf-8"):
    upload = io.BytesIO((HEADER + "".join(lines)).encode(encoding))
    upload.name = name
    return upload


def line(kg="10", yuan="62.00", cooperative="", lot="", day=None):
    day = day or TODAY().isoformat()
    return f"{day},grandbuy-beijing-rd,LZ-RICE-5,{kg},{yuan},{cooperative},{lot}\n"


def upload(api, reference, file):
    file.seek(0)
    return api.post(UPLOAD, {"reference": reference, "file": file}, format="multipart")


def recorded_at(reference) -> str:
    created = CounterSaleBatch.objects.get(reference=reference).created_at
    return timezone.localtime(created).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def lots(counter, rice, cooperative, other_cooperative):
    """6 kg harvested nine days ago at one cooperative, 50 kg three days ago at
    another."""
    return (
        make_lot(
            cooperative=other_cooperative,
            product=rice,
            kg="6",
            harvest_date=days_ago(9),
            code="LZ-0501",
        ),
        make_lot(
            cooperative=cooperative,
            product=rice,
            kg="50",
            harvest_date=days_ago(3),
            code="LZ-0512",
        ),
    )


# --- recording ------------------------------------------------------------------------


def test_staff_record_a_json_batch_and_get_each_sales_attribution(
    api, staff, lots, cooperative, other_cooperative
):
    old, new = lots
    api.force_authenticate(staff)

    response = api.post(
        URL,
        {
            "reference": " GB-0601 ",
            "sales": [
                row(),
                row("2.5", "15.50", cooperative=cooperative.registration_code),
                row(1, 6.2, lot="LZ-0512"),
            ],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    batch = CounterSaleBatch.objects.get()
    assert body.pop("created_at")
    sales = body.pop("sales")
    assert body == {
        "id": batch.pk,
        "reference": "GB-0601",
        "filename": "",
        "rows": 3,
        "kg": "13.500",
        "yuan": "83.70",
        "recorded_by": "staff",
        "withdrawn": False,
        "withdrawn_at": None,
        "withdrawn_reason": "",
    }
    today = TODAY().isoformat()

    def part(lot, kg, yuan):
        return {
            "lot": lot.pk,
            "lot_code": lot.code,
            "cooperative": lot.cooperative_id,
            "cooperative_name": lot.cooperative.name,
            "harvest_date": lot.harvest_date.isoformat(),
            "kg": kg,
            "yuan": yuan,
        }

    common = {
        "date": today,
        "channel": "grandbuy-beijing-rd",
        "sku": "LZ-RICE-5",
        "product": "连州有机大米 5 kg",
    }
    assert sales == [
        {
            **common,
            "line": 1,
            "kg": "10.000",
            "yuan": "62.00",
            "cooperative": None,
            "lot": None,
            "attribution": "fifo",
            "attribution_display": "Product only: lots oldest first",
            "lots": [part(old, "6.000", "37.20"), part(new, "4.000", "24.80")],
        },
        {
            **common,
            "line": 2,
            "kg": "2.500",
            "yuan": "15.50",
            "cooperative": cooperative.registration_code,
            "lot": None,
            "attribution": "cooperative_fifo",
            "attribution_display": "Cooperative given: its lots, oldest first",
            "lots": [part(new, "2.500", "15.50")],
        },
        {
            **common,
            "line": 3,
            "kg": "1.000",
            "yuan": "6.20",
            "cooperative": None,
            "lot": "LZ-0512",
            "attribution": "lot",
            "attribution_display": "Lot given",
            "lots": [part(new, "1.000", "6.20")],
        },
    ]
    assert ledger_totals() == (D("13.500"), D("83.70"))
    assert other_cooperative.pk == old.cooperative_id


def test_staff_upload_a_gb18030_csv(api, staff, lots):
    api.force_authenticate(staff)
    file = csv_file(line("3"), line("1.5", "9.30"), name="六月.csv", encoding="gb18030")

    response = upload(api, "GB-0602", file)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["reference"], body["filename"], body["rows"], body["kg"]) == (
        "GB-0602",
        "六月.csv",
        2,
        "4.500",
    )
    assert [(s["line"], s["kg"], s["attribution"]) for s in body["sales"]] == [
        (2, "3.000", "fifo"),
        (3, "1.500", "fifo"),
    ]
    assert CounterSaleBatch.objects.get().content_hash
    assert ledger_totals()[0] == D("4.500")


def test_staff_upload_an_xlsx_with_chinese_headers(api, staff, lots):
    book = Workbook()
    book.active.append(["日期", "渠道", "商品编码", "公斤", "金额", "批次"])
    book.active.append(
        [days_ago(1), "grandbuy-beijing-rd", "LZ-RICE-5", 2, 12.4, "LZ-0512"]
    )
    file = io.BytesIO()
    book.save(file)
    file.name = "sales.xlsx"
    api.force_authenticate(staff)

    response = upload(api, "GB-0603", file)

    assert response.status_code == 201, response.json()
    [only] = response.json()["sales"]
    assert (only["date"], only["kg"], only["yuan"], only["attribution"]) == (
        days_ago(1).isoformat(),
        "2.000",
        "12.40",
        "lot",
    )


# --- refusals: all or nothing ---------------------------------------------------------


def test_an_upload_with_bad_cells_records_nothing_and_names_each_line(api, staff, lots):
    api.force_authenticate(staff)
    before = state()

    response = upload(
        api, "GB-0604", csv_file(line(), line(kg="ten"), line(day="01/06/2025"))
    )

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"line": 3, "field": "kg", "message": "Enter a number."},
            {"line": 4, "field": "date", "message": "Enter a date as YYYY-MM-DD."},
        ]
    }
    assert state() == before


def test_an_upload_the_service_refuses_records_nothing_and_names_each_line(
    api, staff, lots
):
    api.force_authenticate(staff)
    before = state()
    file = csv_file(
        line(),
        f"{TODAY().isoformat()},nope,LZ-RICE-5,1,1,,\n",
        line(kg="1.0001"),
        line(lot="NOPE"),
        line(kg="100"),
    )

    response = upload(api, "GB-0605", file)

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"line": 3, "field": "channel", "message": "Unknown channel."},
            {
                "line": 4,
                "field": "kg",
                "message": "Kilograms are exact to the gram (3 decimals).",
            },
            {"line": 5, "field": "lot", "message": "Unknown lot."},
            {
                "line": 6,
                "field": "kg",
                "message": "Only 46.000 kg of this product harvested by that day "
                "are not accounted for by other sales.",
            },
        ]
    }
    assert state() == before


def test_the_same_file_again_is_refused_even_under_another_reference(api, staff, lots):
    api.force_authenticate(staff)
    file = csv_file(line("5"))
    assert upload(api, "GB-0606", file).status_code == 201
    before = state()

    response = upload(api, "GB-0606-again", file)

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "line": 0,
                "field": "reference",
                "message": f"This batch was recorded already (GB-0606, "
                f"{recorded_at('GB-0606')}).",
            }
        ]
    }
    assert state() == before
    assert ledger_totals()[0] == D("5.000")


def test_the_same_reference_again_is_refused_for_json_and_files(api, staff, lots):
    api.force_authenticate(staff)
    assert api.post(URL, {"reference": "GB-0607", "sales": [row("1")]}, format="json")
    before = state()
    message = f"This batch was recorded already (GB-0607, {recorded_at('GB-0607')})."

    by_json = api.post(
        URL, {"reference": "GB-0607", "sales": [row("2")]}, format="json"
    )
    by_file = upload(api, "GB-0607", csv_file(line("2")))

    for response in (by_json, by_file):
        assert response.status_code == 400
        assert response.json() == {
            "errors": [{"line": 0, "field": "reference", "message": message}]
        }
    assert state() == before


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"sales": [row()]},
            [(0, "reference", "This field is required.")],
        ),
        (
            {"reference": " ", "sales": []},
            [
                (0, "reference", "Give the batch a reference."),
                (0, "sales", "The batch has no sales."),
            ],
        ),
        (
            {"reference": "R" * 65, "sales": "x"},
            [
                (0, "reference", "Ensure this field has no more than 64 characters."),
                (0, "sales", 'Expected a list of items but got type "str".'),
            ],
        ),
        (
            {
                "reference": "GB-0608",
                "sales": [row(), row(kg="ten", date="June"), {"kg": "1"}],
            },
            [
                (2, "date", "Date has wrong format. Use one of these formats "
                 "instead: YYYY-MM-DD."),
                (2, "kg", "A valid number is required."),
                (3, "channel", "This field is required."),
                (3, "date", "This field is required."),
                (3, "sku", "This field is required."),
                (3, "yuan", "This field is required."),
            ],
        ),
        (
            {"reference": "GB-0609", "sales": [row(), row(channel="nope", kg="-1")]},
            [(2, "channel", "Unknown channel."),
             (2, "kg", "Kilograms must be more than 0.")],
        ),
    ],
)  # fmt: skip
def test_a_bad_json_batch_records_nothing_and_names_each_sale(
    api, staff, lots, body, errors
):
    api.force_authenticate(staff)
    before = state()

    response = api.post(URL, body, format="json")

    assert response.status_code == 400
    assert [
        (e["line"], e["field"], e["message"]) for e in response.json()["errors"]
    ] == errors
    assert state() == before


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"reference": "GB-0610"}, [(0, "file", "No file was submitted.")]),
        (
            {"reference": "GB-0610", "file": csv_file(name="sales.txt")},
            [(0, "file", "Upload a .csv or .xlsx file.")],
        ),
        (
            {"reference": "GB-0610", "file": csv_file()},
            [(2, "file", "The file has no data rows.")],
        ),
        (
            {"file": csv_file(line())},
            [(0, "reference", "This field is required.")],
        ),
    ],
)
def test_a_bad_upload_records_nothing(api, staff, lots, body, errors):
    api.force_authenticate(staff)
    before = state()

    response = api.post(UPLOAD, body, format="multipart")

    assert response.status_code == 400
    assert [
        (e["line"], e["field"], e["message"]) for e in response.json()["errors"]
    ] == errors
    assert state() == before


# --- withdrawing ----------------------------------------------------------------------


def test_withdrawing_reverses_every_entry_and_frees_the_kg(api, staff, lots):
    batch = record_counter_sales(rows=[sale(kg="10")], reference="GB-0611")
    api.force_authenticate(staff)

    response = api.post(f"{URL}{batch.pk}/withdraw/", {"reason": "重复上报"})

    assert response.status_code == 200
    body = response.json()
    assert (body["withdrawn"], body["withdrawn_reason"], body["rows"]) == (
        True,
        "重复上报",
        1,
    )
    assert body["withdrawn_at"]
    # The sale keeps the lots it was attributed to; the ledger nets to nothing.
    assert [p["kg"] for p in body["sales"][0]["lots"]] == ["6.000", "4.000"]
    assert ledger_totals() == (D("0.000"), D("0.00"))
    assert set(HouseholdIncome.objects.values_list("yuan", flat=True)) == {D("0.00")}
    again = api.post(f"{URL}{batch.pk}/withdraw/", {"reason": "again"})
    assert again.status_code == 200
    assert again.json()["withdrawn_reason"] == "重复上报"
    assert LedgerEntry.objects.filter(reverses__isnull=False).count() == 2


def test_withdrawing_without_a_reason_changes_nothing(api, staff, lots):
    batch = record_counter_sales(rows=[sale()], reference="GB-0612")
    api.force_authenticate(staff)
    before = state()

    for body in ({"reason": "  "}, {}):
        response = api.post(f"{URL}{batch.pk}/withdraw/", body, format="json")
        assert response.status_code == 400
        [error] = response.json()["errors"]
        assert (error["line"], error["field"]) == (0, "reason")
    assert state() == before


def test_a_batch_that_does_not_exist_answers_404_to_staff(api, staff):
    api.force_authenticate(staff)

    assert api.get(f"{URL}999999/").status_code == 404
    assert api.get(f"{URL}abc/").status_code == 404
    assert api.post(f"{URL}999999/withdraw/", {"reason": "x"}).status_code == 404


# --- reading --------------------------------------------------------------------------


def test_staff_and_officials_read_batches_newest_first(api, staff, official, lots):
    first = record_counter_sales(
        rows=[sale(kg="1", yuan="6.20"), sale(3, kg="2", yuan="12.40")],
        reference="GB-0613",
        actor=staff,
        content=b"first file",
        filename="first.csv",
    )
    second = record_counter_sales(rows=[sale(kg="1")], reference="GB-0614")

    for user in (staff, official):
        api.force_authenticate(user)
        listed = api.get(URL)
        detail = api.get(f"{URL}{first.pk}/")

        assert listed.status_code == 200
        assert listed.json()["count"] == 2
        assert [
            (b["id"], b["rows"], b["kg"], b["yuan"], b["recorded_by"], b["filename"])
            for b in listed.json()["results"]
        ] == [
            (second.pk, 1, "1.000", "62.00", None, ""),
            (first.pk, 2, "3.000", "18.60", "staff", "first.csv"),
        ]
        assert "sales" not in listed.json()["results"][0]
        assert detail.status_code == 200
        assert [s["line"] for s in detail.json()["sales"]] == [2, 3]


# --- who may do what ------------------------------------------------------------------


@pytest.fixture
def batch(lots):
    return record_counter_sales(rows=[sale(kg="1")], reference="GB-0615")


def test_managers_and_shoppers_cannot_read(api, manager, shopper, batch):
    for user in (manager, shopper):
        api.force_authenticate(user)
        assert api.get(URL).status_code == 403
        assert api.get(f"{URL}{batch.pk}/").status_code == 403
        assert api.get(f"{URL}999999/").status_code == 403


def test_anonymous_users_are_asked_to_sign_in(api, batch):
    assert api.get(URL).status_code == 401
    assert api.post(URL, {}, format="json").status_code == 401


WRITES = [
    ("json", lambda b: (URL, {"reference": "X-1", "sales": [row("1")]}, "json")),
    ("upload", lambda b: (UPLOAD, {"reference": "X-2", "file": csv_file(line("1"))},
                          "multipart")),
    ("withdraw", lambda b: (f"{URL}{b.pk}/withdraw/", {"reason": "x"}, "json")),
    ("withdraw missing", lambda b: (f"{URL}999999/withdraw/", {"reason": "x"}, "json")),
    ("put", lambda b: (f"{URL}{b.pk}/", {}, "json")),
]  # fmt: skip


@pytest.mark.parametrize("write", [name for name, _ in WRITES])
def test_only_staff_write_officials_included_get_one_403(
    api, official, manager, shopper, batch, write
):
    path, body, fmt = dict(WRITES)[write](batch)
    before = state()

    answers = {}
    for user in (official, manager, shopper):
        api.force_authenticate(user)
        if hasattr(body.get("file"), "seek"):
            body["file"].seek(0)
        method = api.put if write == "put" else api.post
        response = method(path, body, format=fmt)
        answers[user.username] = (
            response.status_code,
            response.json()["detail"],
        )

    refusal = (403, "Only platform staff can record or withdraw counter sales.")
    assert answers == {"official": refusal, "manager_a": refusal, "shopper": refusal}
    assert state() == before


# --- schema ---------------------------------------------------------------------------


def test_the_schema_documents_counter_sales_without_warnings(api):
    GENERATOR_STATS.reset()

    response = api.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert not GENERATOR_STATS._warn_cache
    assert not GENERATOR_STATS._error_cache
    paths = response.json()["paths"]
    assert {
        path: sorted(paths[path])
        for path in (
            "/api/v1/counter-sales/",
            "/api/v1/counter-sales/{id}/",
            "/api/v1/counter-sales/upload/",
            "/api/v1/counter-sales/{id}/withdraw/",
        )
    } == {
        "/api/v1/counter-sales/": ["get", "post"],
        "/api/v1/counter-sales/{id}/": ["get"],
        "/api/v1/counter-sales/upload/": ["post"],
        "/api/v1/counter-sales/{id}/withdraw/": ["post"],
    }
    upload_body = paths["/api/v1/counter-sales/upload/"]["post"]["requestBody"]
    assert list(upload_body["content"]) == ["multipart/form-data"]
