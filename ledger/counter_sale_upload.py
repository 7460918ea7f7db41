"""Reading counter sales from a spreadsheet: one row per sale.

    date, channel, sku, kg, yuan, cooperative (optional), lot (optional)

The header may name the columns in Chinese instead (日期, 渠道, 商品编码, 公斤, 金额,
合作社, 批次), in any order and case; other columns are ignored. CSV (UTF-8 with or
without BOM, or GB18030 as Excel in China saves it) or XLSX, at most 5 MB and 20,000
rows; reading the file is ``suppliers.tabular``'s, shared with the lot import and
the canteen's order upload.

This module only reads cells into typed values: a date (YYYY-MM-DD, Excel's
YYYY/M/D, or an Excel date cell), codes as text, kilograms and yuan as exact
decimals. Every bad cell comes back with its line (the header is line 1). Whether
the channel, product, cooperative and lot exist, whether the amounts are in range,
and whether the file or its reference was recorded before is
``record_counter_sales``'s to say, so those rules live once.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from ledger.counter_sales import CounterSaleInput, CounterSalesRejected
from suppliers.tabular import RowError, TableRejected, cell_text, read_table

COLUMNS = ("date", "channel", "sku", "kg", "yuan", "cooperative", "lot")
REQUIRED = COLUMNS[:5]
ALIASES = {
    "date": "日期",
    "channel": "渠道",
    "sku": "商品编码",
    "kg": "公斤",
    "yuan": "金额",
    "cooperative": "合作社",
    "lot": "批次",
}
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")


def parse_counter_sales(*, content: bytes, filename: str) -> list[CounterSaleInput]:
    """The sales of an uploaded file, or ``CounterSalesRejected`` with every bad
    cell at its line (nothing is recorded either way)."""
    try:
        table = read_table(
            content,
            filename,
            required=(),  # checked below: a column may go by its Chinese name
            data_columns={*COLUMNS, *ALIASES.values()},
            max_bytes=MAX_BYTES,
            max_rows=MAX_ROWS,
        )
    except TableRejected as rejected:
        raise CounterSalesRejected(rejected.errors) from None
    at = {column: _find(table, column) for column in COLUMNS}
    missing = [column for column in REQUIRED if at[column] is None]
    if missing:
        raise CounterSalesRejected(
            [
                RowError(
                    1,
                    column,
                    _("Missing column %(c)s.") % {"c": f"{column} ({ALIASES[column]})"},
                )
                for column in missing
            ]
        )
    errors: list[RowError] = []
    sales = []
    for row in table.rows:
        before = len(errors)
        cells = {column: row.cell(i) for column, i in at.items()}
        sale_date = _date(row.line, cells["date"], errors)
        channel = _code(row.line, "channel", cells["channel"], errors)
        sku = _code(row.line, "sku", cells["sku"], errors)
        kg = _decimal(row.line, "kg", cells["kg"], errors)
        yuan = _decimal(row.line, "yuan", cells["yuan"], errors)
        if len(errors) == before:
            sales.append(
                CounterSaleInput(
                    line=row.line,
                    sale_date=sale_date,
                    channel=channel,
                    sku=sku,
                    kg=kg,
                    yuan=yuan,
                    cooperative=cell_text(cells["cooperative"]),
                    lot=cell_text(cells["lot"]),
                )
            )
    if errors:
        raise CounterSalesRejected(errors)
    return sales


def _find(table, column: str) -> int | None:
    """The column by its English name, else by its Chinese one."""
    at = table.column(column)
    return at if at is not None else table.column(ALIASES[column])


def _date(line: int, cell, errors) -> datetime.date | None:
    if isinstance(cell, datetime.datetime):  # an Excel date cell
        return cell.date()
    if isinstance(cell, datetime.date):
        return cell
    text = cell_text(cell)
    if not text:
        errors.append(RowError(line, "date", _("Give the sale date.")))
        return None
    if match := _DATE.fullmatch(text):
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    errors.append(RowError(line, "date", _("Enter a date as YYYY-MM-DD.")))
    return None


def _code(line: int, column: str, cell, errors) -> str:
    text = cell_text(cell)
    if not text:
        message = {
            "channel": _("Give the channel's code."),
            "sku": _("Give the product's SKU."),
        }[column]
        errors.append(RowError(line, column, message))
    return text


def _decimal(line: int, column: str, cell, errors) -> Decimal | None:
    """An exact decimal: 12, "12.5", or a spreadsheet's float as it shows it."""
    value = None
    if isinstance(cell, Decimal):
        value = cell
    elif isinstance(cell, int | float) and not isinstance(cell, bool):
        value = Decimal(repr(cell)) if isinstance(cell, float) else Decimal(cell)
    elif not isinstance(cell, bool):
        try:
            value = Decimal(cell_text(cell).replace(" ", ""))
        except InvalidOperation:
            value = None
    if value is None or not value.is_finite():
        errors.append(RowError(line, column, _("Enter a number.")))
        return None
    return value
