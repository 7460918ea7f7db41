"""Reading a canteen's order from a spreadsheet: one row per product.

    sku, quantity        (a header row first; other columns are ignored)

CSV (UTF-8 with or without BOM, or GB18030 as Excel in China saves it) or XLSX, at
most 2 MB and 500 rows. Every row is checked before anything is placed, and errors
come back with the line number the buyer sees in the file (the header is line 1;
line 0 is the file as a whole). The parser only reads: what can be ordered, at what
price and when, is ``place_bulk_order``'s to say, and ``ParsedOrder.row_errors``
puts its line errors back on the file's lines.
"""

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from fulfilment.validation import LineInput, OrderInvalid

COLUMNS = ("sku", "quantity")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 500
# The service names the quantity ``units``; the file calls it ``quantity``.
_FILE_COLUMN = {"units": "quantity"}


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str


class UploadRejected(Exception):
    """The file cannot become an order: every problem, each at its line."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = _in_file_order(errors)


def _in_file_order(errors: list[RowError]) -> list[RowError]:
    """By line, then column as in the file (whole-file problems first)."""
    order = {"file": -1, **{column: i for i, column in enumerate(COLUMNS)}}
    return sorted(errors, key=lambda e: (e.line, order.get(e.field, len(COLUMNS))))


@dataclass(frozen=True)
class ParsedOrder:
    """The order's lines, and the file line each one was read from."""

    lines: tuple[LineInput, ...]
    line_numbers: tuple[int, ...]

    def row_errors(self, exc: OrderInvalid) -> list[RowError]:
        """The service's complaints, at the file lines they are about."""
        errors = [
            RowError(
                self.line_numbers[error.index],
                _FILE_COLUMN.get(error.field, error.field),
                error.message,
            )
            for error in exc.line_errors
        ]
        errors += [
            RowError(0, "file", message)
            for message in exc.field_errors.get("lines", [])
        ]
        return _in_file_order(errors)


def parse_order_file(*, content: bytes, filename: str) -> ParsedOrder:
    """The order lines of an uploaded file, or ``UploadRejected`` with every error."""
    table = _read_table(content, filename)
    sku_at, quantity_at = _columns(next(table, None))
    rows = [
        (number, cells) for number, cells in enumerate(table, start=2) if _filled(cells)
    ]
    if len(rows) > MAX_ROWS:
        raise _file_error(_("At most %(n)s rows per file.") % {"n": MAX_ROWS})
    if not rows:
        raise UploadRejected([RowError(2, "file", _("The file has no data rows."))])
    errors: list[RowError] = []
    lines: list[LineInput] = []
    numbers: list[int] = []
    first_line_of: dict[str, int] = {}
    for number, cells in rows:
        before = len(errors)
        sku = _text(_cell(cells, sku_at))
        units = _units(_cell(cells, quantity_at))
        if not sku:
            errors.append(RowError(number, "sku", _("Give the product's SKU.")))
        elif sku in first_line_of:
            errors.append(
                RowError(
                    number,
                    "sku",
                    _("%(sku)s is already ordered in line %(line)s.")
                    % {"sku": sku, "line": first_line_of[sku]},
                )
            )
        else:
            first_line_of[sku] = number
        if units is None:
            errors.append(
                RowError(number, "quantity", _("Give the quantity as a whole number."))
            )
        if len(errors) == before:
            lines.append(LineInput(sku, units))
            numbers.append(number)
    if errors:
        raise UploadRejected(errors)
    return ParsedOrder(tuple(lines), tuple(numbers))


# --- reading the file ----------------------------------------------------------------


def _file_error(message: str) -> UploadRejected:
    """A problem with the file as a whole (line 0)."""
    return UploadRejected([RowError(0, "file", message)])


def _read_table(content: bytes, filename: str):
    """An iterator over the file's rows (lists of cells), header first."""
    if len(content) > MAX_BYTES:
        raise _file_error(_("The file is larger than 2 MB."))
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return _csv_rows(content)
    if name.endswith(".xlsx"):
        return _xlsx_rows(content)
    raise _file_error(_("Upload a .csv or .xlsx file."))


def _columns(header) -> tuple[int, int]:
    """Where the sku and quantity columns are, by the header's names."""
    if header is None:
        raise UploadRejected([RowError(1, "file", _("The file is empty."))])
    names = [_text(cell).lower() for cell in header]
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        raise UploadRejected(
            [
                RowError(1, column, _("Missing column %(c)s.") % {"c": column})
                for column in missing
            ]
        )
    return names.index("sku"), names.index("quantity")


def _csv_rows(content: bytes):
    # Excel in China saves CSV as GB18030 unless told otherwise; accept both.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _file_error(_("The CSV file must be UTF-8 or GB18030 text."))
    if "\x00" in text:  # a binary file (or UTF-16) renamed .csv
        raise _file_error(_("This is not a readable CSV file."))
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:  # e.g. a field past csv's size limit
        raise _file_error(_("This is not a readable CSV file.")) from None
    return iter(rows)


def _xlsx_rows(content: bytes):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            # Stop one row past the limit (header + MAX_ROWS): a small file can
            # hold a million compressed rows.
            rows, filled = [], 0
            for row in book.worksheets[0].iter_rows(values_only=True):
                rows.append(row)
                filled += _filled(row)
                if filled > MAX_ROWS + 1:
                    break
        finally:
            book.close()
    except Exception:  # openpyxl raises many types for a broken file
        raise _file_error(_("This is not a readable .xlsx file.")) from None
    return iter(rows)


def _filled(row) -> bool:
    return any(_text(cell) for cell in row)


def _cell(cells, index: int):
    return cells[index] if index < len(cells) else None


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    return str(cell).strip()


def _units(cell) -> int | None:
    """A whole number of units (12, "12", 12.0 from a spreadsheet), else None."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int):
        return cell
    try:
        value = Decimal(_text(cell).replace(" ", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.to_integral_value():
        return None
    return int(value)
