"""The distribution centre's documents as PDF, drawn with ReportLab.

The text is set in ReportLab's built-in CID font STSong-Light (Adobe's Song
typeface for simplified Chinese, which every PDF reader has), so no font file is
shipped and Chinese names print as they are. Each function takes the frozen value a
``fulfilment.documents`` selector built, the same one the HTML page shows, and
returns the PDF's bytes; labels go through gettext like the pages'.
"""

import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from fulfilment.documents import ConsolidationSheet, DeliveryNote, PickList
from shop.pdf import FONT, GRID, HEADER, MARGIN, p


def _kg(value: Decimal | None) -> str:
    return "-" if value is None else f"{value}"


def _table(header, rows, widths, *, numeric=(), total=None) -> Table:
    """A grid with a grey header repeated on every page; ``numeric`` columns are
    right-aligned; ``total`` is a last row set apart."""

    def cell(index, value):
        return p(value, "number" if index in numeric else "cell")

    data = [[cell(i, h) for i, h in enumerate(header)]]
    data += [[cell(i, v) for i, v in enumerate(row)] for row in rows]
    if total is not None:
        data.append([cell(i, v) for i, v in enumerate(total)])
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if total is not None:
        style.append(("BACKGROUND", (0, -1), (-1, -1), HEADER))
    return Table(data, colWidths=widths, repeatRows=1, style=TableStyle(style))


def _facts(pairs) -> Table:
    """Label: value lines under the title."""
    rows = [[p(label, "text"), p(value, "text")] for label, value in pairs if value]
    return Table(
        rows,
        colWidths=[32 * mm, None],
        hAlign="LEFT",
        style=TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        ),
    )


def _signatures(labels, width) -> KeepTogether:
    """Boxes to sign in, side by side, with a line for the date and time."""
    row = [
        [p(label, "text"), Spacer(1, 14 * mm), p(_("Date and time:"), "small")]
        for label in labels
    ]
    table = Table(
        [row],
        colWidths=[width / len(labels)] * len(labels),
        style=TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.5, GRID),
                ("INNERGRID", (0, 0), (-1, -1), 0.5, GRID),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        ),
    )
    return KeepTogether([Spacer(1, 6 * mm), table])


def _build(story, *, title: str, pagesize=A4) -> bytes:
    buffer = io.BytesIO()
    printed = timezone.localtime().strftime("%Y-%m-%d %H:%M")

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        label = _("Printed")
        canvas.drawString(MARGIN, 8 * mm, f"{title}  |  {label} {printed}")
        canvas.drawRightString(
            pagesize[0] - MARGIN,
            8 * mm,
            _("Page %(page)s") % {"page": doc.page},
        )
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=title,
        author=_("Qingyuan distribution centre"),
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _width(pagesize) -> float:
    return pagesize[0] - 2 * MARGIN


def pick_list_pdf(doc: PickList) -> bytes:
    title = _("Pick list")
    width = _width(A4)
    story = [
        p(title, "title"),
        p(doc.cooperative, "heading"),
        _facts(
            [
                (_("Cooperative"), doc.cooperative),
                (_("Address"), doc.address),
                (_("Delivery date"), doc.delivery_date.isoformat()),
                (_("To"), _("Qingyuan distribution centre")),
            ]
        ),
        Spacer(1, 4 * mm),
    ]
    if doc.rows:
        story.append(
            _table(
                [
                    _("Order"),
                    _("Canteen"),
                    _("Product"),
                    _("Lot"),
                    _("Best before"),
                    _("kg"),
                    _("Shipped (kg)"),
                    _("Status"),
                ],
                [
                    (
                        r.order_number,
                        r.canteen,
                        f"{r.product} ({r.unit_of_sale})",
                        r.lot_code,
                        r.best_before.isoformat(),
                        _kg(r.kg),
                        _kg(r.shipped_kg),
                        r.status_label,
                    )
                    for r in doc.rows
                ],
                [w * mm for w in (19, 30, 31, 22, 18, 15, 19, 26)],
                numeric=(5, 6),
            )
        )
        totals = _table(
            [_("Product"), _("kg")],
            [(t.product, _kg(t.kg)) for t in doc.totals],
            [width - 30 * mm, 30 * mm],
            numeric=(1,),
            total=(_("Total"), _kg(doc.total_kg)),
        )
        story.append(KeepTogether([p(_("Total by product"), "heading"), totals]))
    else:
        story.append(p(_("Nothing to pick for this date."), "text"))
    story.append(_signatures([_("Packed by"), _("Received at the centre by")], width))
    return _build(story, title=f"{title} {doc.delivery_date.isoformat()}")


