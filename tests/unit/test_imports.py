"""Lot import: all rows checked first, errors by line, nothing imported on error."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook

from suppliers.imports import COLUMNS, ImportRejected, RowError, import_lots
from suppliers.models import LotShare, StockLot, StockMovement
from tests.factories import ProductFactory, make_household, stockrecord_for

D = Decimal
HEADER = ",".join(COLUMNS)


@pytest.fixture
def setup(cooperative):
    product = ProductFactory(upc="QYJ-001")
    first = make_household(cooperative=cooperative)
    second = make_household(cooperative=cooperative)
    today = timezone.localdate()
    later = today + datetime.timedelta(days=7)
    return {
        "product": product,
        "a": first.archive_number,
        "b": second.archive_number,
        "today": today.isoformat(),
        "later": later.isoformat(),
    }


def csv_bytes(*rows: str, encoding="utf-8") -> bytes:
    return "\n".join([HEADER, *rows]).encode(encoding)


def good_rows(s):
    return [
        f"L1,QYJ-001,{s['today']},{s['later']},30,{s['a']},20,98.00",
        f"L1,QYJ-001,{s['today']},{s['later']},30,{s['b']},10,98.00",
        f"L2,QYJ-001,{s['today']},{s['later']},12.5,{s['a']},12.5,",
    ]


def test_csv_import_creates_lots_shares_and_stock(cooperative, setup, manager):
    lots = import_lots(
        cooperative=cooperative,
        content=csv_bytes(*good_rows(setup)),
        filename="lots.csv",
        actor=manager,
    )

    assert [(lot.code, lot.received_kg) for lot in lots] == [
        ("L1", D(30)),
        ("L2", D("12.5")),
    ]
    assert LotShare.objects.filter(lot__code="L1").count() == 2
    assert StockMovement.objects.filter(kind="received", actor=manager).count() == 2
    record = stockrecord_for(cooperative=cooperative, product=setup["product"])
    assert (record.num_in_stock, record.price) == (8, D("98.00"))


def test_gb18030_csv_from_excel_is_read(cooperative, setup):
    content = csv_bytes(*good_rows(setup), "# 备注", encoding="gb18030")
    with pytest.raises(ImportRejected) as raised:
        import_lots(cooperative=cooperative, content=content, filename="批次.CSV")
    assert raised.value.errors[0].line == 5  # the Chinese note row, read correctly


def test_errors_come_back_by_line_and_nothing_is_imported(cooperative, setup):
    s = setup
    rows = [
        *good_rows(s),
        f"L3,NOPE,{s['today']},{s['later']},5,{s['a']},5,10",
        f"L4,QYJ-001,2026-13-01,{s['later']},5,{s['a']},5,10",
        f"L5,QYJ-001,{s['today']},{s['later']},5,UNKNOWN,5,10",
        f"L6,QYJ-001,{s['today']},{s['later']},abc,{s['a']},5,10",
    ]
    with pytest.raises(ImportRejected) as raised:
        import_lots(cooperative=cooperative, content=csv_bytes(*rows), filename="x.csv")

    assert raised.value.errors == [
        RowError(5, "sku", "No product with SKU NOPE."),
        RowError(6, "harvest_date", "Enter a date as YYYY-MM-DD."),
        RowError(
            7,
            "household_archive_number",
            "No member household with archive number UNKNOWN.",
        ),
        RowError(8, "lot_kg", "Enter a number."),
    ]
    assert StockLot.objects.count() == 0
    assert StockMovement.objects.count() == 0


def test_shares_not_summing_are_reported_at_the_lot_line(cooperative, setup):
    s = setup
    rows = [
        f"L1,QYJ-001,{s['today']},{s['later']},30,{s['a']},20,98",
        f"L1,QYJ-001,{s['today']},{s['later']},30,{s['b']},9.999,98",
    ]
    with pytest.raises(ImportRejected) as raised:
        import_lots(cooperative=cooperative, content=csv_bytes(*rows), filename="x.csv")
    assert raised.value.errors == [
        RowError(
            2,
            "share_kg",
            "Household shares add up to 29.999 kg but the lot is 30.000 kg.",
        )
    ]
    assert StockLot.objects.count() == 0


def test_lot_columns_must_agree_across_its_rows(cooperative, setup):
    s = setup
    rows = [
        f"L1,QYJ-001,{s['today']},{s['later']},30,{s['a']},20,98",
        f"L1,QYJ-001,{s['today']},{s['later']},31,{s['b']},10,98",
        f"L1,QYJ-001,{s['today']},{s['later']},30,{s['a']},10,98",
    ]
    with pytest.raises(ImportRejected) as raised:
        import_lots(cooperative=cooperative, content=csv_bytes(*rows), filename="x.csv")
    assert raised.value.errors == [
        RowError(3, "lot_kg", "Differs from line 2 of the same lot."),
        RowError(4, "household_archive_number", "This household is already in lot L1."),
    ]


def test_other_cooperatives_households_are_unknown(
    cooperative, other_cooperative, setup
):
    outsider = make_household(cooperative=other_cooperative)
    s = setup
    row = f"L1,QYJ-001,{s['today']},{s['later']},5,{outsider.archive_number},5,9"
    with pytest.raises(ImportRejected) as raised:
        import_lots(cooperative=cooperative, content=csv_bytes(row), filename="x.csv")
    assert [(e.line, e.field) for e in raised.value.errors] == [
        (2, "household_archive_number")
    ]


def test_existing_lot_code_is_refused(cooperative, setup):
    import_lots(
        cooperative=cooperative, content=csv_bytes(*good_rows(setup)), filename="a.csv"
    )
    with pytest.raises(ImportRejected) as raised:
        import_lots(
            cooperative=cooperative,
            content=csv_bytes(*good_rows(setup)),
            filename="a.csv",
        )
    assert [(e.line, e.field) for e in raised.value.errors] == [
        (2, "lot_code"),
        (4, "lot_code"),
    ]
    assert StockLot.objects.count() == 2


def test_xlsx_import_with_real_dates(cooperative, setup):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    today = timezone.localdate()
    sheet.append(
        [
            "X1",
            "QYJ-001",
            today,
            today + datetime.timedelta(days=3),
            7.5,
            setup["a"],
            7.5,
            12,
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)

    lots = import_lots(
        cooperative=cooperative, content=buffer.getvalue(), filename="a.xlsx"
    )

    assert [(lot.code, lot.received_kg, lot.harvest_date) for lot in lots] == [
        ("X1", D("7.5"), today)
    ]


@pytest.mark.parametrize(
    ("content", "filename", "error"),
    [
        (b"", "a.csv", RowError(1, "file", "The file is empty.")),
        (HEADER.encode(), "a.csv", RowError(2, "file", "The file has no data rows.")),
        (b"lot_code,sku\nA,B", "a.csv", None),
        (
            b"PK\x03\x04garbage",
            "a.xlsx",
            RowError(0, "file", "This is not a readable .xlsx file."),
        ),
        (b"hello", "a.pdf", RowError(0, "file", "Upload a .csv or .xlsx file.")),
        (b"\xff\xfe\x00\x81\x30", "a.csv", None),
    ],
)
def test_unreadable_files_are_refused(cooperative, content, filename, error):
    with pytest.raises(ImportRejected) as raised:
        import_lots(cooperative=cooperative, content=content, filename=filename)
    if error is not None:
        assert raised.value.errors == [error]
    assert StockLot.objects.count() == 0


@pytest.mark.parametrize(
    "content",
    [
        b"SQLite format 3\x00" + bytes(200),
        "\n".join([HEADER, "L1,QYJ-001"]).encode("utf-16-le"),
    ],
    ids=["binary", "utf-16"],
)
def test_a_binary_file_renamed_csv_is_refused_as_unreadable(cooperative, content):
    with pytest.raises(ImportRejected) as raised:
        import_lots(cooperative=cooperative, content=content, filename="lots.csv")
    assert raised.value.errors == [
        RowError(0, "file", "This is not a readable CSV file.")
    ]
    assert StockLot.objects.count() == 0
