"""The order-file parser: CSV (UTF-8, BOM, GB18030) and XLSX, errors by file line."""

import io

import pytest
from openpyxl import Workbook

from fulfilment.uploads import (
    MAX_BYTES,
    MAX_ROWS,
    ParsedOrder,
    RowError,
    UploadRejected,
    parse_order_file,
)
from fulfilment.validation import LineError, LineInput, OrderInvalid


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rejected(content: bytes, filename: str = "order.csv") -> list[tuple]:
    with pytest.raises(UploadRejected) as caught:
        parse_order_file(content=content, filename=filename)
    return [(e.line, e.field, e.message) for e in caught.value.errors]


# --- good files -----------------------------------------------------------------------


def test_reads_a_utf8_csv():
    parsed = parse_order_file(
        content=b"sku,quantity\nQY00001,12\nQY00002,3\n", filename="order.csv"
    )
    assert parsed == ParsedOrder(
        lines=(LineInput("QY00001", 12), LineInput("QY00002", 3)),
        line_numbers=(2, 3),
    )


def test_reads_a_utf8_csv_with_bom_crlf_and_any_header_case_and_order():
    content = "\ufeffNote,Quantity,SKU\r\n食堂一楼,5,QY00001\r\n".encode()
    parsed = parse_order_file(content=content, filename="ORDER.CSV")
    assert parsed.lines == (LineInput("QY00001", 5),)


def test_reads_a_gb18030_csv_as_excel_in_china_saves_it():
    content = "sku,quantity,品名\n清远鸡-01,4,清远鸡（整只）\n连州菜心,2,菜心\n".encode(
        "gb18030"
    )
    parsed = parse_order_file(content=content, filename="订单.csv")
    assert parsed.lines == (LineInput("清远鸡-01", 4), LineInput("连州菜心", 2))


def test_skips_blank_rows_and_keeps_the_files_line_numbers():
    content = b"sku,quantity\n\nQY00001, 7 \n,\nQY00002,1\n"
    parsed = parse_order_file(content=content, filename="order.csv")
    assert parsed.lines == (LineInput("QY00001", 7), LineInput("QY00002", 1))
    assert parsed.line_numbers == (3, 5)


def test_reads_an_xlsx_with_numbers_as_excel_stores_them():
    content = xlsx(
        [
            ("sku", "quantity", "title"),
            ("QY00001", 12, "清远鸡"),
            (10023, 3.0, None),
            (None, None, None),
            ("QY00003", "4", "菜心"),
        ]
    )
    parsed = parse_order_file(content=content, filename="order.xlsx")
    assert parsed == ParsedOrder(
        lines=(
            LineInput("QY00001", 12),
            LineInput("10023", 3),
            LineInput("QY00003", 4),
        ),
        line_numbers=(2, 3, 5),
    )


def test_accepts_exactly_the_maximum_number_of_rows():
    content = "sku,quantity\n" + "".join(f"QY{i:05d},1\n" for i in range(MAX_ROWS))
    parsed = parse_order_file(content=content.encode(), filename="order.csv")
    assert len(parsed.lines) == MAX_ROWS
    assert parsed.line_numbers[-1] == MAX_ROWS + 1


def test_leaves_unit_counts_to_the_service():
    # Zero and negative are whole numbers: the service says why they are refused.
    parsed = parse_order_file(
        content=b"sku,quantity\nA,0\nB,-2\nC,3.0\n", filename="o.csv"
    )
    assert [line.units for line in parsed.lines] == [0, -2, 3]


# --- bad rows -------------------------------------------------------------------------


def test_each_bad_row_is_reported_with_its_line_number():
    content = "\n".join(
        [
            "sku,quantity",
            "QY00001,2",
            "QY00002,1.5",
            ",4",
            "QY00003,abc",
            "QY00004,",
            "QY00001,1",
            "QY00005,十",
            "   ,",
            "QY00006,3",
        ]
    ).encode()
    assert rejected(content) == [
        (3, "quantity", "Give the quantity as a whole number."),
        (4, "sku", "Give the product's SKU."),
        (5, "quantity", "Give the quantity as a whole number."),
        (6, "quantity", "Give the quantity as a whole number."),
        (7, "sku", "QY00001 is already ordered in line 2."),
        (8, "quantity", "Give the quantity as a whole number."),
    ]


