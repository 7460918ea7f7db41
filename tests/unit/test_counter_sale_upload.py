"""The counter-sales file parser: CSV (UTF-8, GB18030) and XLSX, English or Chinese
headers, every bad cell at its line; the rules about what the cells name are the
service's, not the parser's."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import Workbook

from ledger.counter_sale_upload import MAX_ROWS, parse_counter_sales
from ledger.counter_sales import CounterSaleInput, CounterSalesRejected

D = Decimal
HEADER = "date,channel,sku,kg,yuan,cooperative,lot\n"


@pytest.fixture(autouse=True)
def english():
    """Assertions read the English source strings."""
    with translation.override("en"):
        yield


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parse(content: bytes, filename: str = "sales.csv"):
    return parse_counter_sales(content=content, filename=filename)


def rejected(content: bytes, filename: str = "sales.csv") -> list[tuple]:
    with pytest.raises(CounterSalesRejected) as caught:
        parse(content, filename)
    return [(e.line, e.field, e.message) for e in caught.value.errors]


def sale(line, day="2025-06-01", channel="grandbuy-beijinglu", sku="NJ-FK-01", **kw):
    values = {"kg": D("10.000"), "yuan": D("62.00"), "cooperative": "", "lot": ""}
    values.update(kw)
    return CounterSaleInput(
        line=line,
        sale_date=datetime.date.fromisoformat(day),
        channel=channel,
        sku=sku,
        **values,
    )


# --- good files -----------------------------------------------------------------------


def test_reads_a_utf8_csv_with_the_optional_columns():
    content = (
        HEADER
        + "2025-06-01,grandbuy-beijinglu,NJ-FK-01,10.000,62.00,,\n"
        + "2025-06-02,grandbuy-zhongyi,NJ-FK-02,5.5,38.5,93441881MA51WZ0017,\n"
        + "2025-06-03,grandbuy-beijinglu,NJ-FK-01,2,12.40,,NJ-FK-01-01\n"
    ).encode()

    assert parse(content) == [
        sale(2),
        sale(
            3,
            "2025-06-02",
            "grandbuy-zhongyi",
            "NJ-FK-02",
            kg=D("5.5"),
            yuan=D("38.5"),
            cooperative="93441881MA51WZ0017",
        ),
        sale(4, "2025-06-03", kg=D("2"), yuan=D("12.40"), lot="NJ-FK-01-01"),
    ]


def test_the_optional_columns_may_be_left_out_and_others_are_ignored():
    content = (
        "\ufeffNote,Date,Channel,SKU,KG,Yuan\r\n"
        "x,2025-06-01,grandbuy-beijinglu,NJ-FK-01,10.000,62.00\r\n"
    ).encode()

    assert parse(content, "SALES.CSV") == [sale(2)]


def test_reads_chinese_headers_in_a_gb18030_csv_as_excel_in_china_saves_it():
    content = (
        "日期,渠道,商品编码,公斤,金额,合作社,批次,备注\n"
        "2025/6/1,grandbuy-beijinglu,NJ-FK-01,10.000,62.00,,,北京路店\n"
        "2025-06-02,grandbuy-beijinglu,连州菜心,1.5,9,,LZ-0512,\n"
    ).encode("gb18030")

    assert parse(content, "六月销售.csv") == [
        sale(2),
        sale(3, "2025-06-02", sku="连州菜心", kg=D("1.5"), yuan=D("9"), lot="LZ-0512"),
    ]


def test_reads_an_xlsx_with_date_cells_and_numbers():
    content = xlsx(
        [
            ("日期", "渠道", "商品编码", "公斤", "金额", "合作社", "批次"),
            (
                datetime.datetime(2025, 6, 1),
                "grandbuy-beijinglu",
                "NJ-FK-01",
                10,
                62.0,
                None,
                None,
            ),
            (None, None, None, None, None, None, None),
            ("2025-06-02", "grandbuy-beijinglu", 12345, 0.1, 0.7, None, 20250601),
        ]
    )

    assert parse(content, "sales.xlsx") == [
        sale(2, kg=D("10"), yuan=D("62.0")),
        sale(4, "2025-06-02", sku="12345", kg=D("0.1"), yuan=D("0.7"), lot="20250601"),
    ]


def test_blank_rows_and_rows_with_only_other_columns_keep_the_line_numbers():
    content = (
        b"date,channel,sku,kg,yuan,note\n"
        b",,,,,\n"
        b",,,,,just a note\n"
        b"2025-06-01,grandbuy-beijinglu,NJ-FK-01,10.000,62.00,\n"
    )

    assert [row.line for row in parse(content)] == [4]


# --- bad cells ------------------------------------------------------------------------


def test_every_bad_cell_is_reported_at_its_line_and_column():
    content = (
        HEADER
        + ",grandbuy-beijinglu,NJ-FK-01,1,1,,\n"
        + "2025-13-01,grandbuy-beijinglu,NJ-FK-01,1,1,,\n"
        + "01/06/2025,grandbuy-beijinglu,NJ-FK-01,1,1,,\n"
        + "2025-06-01,,NJ-FK-01,1,1,,\n"
        + "2025-06-01,grandbuy-beijinglu,,1,1,,\n"
        + "2025-06-01,grandbuy-beijinglu,NJ-FK-01,,1,,\n"
        + "2025-06-01,grandbuy-beijinglu,NJ-FK-01,ten,1,,\n"
        + "2025-06-01,grandbuy-beijinglu,NJ-FK-01,NaN,1,,\n"
        + "2025-06-01,grandbuy-beijinglu,NJ-FK-01,1,,,\n"
        + "2025-06-01,grandbuy-beijinglu,NJ-FK-01,1,¥5,,\n"
        + "2025-06-01,grandbuy-beijinglu,NJ-FK-01,1,Infinity,,\n"
        + "2025-06-01,grandbuy-beijinglu,NJ-FK-01,1,1,,\n"
        + "x,,,y,z,,\n"
    ).encode()

    date = "Enter a date as YYYY-MM-DD."
    number = "Enter a number."
    assert rejected(content) == [
        (2, "date", "Give the sale date."),
        (3, "date", date),
        (4, "date", date),
        (5, "channel", "Give the channel's code."),
        (6, "sku", "Give the product's SKU."),
        (7, "kg", number),
        (8, "kg", number),
        (9, "kg", number),
        (10, "yuan", number),
        (11, "yuan", number),
        (12, "yuan", number),
        (14, "channel", "Give the channel's code."),
        (14, "date", date),
        (14, "kg", number),
        (14, "sku", "Give the product's SKU."),
        (14, "yuan", number),
    ]


def test_bad_xlsx_cells_are_reported_too():
    content = xlsx(
        [
            ("date", "channel", "sku", "kg", "yuan"),
            (45809, "grandbuy-beijinglu", "NJ-FK-01", True, 1),
            (datetime.date(2025, 6, 1), "c", "s", datetime.datetime(2025, 1, 1), 1),
        ]
    )

    assert rejected(content, "sales.xlsx") == [
        (2, "date", "Enter a date as YYYY-MM-DD."),
        (2, "kg", "Enter a number."),
        (3, "kg", "Enter a number."),
    ]


# --- bad files ------------------------------------------------------------------------


def test_a_missing_column_is_named_with_its_chinese_name():
    assert rejected(b"date,channel,sku,weight,price\n2025-06-01,c,s,1,1\n") == [
        (1, "kg", "Missing column kg (公斤)."),
        (1, "yuan", "Missing column yuan (金额)."),
    ]


@pytest.mark.parametrize(
    ("content", "filename", "error"),
    [
        (b"", "sales.csv", (1, "file", "The file is empty.")),
        (HEADER.encode(), "sales.csv", (2, "file", "The file has no data rows.")),
        (
            xlsx([("date", "channel", "sku", "kg", "yuan")]),
            "sales.xlsx",
            (2, "file", "The file has no data rows."),
        ),
        (
            b"PK\x03\x04",
            "sales.xlsx",
            (0, "file", "This is not a readable .xlsx file."),
        ),
        (HEADER.encode(), "sales.txt", (0, "file", "Upload a .csv or .xlsx file.")),
    ],
)
def test_empty_and_unreadable_files_are_refused(content, filename, error):
    assert rejected(content, filename) == [error]


def test_too_many_rows_are_refused():
    row = "2025-06-01,grandbuy-beijinglu,NJ-FK-01,1,1,,\n"
    content = (HEADER + row * (MAX_ROWS + 1)).encode()

    assert rejected(content) == [(0, "file", "At most 20000 rows per file.")]


def test_a_file_past_5_mb_is_refused():
    content = HEADER.encode() + b" " * (5 * 1024 * 1024)

    assert rejected(content) == [(0, "file", "The file is larger than 5 MB.")]
