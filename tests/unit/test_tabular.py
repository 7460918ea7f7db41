"""The shared spreadsheet reader: CSV (UTF-8, BOM, GB18030) and XLSX, rows numbered
as the user sees them, and every kind of unreadable or oversized file refused."""

import datetime
import io
import itertools

import pytest
from django.utils import translation
from openpyxl import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from suppliers.tabular import Row, RowError, TableRejected, cell_text, read_table

MB = 1024 * 1024


def read(content: bytes, filename: str = "a.csv", **options):
    options = {"required": ("sku", "kg"), "max_bytes": MB, "max_rows": 10, **options}
    return read_table(content, filename, **options)


def refused(content: bytes, filename: str = "a.csv", **options) -> list[RowError]:
    with pytest.raises(TableRejected) as caught:
        read(content, filename, **options)
    return caught.value.errors


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_error(message: str) -> list[RowError]:
    return [RowError(0, "file", message)]


UNREADABLE_CSV = file_error("This is not a readable CSV file.")
UNREADABLE_XLSX = file_error("This is not a readable .xlsx file.")


# --- good files -----------------------------------------------------------------------


def test_reads_a_utf8_csv_with_line_numbers():
    table = read(b"sku,kg\nQY1,2\nQY2,3.5\n")
    assert table.header == ("sku", "kg")
    assert table.rows == (Row(2, ("QY1", "2")), Row(3, ("QY2", "3.5")))


def test_reads_a_bom_and_crlf_and_matches_the_header_in_any_case():
    table = read("\ufeffNote, KG ,SKU\r\n一楼,5,QY1\r\n".encode())
    assert table.header == ("note", "kg", "sku")
    assert (table.column("sku"), table.column("kg"), table.column("price")) == (
        2,
        1,
        None,
    )
    assert table.rows == (Row(2, ("一楼", "5", "QY1")),)


def test_reads_gb18030_as_excel_in_china_saves_it():
    table = read("sku,kg,品名\n清远鸡-01,4,清远鸡（整只）\n".encode("gb18030"))
    assert table.rows == (Row(2, ("清远鸡-01", "4", "清远鸡（整只）")),)


def test_blank_rows_are_skipped_but_keep_their_line_numbers():
    table = read(b"sku,kg\n\nQY1,1\n , \nQY2,2\n")
    assert [row.line for row in table.rows] == [3, 5]


def test_a_row_with_nothing_in_the_data_columns_counts_as_blank():
    content = b"sku,kg,note\nQY1,1,\n,,just a note\n"
    assert [row.line for row in read(content).rows] == [2, 3]
    only_ours = read(content, data_columns=("sku", "kg"))
    assert [row.line for row in only_ours.rows] == [2]


def test_a_short_row_reads_as_empty_cells():
    row = read(b"sku,kg\nQY1\n").rows[0]
    assert (row.cell(0), row.cell(1), row.cell(None)) == ("QY1", None, None)


def test_reads_an_xlsx_with_its_sheet_row_numbers():
    table = read(
        xlsx(
            [
                ("SKU", "kg", "harvested"),
                ("QY1", 12.0, datetime.date(2026, 3, 1)),
                (None, None, None),
                (10023, 2.5, None),
            ]
        ),
        "LOTS.XLSX",
    )
    assert table.header == ("sku", "kg", "harvested")
    assert [row.line for row in table.rows] == [2, 4]
    assert [[cell_text(cell) for cell in row.cells] for row in table.rows] == [
        ["QY1", "12", "2026-03-01"],
        ["10023", "2.5", ""],
    ]


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (None, ""),
        (12.0, "12"),
        (7.5, "7.5"),
        (-3.0, "-3"),
        (10023, "10023"),
        (datetime.datetime(2026, 3, 1, 0, 0), "2026-03-01"),
        (datetime.date(2026, 3, 1), "2026-03-01"),
        ("  QY1 \t", "QY1"),
        (False, "False"),
    ],
)
def test_cell_text_is_what_the_user_typed(cell, text):
    assert cell_text(cell) == text


# --- limits -------------------------------------------------------------------------


def test_exactly_the_maximum_number_of_rows_is_read():
    content = b"sku,kg\n" + b"QY,1\n" * 10
    assert read(content).rows[-1].line == 11


