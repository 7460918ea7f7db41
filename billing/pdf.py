"""A canteen account's monthly statement and an invoice as PDF, drawn with the
shared helpers of ``shop.pdf`` (ReportLab, the built-in CID font STSong-Light,
so Chinese prints as it is); labels go through gettext like the pages'."""

from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from billing import statement_rows as rows
from billing.models import Invoice
from billing.statements import AccountStatement, invoice_document
from shop.pdf import build, facts, p, table


def _date(day) -> str:
    return day.isoformat() if day else ""


def _days(days: int) -> str:
    return _("%(days)s days") % {"days": days} if days > 0 else ""


def statement_pdf(statement: AccountStatement) -> bytes:
    title = _("Account statement")
    story = [
        p(f"{title} {statement.label}", "title"),
        facts(
            [
                (_("Canteen"), statement.organisation),
                (_("Address"), statement.address),
                (
                    _("Period"),
                    f"{_date(statement.start)} – {_date(statement.end)}",
                ),
                (_("Credit limit (yuan)"), statement.credit_limit),
                (_("Opening balance (yuan)"), statement.opening_balance),
                (_("Closing balance (yuan)"), statement.closing_balance),
            ],
            label_width=40 * mm,
        ),
        p(_("Invoices, payments and credit notes"), "heading"),
    ]
    story.append(
        table(
            rows.entry_headings(),
            rows.entry_rows(statement, date=_date),
            [w * mm for w in (20, 30, 34, 24, 22, 22, 28)],
            numeric=(4, 5, 6),
            totals=[rows.closing_row(statement)],
        )
    )
    if not statement.entries:
        story.append(p(_("Nothing was invoiced or paid this month."), "small"))
    story.append(
        p(
            _("Open invoices on %(day)s") % {"day": _date(statement.as_of)},
            "heading",
        )
    )
    if statement.open_invoices:
        story.append(
            table(
                rows.invoice_headings(overdue=_("Overdue")),
                rows.invoice_rows(statement, date=_date, overdue=_days),
                [w * mm for w in (34, 24, 19, 19, 22, 22, 22, 18)],
                numeric=(4, 5, 6),
                totals=rows.invoice_totals(statement),
            )
        )
    else:
        story.append(p(_("No invoice is waiting for payment."), "text"))
    story.append(Spacer(1, 4 * mm))
    story.append(
        p(
            _(
                "Invoices bill the kg received; payments and credit notes are "
                "credited. The balance is what the canteen owes (below zero: paid "
                "ahead). Pay by bank transfer quoting the invoice number."
            ),
            "small",
        )
    )
    return build(story, title=f"{title} {statement.organisation} {statement.label}")


def invoice_pdf(invoice: Invoice) -> bytes:
    doc = invoice_document(invoice)
    title = _("Invoice")
    story = [
        p(f"{title} {doc.number}", "title"),
        facts(
            [
                (_("Invoice number"), doc.number),
                (_("Canteen"), doc.organisation),
                (_("Address"), doc.address),
                (_("Order number"), doc.order_number),
                (_("Delivery date"), _date(doc.delivery_date)),
                (_("Issued on"), _date(doc.issued_on)),
                (_("Due on"), _date(doc.due_on)),
            ]
        ),
        p(_("Invoice lines"), "heading"),
    ]
    lines = [
        (
            line.title,
            line.ordered_kg,
            line.received_kg,
            line.price_per_kg,
            line.amount,
            _("Not charged: %(yuan)s") % {"yuan": line.not_charged}
            if line.not_charged
            else "",
        )
        for line in doc.lines
    ]
    overdue = ""
    if doc.days_overdue:
        overdue = _("%(days)s days overdue") % {"days": doc.days_overdue}
    story.append(
        table(
            [
                _("Product"),
                _("Ordered (kg)"),
                _("Received (kg)"),
                _("Price per kg (yuan)"),
                _("Amount (yuan)"),
                _("Note"),
            ],
            lines,
            [w * mm for w in (54, 22, 22, 24, 24, 34)],
            numeric=(1, 2, 3, 4),
            totals=[
                (_("Total"), "", "", "", doc.amount, ""),
                (_("Settled"), "", "", "", doc.settled, ""),
                (_("Outstanding"), "", "", "", doc.outstanding, overdue),
            ],
        )
    )
    story.append(Spacer(1, 4 * mm))
    if doc.not_charged:
        story.append(
            p(
                _(
                    "Kg ordered but not received are not charged: %(yuan)s yuan of "
                    "the order's %(ordered)s yuan."
                )
                % {"yuan": doc.not_charged, "ordered": doc.ordered_amount},
                "small",
            )
        )
    story.append(
        p(
            _("Pay by bank transfer by %(day)s, quoting the invoice number.")
            % {"day": _date(doc.due_on)},
            "small",
        )
    )
    return build(story, title=f"{title} {doc.number}")
