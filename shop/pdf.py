"""What our PDF documents share: the font, the paragraph styles, a grid table and
an A4 page with a footer, drawn with ReportLab.

Text is set in ReportLab's built-in CID font STSong-Light (Adobe's Song typeface
for simplified Chinese, which every PDF reader has), so no font file ships and
Chinese names print as they are. Used by the settlement statements and the
canteen accounts' statements and invoices.
"""

import functools
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

FONT = "STSong-Light"
MARGIN = 15 * mm
WIDTH = A4[0] - 2 * MARGIN
GRID = colors.HexColor("#999999")
HEADER = colors.HexColor("#e8e8e8")


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12)
    return {
        "title": ParagraphStyle("title", base, fontSize=16, leading=20, spaceAfter=4),
        "heading": ParagraphStyle(
            "heading", base, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4
        ),
        "text": base,
        # Chinese has no spaces: let lines break between any two characters.
        "cell": ParagraphStyle("cell", base, fontSize=8.5, leading=11, wordWrap="CJK"),
        "number": ParagraphStyle("number", base, fontSize=8.5, leading=11, alignment=2),
        "small": ParagraphStyle("small", base, fontSize=7.5, leading=10),
    }


def p(text, style: str = "cell") -> Paragraph:
    """A paragraph of plain text (escaped: names may hold ``&`` or ``<``)."""
    escaped = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(escaped, styles()[style])


def table(header, rows, widths, *, numeric=(), totals=()) -> Table:
    """A grid with a grey header row (repeated on each page) and grey total rows;
    the columns numbered in ``numeric`` are right-aligned."""

    def cell(index, value):
        return p(value, "number" if index in numeric else "cell")

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


def facts(pairs, *, label_width: float = 32 * mm) -> Table:
    """Label and value pairs, one a line, flush left (a document's heading)."""
    return Table(
        [[p(label, "text"), p(value, "text")] for label, value in pairs],
        colWidths=[label_width, None],
        hAlign="LEFT",
        style=TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]),
    )


def build(story, *, title: str) -> bytes:
    """The story on A4 pages, each with the title, when printed and its number."""
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
