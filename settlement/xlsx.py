"""A statement as an XLSX sheet, written by ``reports.tables`` like every report
file: the goods by product and channel, fee and payout, then the households."""

from django.utils.translation import gettext as _

from reports.tables import Table, file_bytes
from settlement.selectors import StatementDocument


def statement_table(doc: StatementDocument) -> Table:
    rows: list[list] = [
        [_("Cooperative"), doc.cooperative, doc.registration_code, "", ""],
        [_("Period"), doc.period_start, doc.period_end, "", ""],
        [],
        [_("Product"), _("Channel"), _("Note"), _("kg"), _("Yuan")],
    ]
    rows += [
        [
            line.product,
            line.channel,
            _("Adjustment (earlier period)") if line.adjustment else "",
            line.kg,
            line.yuan,
        ]
        for line in doc.lines
    ]
    rows += [
        [_("Goods received"), "", "", doc.goods_kg, doc.goods_yuan],
        [_("Platform fee"), "", doc.fee_rate, "", doc.fee_yuan],
        [_("Payout"), "", doc.payout_reference, "", doc.payout_yuan],
        [],
        [
            _("Archive number"),
            _("Village"),
            _("kg"),
            _("Earned (yuan)"),
            _("Paid (yuan)"),
            _("Unpaid (yuan)"),
        ],
    ]
    rows += [
        [h.archive_number, h.village, h.kg, h.yuan, h.paid, h.outstanding]
        for h in doc.households
    ]
    rows.append(
        [
            _("Total"),
            "",
            doc.goods_kg,
            doc.goods_yuan,
            doc.paid_yuan,
            doc.outstanding_yuan,
        ]
    )
    return Table(
        name=f"statement-{doc.number}",
        headings=[_("Settlement statement"), doc.number, "", "", "", ""],
        rows=rows,
        count=len(rows),
    )


def statement_xlsx(doc: StatementDocument) -> bytes:
    return file_bytes(statement_table(doc), "xlsx")