def test_one_row_too_many_is_refused_in_csv_and_xlsx():
    limit = file_error("At most 10 rows per file.")
    assert refused(b"sku,kg\n" + b"QY,1\n" * 11) == limit
    assert refused(xlsx([("sku", "kg"), *[("QY", 1)] * 11]), "a.xlsx") == limit


def test_blank_rows_do_not_count_against_the_limit():
    content = b"sku,kg\n" + b"QY,1\n,\n" * 10
    assert len(read(content).rows) == 10


def test_reading_stops_one_row_past_the_limit(monkeypatch):
    # A small zip can hold a million rows: the reader must not read them all.
    def endless(self, **kwargs):
        yield ("sku", "kg")
        yield from (("QY", n) for n in itertools.count())

    monkeypatch.setattr(ReadOnlyWorksheet, "iter_rows", endless)
    assert refused(xlsx([("sku", "kg")]), "a.xlsx") == file_error(
        "At most 10 rows per file."
    )
    # CSV too: a broken field after the limit is never parsed.
    content = b"sku,kg\n" + b"QY,1\n" * 11 + b'"QY' + b"x" * 200_000
    assert refused(content) == file_error("At most 10 rows per file.")


def test_a_file_over_the_size_limit_is_refused_unread_naming_the_limit():
    assert refused(b"x" * (MB + 1)) == file_error("The file is larger than 1 MB.")
    five = 5 * MB
    assert refused(b"sku,kg\n" + b"x" * five, max_bytes=five) == file_error(
        "The file is larger than 5 MB."
    )
    with translation.override("zh-hans"):
        assert refused(b"x" * (2 * MB + 1), max_bytes=2 * MB) == file_error(
            "文件超过 2 MB。"
        )
    assert read(b"sku,kg\nQY,1\n", max_bytes=13).rows == (Row(2, ("QY", "1")),)


# --- unreadable files ---------------------------------------------------------------


def test_nul_bytes_in_a_csv_are_refused():
    assert refused(b"sku,kg\nQY\x001,1\n") == UNREADABLE_CSV
    utf16_without_bom = "sku,kg\nQY1,1\n".encode("utf-16-le")
    assert refused(utf16_without_bom) == UNREADABLE_CSV
    assert refused(b"SQLite format 3\x00" + bytes(100)) == UNREADABLE_CSV


def test_a_csv_that_csv_cannot_parse_is_refused():
    assert refused(b'sku,kg\n"QY1,1\n' + b"x" * 200_000) == UNREADABLE_CSV


def test_a_csv_in_another_encoding_is_refused():
    assert refused(b"\x80\xff\xfe\x00sku") == file_error(
        "The CSV file must be UTF-8 or GB18030 text."
    )


@pytest.mark.parametrize(
    "content",
    [b"PK\x03\x04 not really a workbook", b"\x89PNG\r\n\x1a\n", b""],
    ids=["broken-zip", "png", "empty"],
)
def test_a_broken_xlsx_is_refused(content):
    assert refused(content, "a.xlsx") == UNREADABLE_XLSX


def test_only_csv_and_xlsx_are_read():
    assert refused(b"sku,kg\n", "a.xls") == file_error("Upload a .csv or .xlsx file.")
    assert refused(b"sku,kg\n", "") == file_error("Upload a .csv or .xlsx file.")


# --- header and rows ------------------------------------------------------------------


def test_an_empty_file_is_refused_at_line_1():
    assert refused(b"") == [RowError(1, "file", "The file is empty.")]


def test_missing_columns_are_refused_on_the_header_line_before_counting_rows():
    many = b"sku,weight\n" + b"QY,1\n" * 20
    assert refused(many) == [RowError(1, "kg", "Missing column kg.")]
    assert refused(b"name\n", required=("sku", "kg")) == [
        RowError(1, "sku", "Missing column sku."),
        RowError(1, "kg", "Missing column kg."),
    ]


def test_a_header_without_data_rows_is_refused_at_line_2():
    no_rows = [RowError(2, "file", "The file has no data rows.")]
    assert refused(b"sku,kg\n") == no_rows
    assert refused(b"sku,kg\n,\n\n") == no_rows
    assert refused(xlsx([("sku", "kg")]), "a.xlsx") == no_rows
