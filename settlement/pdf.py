"""A statement as PDF, drawn with the shared helpers of ``shop.pdf`` (ReportLab,
the built-in CID font STSong-Light, so Chinese prints as it is)."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from settlement.selectors import StatementDocument
from shop.pdf import build, facts, p, table


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def statement_pdf(doc: StatementDocument) -> bytes:
    title = _("Settlement statement")
    period = f"{doc.period_start.isoformat()} – {doc.period_end.isoformat()}"
    pairs = [
        (_("Statement number"), doc.number),
        (_("Cooperative"), f"{doc.cooperative} ({doc.registration_code})"),
        (_("Period"), period),
        (_("Issued at"), timezone.localtime(doc.issued_at).strftime("%Y-%m-%d %H:%M")),
    ]
    if doc.payout_paid_at:
        paid = timezone.localtime(doc.payout_paid_at).strftime("%Y-%m-%d")
        pairs.append((_("Payout paid"), f"{paid} {doc.payout_reference}"))
    story = [
        p(title, "title"),
        facts(pairs),
        p(_("Goods received by buyers"), "heading"),
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
        table(
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
            p(
                _(
                    "Adjustments: %(yuan)s yuan of sales dated in earlier periods, "
                    "recorded after those were issued."
                )
                % {"yuan": doc.adjustments_yuan},
                "small",
            )
        )
    story.append(p(_("Member households"), "heading"))
    story.append(
        table(
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
        p(
            _(
                "Figures are the household ledger's entries settled by this "
                "statement, reversals included; the fee is rounded half-up to the fen "
                "and the payout is goods less the fee."
            ),
            "small",
        )
    )
    return build(story, title=f"{title} {doc.number}")
