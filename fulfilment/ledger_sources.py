"""How the ledger recomputes what canteen receipt lines put in it (for
``ledger.audit``, named in ``settings.NONGJIA_LEDGER_SOURCES``): the same rule
``delivery`` wrote them with, applied to the source records as they are now."""

from collections import defaultdict

from fulfilment.delivery import receipt_parts
from fulfilment.models import Allocation, ReceiptLine


def receipt_line_parts(ids) -> dict:
    lines = ReceiptLine.objects.filter(pk__in=ids).select_related("line")
    shipped = defaultdict(list)
    for allocation in Allocation.objects.filter(
        line__receipt_line__in=ids, shipped_kg__gt=0
    ).order_by("pk"):
        shipped[allocation.line_id].append(allocation)
    return {
        line.pk: [
            (part.lot_id, part.kg, part.yuan)
            for part in receipt_parts(line, shipped[line.line_id])
        ]
        for line in lines
    }