def test_a_row_bad_in_both_columns_reports_both():
    assert rejected(b"sku,quantity\n,x\n") == [
        (2, "sku", "Give the product's SKU."),
        (2, "quantity", "Give the quantity as a whole number."),
    ]


def test_bad_rows_in_an_xlsx_have_their_sheet_row_numbers():
    content = xlsx([("sku", "quantity"), ("QY00001", 2), (None, None), ("QY2", 2.5)])
    assert rejected(content, "order.xlsx") == [
        (4, "quantity", "Give the quantity as a whole number.")
    ]


def test_one_bad_row_rejects_the_whole_file():
    good = "".join(f"QY{i:05d},{i + 1}\n" for i in range(20))
    with pytest.raises(UploadRejected) as caught:
        parse_order_file(
            content=f"sku,quantity\n{good}QY99999,two\n".encode(), filename="o.csv"
        )
    assert caught.value.errors == [
        RowError(22, "quantity", "Give the quantity as a whole number.")
    ]


def test_a_missing_column_is_reported_on_the_header_line():
    assert rejected(b"sku,qty\nQY00001,2\n") == [
        (1, "quantity", "Missing column quantity.")
    ]
    assert rejected(b"product;quantity\n") == [
        (1, "sku", "Missing column sku."),
        (1, "quantity", "Missing column quantity."),
    ]


def test_too_many_rows_are_refused():
    content = "sku,quantity\n" + "".join(f"QY{i:05d},1\n" for i in range(MAX_ROWS + 1))
    assert rejected(content.encode()) == [(0, "file", "At most 500 rows per file.")]


def test_too_many_rows_in_an_xlsx_are_refused():
    rows = [("sku", "quantity")] + [(f"QY{i:05d}", 1) for i in range(MAX_ROWS + 40)]
    assert rejected(xlsx(rows), "order.xlsx") == [
        (0, "file", "At most 500 rows per file.")
    ]


def test_a_file_over_2_mb_is_refused_unread():
    content = b"sku,quantity\n" + b"QY00001,1\n" * (MAX_BYTES // 10)
    assert len(content) > MAX_BYTES
    assert rejected(content) == [(0, "file", "The file is larger than 2 MB.")]


def test_unreadable_files_are_refused():
    assert rejected(b"\x80\xff\xfe\x00sku") == [
        (0, "file", "The CSV file must be UTF-8 or GB18030 text.")
    ]
    assert rejected(b"sku,quantity\nQY\x0001,1\n") == [
        (0, "file", "This is not a readable CSV file.")
    ]
    assert rejected(b'sku,quantity\n"QY1,1\n' + b"x" * 200_000) == [
        (0, "file", "This is not a readable CSV file.")
    ]
    assert rejected(b"PK\x03\x04 not really a workbook", "order.xlsx") == [
        (0, "file", "This is not a readable .xlsx file.")
    ]
    assert rejected(b"sku,quantity\n", "order.xls") == [
        (0, "file", "Upload a .csv or .xlsx file.")
    ]


def test_empty_files_are_refused():
    assert rejected(b"") == [(1, "file", "The file is empty.")]
    assert rejected(b"sku,quantity\n\n,\n") == [
        (2, "file", "The file has no data rows.")
    ]


# --- the service's errors, back on the file's lines ---------------------------------


def test_service_errors_are_mapped_to_file_lines():
    parsed = ParsedOrder(
        lines=(LineInput("A", 1), LineInput("B", 0), LineInput("C", 2)),
        line_numbers=(2, 5, 9),
    )
    refused = OrderInvalid(
        fields={
            "delivery_date": ["Too soon."],
            "lines": ["At most 2 lines in one order."],
        },
        lines=[
            LineError(2, "sku", "Unknown SKU C."),
            LineError(1, "units", "Order at least one unit of sale."),
            LineError(1, "sku", "Not on sale."),
        ],
    )
    assert parsed.row_errors(refused) == [
        RowError(0, "file", "At most 2 lines in one order."),
        RowError(5, "sku", "Not on sale."),
        RowError(5, "quantity", "Order at least one unit of sale."),
        RowError(9, "sku", "Unknown SKU C."),
    ]
