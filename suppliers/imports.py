"""Bulk import of harvest lots with household shares from CSV or XLSX.

One row per household share; the lot's own columns repeat on each of its rows:

    lot_code, sku, harvest_date, best_before, lot_kg,
    household_archive_number, share_kg, unit_price (optional)

Every row is checked first, and each lot against the same rules as a lot entered by
hand (``stock.validate_lot``). Errors come back per row with the line number the
user sees in the file (the header is line 1). Nothing is imported unless all rows are
good; the lots are then received in one transaction. Reading the file (formats,
size and row limits, unreadable files) is ``suppliers.tabular``'s; a row with
nothing in these columns counts as blank.
"""

import datetime
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit import services as audit
from suppliers import stock
from suppliers.models import Household
from suppliers.tabular import RowError, TableRejected, cell_text, read_table

COLUMNS = [
    "lot_code",
    "sku",
    "harvest_date",
    "best_before",
    "lot_kg",
    "household_archive_number",
    "share_kg",
    "unit_price",
]
REQUIRED = COLUMNS[:-1]
LOT_COLUMNS = ["sku", "harvest_date", "best_before", "lot_kg", "unit_price"]
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000


class ImportRejected(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = sorted(errors, key=lambda e: (e.line, e.field))


@dataclass
class _Lot:
    line: int
    code: str
    values: dict
    shares: list[tuple[int, int, Decimal]] = field(default_factory=list)


def import_lots(*, cooperative, content: bytes, filename: str, actor=None) -> list:
    """Import lots; returns the StockLots created or raises ImportRejected."""
    rows = _read_rows(content, filename)
    errors: list[RowError] = []
    lots = _parse(cooperative, rows, errors)
    if not errors:
        _share_prices(lots)
        _validate_lots(cooperative, lots, errors)
    if errors:
        raise ImportRejected(errors)
    try:
        with transaction.atomic(), audit.batch():  # one audit INSERT for every lot
            return [_receive(cooperative, lot, actor) for lot in lots.values()]
    except _LotRefused as refused:
        raise ImportRejected(refused.errors) from None


# --- reading the file ----------------------------------------------------------


def _read_rows(content: bytes, filename: str) -> list[tuple[int, dict]]:
    """(line number, {column: text}) for each row with something in our columns."""
    try:
        table = read_table(
            content,
            filename,
            required=REQUIRED,
            data_columns=COLUMNS,
            max_bytes=MAX_BYTES,
            max_rows=MAX_ROWS,
        )
    except TableRejected as rejected:
        raise ImportRejected(rejected.errors) from None
    at = {column: table.column(column) for column in COLUMNS}
    return [
        (row.line, {column: cell_text(row.cell(i)) for column, i in at.items()})
        for row in table.rows
    ]


# --- checking rows ------------------------------------------------------------------


def _parse(cooperative, rows, errors) -> "OrderedDict[str, _Lot]":
    Product = apps.get_model("catalogue", "Product")
    skus = {values["sku"] for _, values in rows}
    products = {p.upc: p for p in Product.objects.filter(upc__in=skus)}
    numbers = {values["household_archive_number"] for _, values in rows}
    households = dict(
        Household.objects.filter(
            archive_number__in=numbers, memberships__cooperative=cooperative
        ).values_list("archive_number", "pk")
    )
    lots: OrderedDict[str, _Lot] = OrderedDict()
    for line, values in rows:
        before = len(errors)
        parsed = _parse_lot_columns(line, values, products, errors)
        household_id = households.get(values["household_archive_number"])
        if household_id is None:
            errors.append(
                RowError(
                    line,
                    "household_archive_number",
                    _("No member household with archive number %(n)s.")
                    % {"n": values["household_archive_number"] or "—"},
                )
            )
        share_kg = _decimal(line, "share_kg", values["share_kg"], errors)
        code = values["lot_code"]
        if not code:
            errors.append(RowError(line, "lot_code", _("Give the lot a code.")))
        if len(errors) > before:
            continue
        lot = lots.get(code)
        if lot is None:
            lots[code] = lot = _Lot(line=line, code=code, values=parsed)
        else:
            for column in LOT_COLUMNS:
                if parsed[column] != lot.values[column]:
                    errors.append(
                        RowError(
                            line,
                            column,
                            _("Differs from line %(l)s of the same lot.")
                            % {"l": lot.line},
                        )
                    )
        if any(h == household_id for _, h, _ in lot.shares):
            errors.append(
                RowError(
                    line,
                    "household_archive_number",
                    _("This household is already in lot %(c)s.") % {"c": code},
                )
            )
        lot.shares.append((line, household_id, share_kg))
    return lots


def _parse_lot_columns(line, values, products, errors) -> dict:
    product = products.get(values["sku"])
    if product is None:
        errors.append(
            RowError(
                line,
                "sku",
                _("No product with SKU %(s)s.") % {"s": values["sku"] or "—"},
            )
        )
    parsed = {
        "sku": product,
        "harvest_date": _date(line, "harvest_date", values["harvest_date"], errors),
        "best_before": _date(line, "best_before", values["best_before"], errors),
        "lot_kg": _decimal(line, "lot_kg", values["lot_kg"], errors),
        "unit_price": None,
    }
    if values.get("unit_price"):
        parsed["unit_price"] = _decimal(
            line, "unit_price", values["unit_price"], errors
        )
    return parsed


def _date(line, column, text, errors):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        errors.append(RowError(line, column, _("Enter a date as YYYY-MM-DD.")))
        return None


def _decimal(line, column, text, errors):
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        errors.append(RowError(line, column, _("Enter a number.")))
        return None
    return value


def _share_prices(lots) -> None:
    """A product priced on one lot of the file is priced for its other lots too."""
    prices = {}
    for lot in lots.values():
        if lot.values["unit_price"] is not None:
            prices.setdefault(lot.values["sku"].pk, lot.values["unit_price"])
    for lot in lots.values():
        if lot.values["unit_price"] is None:
            lot.values["unit_price"] = prices.get(lot.values["sku"].pk)


def _validate_lots(cooperative, lots, errors) -> None:
    for lot in lots.values():
        try:
            stock.validate_lot(**_lot_arguments(cooperative, lot))
        except ValidationError as exc:
            errors.extend(_row_errors(lot, exc))


def _row_errors(lot: _Lot, exc: ValidationError) -> list[RowError]:
    column = {
        "code": "lot_code",
        "product": "sku",
        "kg": "lot_kg",
        "shares": "share_kg",
    }
    return [
        RowError(lot.line, column.get(name, name), message)
        for name, messages in exc.message_dict.items()
        for message in messages
    ]


def _lot_arguments(cooperative, lot: _Lot) -> dict:
    return {
        "cooperative": cooperative,
        "product": lot.values["sku"],
        "code": lot.code,
        "harvest_date": lot.values["harvest_date"],
        "best_before": lot.values["best_before"],
        "kg": lot.values["lot_kg"],
        "shares": [stock.ShareInput(h, kg) for _, h, kg in lot.shares],
        "unit_price": lot.values["unit_price"],
    }


class _LotRefused(Exception):
    def __init__(self, errors):
        self.errors = errors


def _receive(cooperative, lot: _Lot, actor):
    try:
        return stock.receive_lot(actor=actor, **_lot_arguments(cooperative, lot))
    except ValidationError as exc:  # changed since validation (another writer)
        raise _LotRefused(_row_errors(lot, exc)) from None