def consolidation_sheet_pdf(doc: ConsolidationSheet) -> bytes:
    pagesize = landscape(A4)
    width = _width(pagesize)
    title = _("Consolidation sheet")
    story = [
        p(title, "title"),
        _facts(
            [
                (_("Delivery date"), doc.delivery_date.isoformat()),
                (_("Allocated (kg)"), _kg(doc.kg)),
                (_("Shipped (kg)"), _kg(doc.shipped_kg)),
            ]
        ),
        p(_("Arriving from"), "heading"),
    ]
    if not doc.canteens:
        story.append(p(_("Nothing arrives for this date."), "text"))
        return _build(story, title=title, pagesize=pagesize)
    story.append(
        _table(
            [
                _("Cooperative"),
                _("Allocations"),
                _("Allocated (kg)"),
                _("Shipped (kg)"),
                _("Checked in"),
            ],
            [
                (c.cooperative, c.allocations, _kg(c.kg), _kg(c.shipped_kg), "")
                for c in doc.cooperatives
            ],
            [width - 140 * mm, 25 * mm, 30 * mm, 30 * mm, 55 * mm],
            numeric=(1, 2, 3),
        )
    )
    for canteen in doc.canteens:
        story.append(p(f"{canteen.canteen}  ({canteen.address})", "heading"))
        story.append(
            _table(
                [
                    _("Cooperative"),
                    _("Order"),
                    _("Product"),
                    _("Lot"),
                    _("Allocated (kg)"),
                    _("Shipped (kg)"),
                    _("Status"),
                    _("Checked"),
                ],
                [
                    (
                        r.cooperative,
                        r.order_number,
                        r.product,
                        r.lot_code,
                        _kg(r.kg),
                        _kg(r.shipped_kg),
                        r.status_label,
                        "",
                    )
                    for r in canteen.rows
                ],
                [w * mm for w in (52, 24, 52, 30, 25, 25, 30, 29)],
                numeric=(4, 5),
                total=(
                    _("Total"),
                    "",
                    "",
                    "",
                    _kg(canteen.kg),
                    _kg(canteen.shipped_kg),
                    "",
                    "",
                ),
            )
        )
    return _build(
        story, title=f"{title} {doc.delivery_date.isoformat()}", pagesize=pagesize
    )


def delivery_note_pdf(doc: DeliveryNote) -> bytes:
    width = _width(A4)
    title = _("Delivery note")
    story = [
        p(title, "title"),
        p(doc.canteen, "heading"),
        _facts(
            [
                (_("Canteen"), doc.canteen),
                (_("Delivery address"), doc.address),
                (_("Contact"), doc.contact),
                (_("Delivery date"), doc.delivery_date.isoformat()),
                (_("Delivery window"), doc.window),
                (_("Orders"), ", ".join(doc.order_numbers)),
                (_("From"), _("Qingyuan distribution centre")),
            ]
        ),
        Spacer(1, 4 * mm),
    ]
    if doc.lines:
        story.append(
            _table(
                [
                    _("Order"),
                    _("Product"),
                    _("Units"),
                    _("Ordered (kg)"),
                    _("Shipped (kg)"),
                    _("Received (kg)"),
                    _("Lots"),
                ],
                [
                    (
                        n.order_number,
                        f"{n.product} ({n.unit_of_sale})",
                        n.units,
                        _kg(n.ordered_kg),
                        _kg(n.shipped_kg),
                        "",
                        ", ".join(n.lot_codes),
                    )
                    for n in doc.lines
                ],
                [w * mm for w in (20, 46, 13, 22, 22, 22, 35)],
                numeric=(2, 3, 4),
                total=(
                    _("Total"),
                    "",
                    "",
                    _kg(doc.ordered_kg),
                    _kg(doc.shipped_kg),
                    "",
                    "",
                ),
            )
        )
    else:
        story.append(p(_("Nothing is delivered to this canteen on this date."), "text"))
    story.append(
        p(
            _(
                "Weigh on arrival and write the received kg of each line; note any "
                "damage or shortfall below before signing."
            ),
            "small",
        )
    )
    story.append(
        _signatures([_("Delivered by"), _("Received by (name and signature)")], width)
    )
    return _build(story, title=f"{title} {doc.delivery_date.isoformat()}")
