"""A canteen account's monthly statement as an XLSX sheet, written by
``reports.tables`` like every report file: the entries with their running
balance, then the open invoices (the rows of ``billing.statement_rows``, as the
PDF prints them). Money stays Decimal and dates dates, so cells are numbers."""

from django.utils.translation import gettext as _

from billing import statement_rows as rows
from billing.statements import AccountStatement
from reports.tables import Table, file_bytes


def _as_is(value):
    return value


def statement_table(statement: AccountStatement) -> Table:
    sheet: list[list] = [
        [_("Canteen"), statement.organisation],
        [_("Address"), statement.address],
        [_("Period"), statement.start, statement.end],
        [_("Credit limit (yuan)"), statement.credit_limit],
        [],
        rows.entry_headings(),
        *map(list, rows.entry_rows(statement, date=_as_is)),
        list(rows.closing_row(statement)),
        [],
        [_("Open invoices on %(day)s") % {"day": statement.as_of.isoformat()}],
        rows.invoice_headings(overdue=_("Days overdue")),
        *map(
            list,
            rows.invoice_rows(statement, date=_as_is, overdue=lambda d: d or ""),
        ),
        *map(list, rows.invoice_totals(statement)),
    ]
    return Table(
        name=f"statement-{statement.account_id}-{statement.label}",
        headings=[_("Account statement"), statement.organisation, statement.label],
        rows=sheet,
        count=len(sheet),
    )


def statement_xlsx(statement: AccountStatement) -> bytes:
    return file_bytes(statement_table(statement), "xlsx")
