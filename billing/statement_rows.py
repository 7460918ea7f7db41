"""The rows a monthly statement prints, shared by its PDF and its XLSX sheet:
which columns in which order, the opening and closing rows, the open invoices and
their totals. Each file only says how it writes a date and an overdue count (the
PDF as text; the sheet as cells a spreadsheet can sort and add up)."""

from collections.abc import Callable

from django.utils.translation import gettext as _

from billing.statements import AccountStatement

Cell = object


def entry_headings() -> list[str]:
    return [
        _("Date"),
        _("Kind"),
        _("Document"),
        _("Order number"),
        _("Debit (yuan)"),
        _("Credit (yuan)"),
        _("Balance (yuan)"),
    ]


def entry_rows(
    statement: AccountStatement, date: Callable[[object], Cell]
) -> list[tuple]:
    """The opening balance, then each entry of the month with its balance."""
    return [
        ("", _("Opening balance"), "", "", "", "", statement.opening_balance),
        *(
            (
                date(e.booked_on),
                e.label,
                e.document,
                e.order_number,
                e.debit or "",
                e.credit or "",
                e.balance,
            )
            for e in statement.entries
        ),
    ]


def closing_row(statement: AccountStatement) -> tuple:
    return (
        "",
        _("Closing balance"),
        "",
        "",
        statement.debits,
        statement.credits,
        statement.closing_balance,
    )


def invoice_headings(overdue: str) -> list[str]:
    return [
        _("Invoice number"),
        _("Order number"),
        _("Issued on"),
        _("Due on"),
        _("Amount (yuan)"),
        _("Settled (yuan)"),
        _("Outstanding (yuan)"),
        overdue,
    ]


def invoice_rows(
    statement: AccountStatement,
    date: Callable[[object], Cell],
    overdue: Callable[[int], Cell],
) -> list[tuple]:
    return [
        (
            i.number,
            i.order_number,
            date(i.issued_on),
            date(i.due_on),
            i.amount,
            i.settled,
            i.outstanding,
            overdue(i.days_overdue),
        )
        for i in statement.open_invoices
    ]


def invoice_totals(statement: AccountStatement) -> list[tuple]:
    return [
        (_("Total"), "", "", "", "", "", statement.outstanding, ""),
        (_("Overdue"), "", "", "", "", "", statement.overdue, ""),
    ]
