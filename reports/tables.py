"""Reports as tables, and tables as CSV or XLSX files.

The API's ``?format=csv|xlsx``, the pages' download buttons and the background
exports all write through here, so a report's file has the same columns wherever it
is downloaded. Rows may be an iterator (the ledger entries behind a year are
millions): the writers stream them and call ``progress(done)`` every
``PROGRESS_EVERY`` rows, which the background export stores for its progress bar.
"""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

PROGRESS_EVERY = 5000
# Above this many ledger entries a file is a background export, not an answer
# (the API and the pages refuse it and point to /reports/exports/).
MAX_ENTRIES_IN_A_FILE = 50_000


@dataclass
class Table:
    name: str  # the file's name, without extension
    headings: list[str]
    rows: Iterable[list]
    count: int | None = None  # rows to come, when known (for progress)


def _period(query) -> str:
    return f"{query.start.isoformat()}_{query.end.isoformat()}"


def report_table(report) -> Table:
    """A grouped report: a row per group, then the totals."""
    query = report.query
    grouping = query.grouping or "total"
    if query.grouping == "period":
        grouping = f"period-{query.interval}"
    rows = [_figures(row.label, row) for row in report.rows]
    rows.append(_figures(_("Total"), report.totals))
    return Table(
        name=f"sales-by-{grouping}_{_period(query)}",
        headings=[
            _("Group"),
            _("kg"),
            _("Tonnes"),
            _("Yuan"),
            _("Orders"),
            _("Households reached"),
            _("Yuan per household reached"),
        ],
        rows=rows,
        count=len(rows),
    )


def _figures(label: str, row) -> list:
    return [
        label,
        row.kg,
        row.tonnes,
        row.yuan,
        row.orders,
        row.households,
        row.income_per_household,
    ]


def at_risk_table(query, rows) -> Table:
    """Households at risk, by village."""
    return Table(
        name=f"households-at-risk_{_period(query)}",
        headings=[
            _("County"),
            _("Town"),
            _("Village"),
            _("Archive number"),
            _("Status"),
            _("Yuan in the period"),
            _("Yuan in the period before"),
        ],
        rows=[
            [
                r.household.village.town.county.name,
                r.household.village.town.name,
                r.household.village.name,
                r.household.archive_number,
                r.household.get_status_display(),
                r.yuan,
                r.previous_yuan,
            ]
            for r in rows
        ],
        count=len(rows),
    )


def entries_table(query, entries) -> Table:
    """Ledger entries (a drill-down), streamed from the database."""
    return Table(
        name=f"ledger-entries_{_period(query)}",
        headings=[
            _("Entry"),
            _("Sale date"),
            _("Channel"),
            _("Cooperative"),
            _("Product"),
            _("Lot"),
            _("Village"),
            _("Household"),
            _("kg"),
            _("Yuan"),
            _("Order"),
            _("Source"),
            _("Reverses entry"),
        ],
        rows=(
            [
                e.pk,
                e.sale_date,
                e.channel.name,
                e.cooperative.partner.name,
                e.product.title,
                e.lot.code,
                e.village.name,
                e.household.archive_number,
                e.kg,
                e.yuan,
                e.order_ref,
                f"{e.source_kind}:{e.source_id}",
                e.reverses_id or "",
            ]
            for e in entries.iterator(chunk_size=2000)
        ),
        count=None,
    )


Progress = Callable[[int], None] | None


def _rows(table: Table, progress: Progress):
    done = 0
    for row in table.rows:
        yield row
        done += 1
        if progress and done % PROGRESS_EVERY == 0:
            progress(done)
    if progress:
        progress(done)


def write_csv(table: Table, out: io.BufferedIOBase, progress: Progress = None) -> None:
    """UTF-8 with a byte-order mark, so that Excel opens Chinese text right."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(table.headings)
    for row in _rows(table, progress):
        writer.writerow(["" if cell is None else cell for cell in row])
    text.flush()
    text.detach()


def write_xlsx(table: Table, out: io.BufferedIOBase, progress: Progress = None) -> None:
    """One sheet, headings in bold; numbers stay numbers (Decimal, not text)."""
    # Imported here: openpyxl adds tens of ms to every process that imports it.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.name[:31])
    bold = Font(bold=True)
    headings = []
    for heading in table.headings:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = bold
        headings.append(cell)
    sheet.append(headings)
    for row in _rows(table, progress):
        sheet.append(row)
    book.save(out)


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def file_bytes(table: Table, file_format: str) -> bytes:
    out = io.BytesIO()
    WRITERS[file_format](table, out)
    return out.getvalue()
