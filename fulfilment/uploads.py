"""Reading a canteen's order from a spreadsheet: one row per product.

    sku, quantity        (a header row first; other columns are ignored)

CSV (UTF-8 with or without BOM, or GB18030 as Excel in China saves it) or XLSX, at
most 2 MB and 500 rows. Every row is checked before anything is placed, and errors
come back with the line number the buyer sees in the file (the header is line 1;
line 0 is the file as a whole). The parser only reads: what can be ordered, at what
price and when, is ``place_bulk_order``'s to say, and ``ParsedOrder.row_errors``
puts its line errors back on the file's lines. Reading the file itself is
``suppliers.tabular``'s, shared with the lot import.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from fulfilment.validation import LineInput, OrderInvalid
from suppliers.tabular import RowError, TableRejected, cell_text, read_table

COLUMNS = ("sku", "quantity")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 500
# The service names the quantity ``units``; the file calls it ``quantity``.
_FILE_COLUMN = {"units": "quantity"}


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
    try:
        table = read_table(
            content,
            filename,
            required=COLUMNS,
            max_bytes=MAX_BYTES,
            max_rows=MAX_ROWS,
        )
    except TableRejected as rejected:
        raise UploadRejected(rejected.errors) from None
    sku_at, quantity_at = table.column("sku"), table.column("quantity")
    errors: list[RowError] = []
    lines: list[LineInput] = []
    numbers: list[int] = []
    first_line_of: dict[str, int] = {}
    for row in table.rows:
        before = len(errors)
        sku = cell_text(row.cell(sku_at))
        units = _units(row.cell(quantity_at))
        if not sku:
            errors.append(RowError(row.line, "sku", _("Give the product's SKU.")))
        elif sku in first_line_of:
            errors.append(
                RowError(
                    row.line,
                    "sku",
                    _("%(sku)s is already ordered in line %(line)s.")
                    % {"sku": sku, "line": first_line_of[sku]},
                )
            )
        else:
            first_line_of[sku] = row.line
        if units is None:
            errors.append(
                RowError(
                    row.line, "quantity", _("Give the quantity as a whole number.")
                )
            )
        if len(errors) == before:
            lines.append(LineInput(sku, units))
            numbers.append(row.line)
    if errors:
        raise UploadRejected(errors)
    return ParsedOrder(tuple(lines), tuple(numbers))


def _units(cell) -> int | None:
    """A whole number of units (12, "12", 12.0 from a spreadsheet), else None."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int):
        return cell
    try:
        value = Decimal(cell_text(cell).replace(" ", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.to_integral_value():
        return None
    return int(value)
