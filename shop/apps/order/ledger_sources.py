"""How the ledger recomputes what dispatched store lines put in it (for
``ledger.audit``, named in ``settings.NONGJIA_LEDGER_SOURCES``).

The lots a dispatch shipped from were chosen when it happened, so the ledger's
split over lots stands; what must hold is each line's total: the units dispatched
(Oscar's "dispatched" shipping events) at the line's unit price, in the channel
``dispatch.sale_channel`` gives the order (a line whose entries are in another
channel comes back as a difference).
"""

from collections import defaultdict
from decimal import Decimal

from django.apps import apps
from django.db.models import Sum

from channels.services import ONLINE_STORE
from ledger.apportion import FEN
from ledger.models import LedgerEntry, SourceKind
from lovecards.channel import CODE as LOVE_CARD_CODE
from lovecards.channel import love_card_orders
from shop.apps.order.processing import DISPATCHED

ZERO = Decimal(0)


def store_line_parts(ids) -> dict:
    Line = apps.get_model("order", "Line")
    Quantity = apps.get_model("order", "ShippingEventQuantity")
    dispatched = dict(
        Quantity.objects.filter(line_id__in=ids, event__event_type__code=DISPATCHED)
        .values("line_id")
        .annotate(units=Sum("quantity"))
        .values_list("line_id", "units")
    )
    by_lot = defaultdict(list)
    channels = defaultdict(set)
    for source_id, lot_id, channel, kg, yuan in (
        LedgerEntry.objects.filter(source_kind=SourceKind.STORE_LINE, source_id__in=ids)
        .values("source_id", "lot_id", "channel__code")
        .annotate(kg=Sum("kg"), yuan=Sum("yuan"))
        .values_list("source_id", "lot_id", "channel__code", "kg", "yuan")
    ):
        by_lot[source_id].append((lot_id, kg, yuan))
        channels[source_id].add(channel)
    lines = list(Line.objects.filter(pk__in=ids).select_related("order", "product"))
    by_card = love_card_orders(
        {line.order.number: line.order.total_incl_tax for line in lines}
    )
    parts = {}
    for line in lines:
        units = dispatched.get(line.pk, 0)
        yuan = (line.unit_price_incl_tax * units).quantize(FEN)
        kg = (line.product.net_weight_kg or ZERO) * units if line.product_id else ZERO
        lots = by_lot.get(line.pk, [])
        found_kg = sum((k for _l, k, _y in lots), ZERO)
        found_yuan = sum((y for _l, _k, y in lots), ZERO)
        expected = LOVE_CARD_CODE if line.order.number in by_card else ONLINE_STORE
        channel_ok = channels[line.pk] <= {expected}
        parts[line.pk] = (
            lots
            if (found_kg, found_yuan) == (kg, yuan) and channel_ok
            else [(None, kg, yuan)]
        )
    return parts
