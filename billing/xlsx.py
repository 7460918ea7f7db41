"""A canteen account's monthly statement as an XLSX sheet, written by
``reports.tables`` like every report file: the entries with their running
balance, then the open invoices. Money stays Decimal, so cells are numbers."""

from django.utils.translation import gettext as _

from billing.statements import AccountStatement
from reports.tables import Table, file_bytes


def statement_table(statement: AccountStatement) -> Table:
    rows: list[list] = [
        [_("Canteen"), statement.organisation],
        [_("Address"), statement.address],
        [_("Period"), statement.start, statement.end],
        [_("Credit limit (yuan)"), statement.credit_limit],
        [],
        [
            _("Date"),
            _("Kind"),
            _("Document"),
            _("Order number"),
            _("Debit (yuan)"),
            _("Credit (yuan)"),
            _("Balance (yuan)"),
        ],
        ["", _("Opening balance"), "", "", "", "", statement.opening_balance],
    ]
    rows += [
        [
            e.booked_on,
            e.label,
            e.document,
            e.order_number,
            e.debit or "",
            e.credit or "",
            e.balance,
        ]
        for e in statement.entries
    ]
    rows += [
        [
            "",
            _("Closing balance"),
            "",
            "",
            statement.debits,
            statement.credits,
            statement.closing_balance,
        ],
        [],
        [_("Open invoices on %(day)s") % {"day": statement.as_of.isoformat()}],
        [
            _("Invoice number"),
            _("Order number"),
            _("Issued on"),
            _("Due on"),
            _("Amount (yuan)"),
            _("Settled (yuan)"),
            _("Outstanding (yuan)"),
            _("Days overdue"),
        ],
    ]
    rows += [
        [
            i.number,
            i.order_number,
            i.issued_on,
            i.due_on,
            i.amount,
            i.settled,
            i.outstanding,
            i.days_overdue or "",
        ]
        for i in statement.open_invoices
    ]
    rows += [
        [_("Total"), "", "", "", "", "", statement.outstanding, ""],
        [_("Overdue"), "", "", "", "", "", statement.overdue, ""],
    ]
    return Table(
        name=f"statement-{statement.account_id}-{statement.label}",
        headings=[_("Account statement"), statement.organisation, statement.label],
        rows=rows,
        count=len(rows),
    )


def statement_xlsx(statement: AccountStatement) -> bytes:
    return file_bytes(statement_table(statement), "xlsx")
