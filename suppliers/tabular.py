"""Reading an uploaded spreadsheet, CSV or XLSX, into a header and numbered rows.

The lot import (``suppliers.imports``) and the canteen's order upload
(``fulfilment.uploads``) read files the same way (the file's size and type checked
by ``shop.uploads``, as every upload is), so they refuse the same bad files with the
same messages: too large, neither .csv nor .xlsx, CSV that is not UTF-8
(with or without BOM) or GB18030 text (Excel in China saves GB18030 unless told
otherwise), binary or UTF-16 data renamed .csv, broken workbooks, a missing column,
no data rows, too many rows. Reading stops one data row past the limit, because a
small XLSX can unzip to a million rows.

Errors carry the line the user sees in the file: the header is line 1, blank rows
are skipped but keep their numbers, and line 0 is the file as a whole. Each
importer checks the cells and wraps ``TableRejected`` in its own exception.
"""

import contextlib
import csv
import datetime
import io
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shop import uploads


@dataclass(frozen=True)
class RowError:
    """One problem with a file, at its line (0: the whole file) and column."""

    line: int
    field: str
    message: str


class TableRejected(Exception):
    """The file cannot be read as a table with the columns asked for."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


class Row(NamedTuple):
    """A data row's cells as read (str, number, date…), and its line in the file."""

    line: int
    cells: tuple

    def cell(self, index: int | None):
        """The cell at ``index``; None past a short row's end or for no column."""
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index]


@dataclass(frozen=True)
class Table:
    """The header's column names (lower-cased text) and the non-blank data rows."""

    header: tuple[str, ...]
    rows: tuple[Row, ...]

    def column(self, name: str) -> int | None:
        """Where the column ``name`` is (its first occurrence), or None."""
        try:
            return self.header.index(name)
        except ValueError:
            return None


def read_table(
    content: bytes,
    filename: str,
    *,
    required: Sequence[str],
    max_bytes: int,
    max_rows: int,
    data_columns: Collection[str] | None = None,
) -> Table:
    """The file's table, or ``TableRejected`` saying why it cannot be read.

    ``required`` are the header names (lower case) that must be present.
    ``data_columns``, if given, are the columns that make a row count as data: a row
    holding something only in other columns is skipped like a blank one.
    """
    # Size, extension and content type: shop.uploads, as for every upload.
    try:
        kind = uploads.spreadsheet_kind(content, filename, max_bytes=max_bytes)
    except ValidationError as refused:
        raise _file_error(refused.messages[0]) from None
    rows = _csv_rows(content) if kind == "csv" else _xlsx_rows(content)
    with contextlib.closing(rows):  # closes the workbook if we stop early
        return _table(rows, required, max_rows, data_columns)


def cell_text(cell) -> str:
    """A cell as the text the user typed: spreadsheets store 12 as 12.0 and a
    date as a datetime at midnight."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat()
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    return str(cell).strip()


def _table(rows: Iterator, required, max_rows: int, data_columns) -> Table:
    first = next(rows, None)
    if first is None:
        raise TableRejected([RowError(1, "file", _("The file is empty."))])
    header = tuple(cell_text(cell).lower() for cell in first)
    missing = [column for column in required if column not in header]
    if missing:
        raise TableRejected(
            [
                RowError(1, column, _("Missing column %(c)s.") % {"c": column})
                for column in missing
            ]
        )
    watched = None
    if data_columns is not None:
        watched = [i for i, name in enumerate(header) if name in data_columns]
    data = []
    for line, cells in enumerate(rows, start=2):
        row = Row(line, tuple(cells))
        looked_at = range(len(row.cells)) if watched is None else watched
        if any(cell_text(row.cell(i)) for i in looked_at):
            data.append(row)
            if len(data) > max_rows:
                raise _file_error(_("At most %(n)s rows per file.") % {"n": max_rows})
    if not data:
        raise TableRejected([RowError(2, "file", _("The file has no data rows."))])
    return Table(header, tuple(data))


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    text = uploads.csv_text(content)  # spreadsheet_kind has accepted it
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error:  # e.g. a field past csv's size limit
        raise _file_error(_("This is not a readable CSV file.")) from None


def _xlsx_rows(content: bytes) -> Iterator[tuple]:
    # Imported here, not at the top: openpyxl adds 60-80 ms to the start of every
    # process (manage.py, web and Celery workers) for an upload few requests make.
    from openpyxl import load_workbook

    # openpyxl raises many types for a broken file, while opening or reading it.
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise _file_error(_("This is not a readable .xlsx file.")) from None
    try:
        yield from book.worksheets[0].iter_rows(values_only=True)
    except Exception:
        raise _file_error(_("This is not a readable .xlsx file.")) from None
    finally:
        book.close()


def _file_error(message: str) -> TableRejected:
    """A problem with the file as a whole (line 0)."""
    return TableRejected([RowError(0, "file", message)])
