"""Dispatching store order lines: the sale becomes final and enters the ledger.

A store (online) order reserves units of a cooperative's stock when it is placed
(``StockRecord.allocate``); dispatching ships them out of the lots, earliest
best-before first, and — in the same transaction — records the sale in the online
store's channel (or the love-card channel, for an order paid mostly by love card:
``sale_channel``): each lot's kg at the line's unit price, split over the lot's
households. Partial dispatches are allowed; never more than is still reserved.
"""

from collections.abc import Sequence
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from channels.services import online_store
from ledger.apportion import FEN, largest_remainder
from ledger.models import SourceKind
from ledger.services import SalePart, record_sale
from lovecards.channel import love_card_orders, love_card_store
from suppliers import stock

ZERO = Decimal(0)


def line_parts(line, quantity: int, lots_kg) -> list[SalePart]:
    """The sale of ``quantity`` units of a line, over the lots they came from."""
    yuan = (line.unit_price_incl_tax * quantity).quantize(FEN)
    yuans = largest_remainder(yuan, [kg for _lot, kg in lots_kg], FEN)
    return [
        SalePart(lot_id=lot_id, kg=kg, yuan=y)
        for (lot_id, kg), y in zip(lots_kg, yuans, strict=True)
    ]


def sale_channel(order):
    """The channel a store order's sales count in (``ledger_sources`` checks the
    same rule): love cards' if they paid most of it, the online store's
    otherwise."""
    if love_card_orders({str(order.number): order.total_incl_tax}):
        return love_card_store()
    return online_store()


@transaction.atomic
@audit.batch()  # the order and every lot shipped from: one audit INSERT
def dispatch_lines(*, order, lines: Sequence, quantities: Sequence[int], actor=None):
    """Ship ``quantities`` of the order's ``lines`` and record each sale."""
    Line = apps.get_model("order", "Line")
    channel = sale_channel(order)
    locked = {
        line.pk: line
        for line in Line.objects.select_for_update(of=("self",))
        .select_related("stockrecord__product")
        .filter(order=order, pk__in=[line.pk for line in lines])
        .order_by("pk")
    }
    for line, quantity in zip(lines, quantities, strict=True):
        line = locked[line.pk]
        if quantity <= 0 or quantity > (line.num_allocated or 0):
            raise ValidationError(
                {
                    "quantity": _("Only %(n)s units of %(title)s are left to dispatch.")
                    % {"n": line.num_allocated or 0, "title": line.title}
                }
            )
        shipped = stock.ship_reserved_units(
            stockrecord=line.stockrecord,
            units=quantity,
            reason=_("store order dispatched"),
            reference=str(order.number),
            actor=actor,
        )
        Line.objects.filter(pk=line.pk).update(
            num_allocated=F("num_allocated") - quantity
        )
        record_sale(
            source_kind=SourceKind.STORE_LINE,
            source_id=line.pk,
            order_ref=f"S{order.number}",
            sale_date=timezone.localdate(),
            channel_id=channel.pk,
            parts=line_parts(line, quantity, shipped),
        )
    audit.record(
        "order.dispatched",
        order,
        {"units": {line.pk: qty for line, qty in zip(lines, quantities, strict=True)}},
        actor=actor,
    )
