"""A statement as PDF, drawn with ReportLab as the delivery documents are
(``fulfilment/dashboard/pdf.py``): text in the built-in CID font STSong-Light,
which every PDF reader has, so no font file ships and Chinese prints as it is."""

import functools
import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from settlement.selectors import StatementDocument

FONT = "STSong-Light"
MARGIN = 15 * mm
GRID = colors.HexColor("#999999")
HEADER = colors.HexColor("#e8e8e8")


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12)
    return {
        "title": ParagraphStyle("title", base, fontSize=16, leading=20, spaceAfter=4),
        "heading": ParagraphStyle(
            "heading", base, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4
        ),
        "text": base,
        "cell": ParagraphStyle("cell", base, fontSize=8.5, leading=11, wordWrap="CJK"),
        "number": ParagraphStyle("number", base, fontSize=8.5, leading=11, alignment=2),
        "small": ParagraphStyle("small", base, fontSize=7.5, leading=10),
    }


def _p(text, style="cell") -> Paragraph:
    escaped = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(escaped, _styles()[style])


def _table(header, rows, widths, *, numeric=(), totals=()) -> Table:
    def cell(index, value):
        return _p(value, "number" if index in numeric else "cell")

    data = [[cell(i, h) for i, h in enumerate(header)]]
    data += [[cell(i, v) for i, v in enumerate(row)] for row in rows]
    data += [[cell(i, v) for i, v in enumerate(row)] for row in totals]
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if totals:
        style.append(("BACKGROUND", (0, -len(totals)), (-1, -1), HEADER))
    return Table(data, colWidths=widths, repeatRows=1, style=TableStyle(style))


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def statement_pdf(doc: StatementDocument) -> bytes:
    width = A4[0] - 2 * MARGIN
    title = _("Settlement statement")
    period = f"{doc.period_start.isoformat()} – {doc.period_end.isoformat()}"
    facts = [
        (_("Statement number"), doc.number),
        (_("Cooperative"), f"{doc.cooperative} ({doc.registration_code})"),
        (_("Period"), period),
        (_("Issued at"), timezone.localtime(doc.issued_at).strftime("%Y-%m-%d %H:%M")),
    ]
    if doc.payout_paid_at:
        paid = timezone.localtime(doc.payout_paid_at).strftime("%Y-%m-%d")
        facts.append((_("Payout paid"), f"{paid} {doc.payout_reference}"))
    story = [
        _p(title, "title"),
        Table(
            [[_p(label, "text"), _p(value, "text")] for label, value in facts],
            colWidths=[32 * mm, None],
            hAlign="LEFT",
            style=TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]),
        ),
        _p(_("Goods received by buyers"), "heading"),
    ]
    lines = [
        (
            line.product,
            line.channel,
            _("Adjustment (earlier period)") if line.adjustment else "",
            line.kg,
            line.yuan,
        )
        for line in doc.lines
    ]
    story.append(
        _table(
            [_("Product"), _("Channel"), _("Note"), _("kg"), _("Yuan")],
            lines,
            [w * mm for w in (55, 55, 30, 20, 20)],
            numeric=(3, 4),
            totals=[
                (_("Goods received"), "", "", doc.goods_kg, doc.goods_yuan),
                (_("Platform fee"), "", _percent(doc.fee_rate), "", doc.fee_yuan),
                (_("Payout"), "", "", "", doc.payout_yuan),
            ],
        )
    )
    if doc.adjustments_yuan:
        story.append(
            _p(
                _(
                    "Adjustments: %(yuan)s yuan of sales dated in earlier periods, "
                    "recorded after those were issued."
                )
                % {"yuan": doc.adjustments_yuan},
                "small",
            )
        )
    story.append(_p(_("Member households"), "heading"))
    story.append(
        _table(
            [
                _("Archive number"),
                _("Village"),
                _("kg"),
                _("Earned (yuan)"),
                _("Paid (yuan)"),
                _("Unpaid (yuan)"),
            ],
            [
                (h.archive_number, h.village, h.kg, h.yuan, h.paid, h.outstanding)
                for h in doc.households
            ],
            [w * mm for w in (40, 40, 22, 26, 26, 26)],
            numeric=(2, 3, 4, 5),
            totals=[
                (
                    _("Total"),
                    "",
                    doc.goods_kg,
                    doc.goods_yuan,
                    doc.paid_yuan,
                    doc.outstanding_yuan,
                )
            ],
        )
    )
    story.append(Spacer(1, 4 * mm))
    story.append(
        _p(
            _(
                "Figures are the household ledger's entries settled by this "
                "statement, reversals included; the fee is rounded half-up to the fen "
                "and the payout is goods less the fee."
            ),
            "small",
        )
    )
    return _build(story, title=f"{title} {doc.number}", width=width)


def _build(story, *, title: str, width: float) -> bytes:
    buffer = io.BytesIO()
    printed = timezone.localtime().strftime("%Y-%m-%d %H:%M")

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.drawString(MARGIN, 8 * mm, f"{title}  |  {_('Printed')} {printed}")
        canvas.drawRightString(
            A4[0] - MARGIN, 8 * mm, _("Page %(page)s") % {"page": document.page}
        )
        canvas.restoreState()

    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=title,
        author=_("Qingyuan Nongjia"),
    ).build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
