"""Helpers of the settlement tests: ledger entries written through the ledger's
own service (``record_sale``), so they are apportioned as real sales are."""

import datetime
import itertools
from decimal import Decimal

from django.db.models import Sum

from channels.services import open_channel
from ledger.models import LedgerEntry
from ledger.services import SalePart, record_sale
from settlement.models import SettlementPeriod
from tests.factories import make_household, make_lot

D = Decimal
_sources = itertools.count(900_000)


def counter_channel(code="grandbuy-beijing-rd", name="广百百货北京路店扶贫专柜"):
    return open_channel(
        code=code,
        name=name,
        kind="counter",
        operator="广百百货",
        opened_on=datetime.date(2020, 1, 1),
    )


def three_household_lot(*, cooperative, product, kg="100"):
    """A lot shared by three households: 33.334 + 33.333 + 33.333 kg, so every
    split rounds."""
    households = [make_household(cooperative=cooperative) for _ in range(3)]
    return make_lot(
        cooperative=cooperative,
        product=product,
        kg=kg,
        households=households,
        harvest_date=datetime.date(2026, 1, 1),
        best_before=datetime.date(2027, 1, 1),
    )


def sell(*, lot, channel, day, kg, yuan, source_id=None):
    source_id = source_id or next(_sources)
    record_sale(
        source_kind="counter_sale",
        source_id=source_id,
        order_ref=f"T{source_id}",
        sale_date=day,
        channel_id=channel.pk,
        parts=[SalePart(lot_id=lot.pk, kg=D(kg), yuan=D(yuan))],
    )
    return source_id


def ledger_yuan(*, cooperative, start, end) -> Decimal:
    return LedgerEntry.objects.filter(
        cooperative=cooperative, sale_date__gte=start, sale_date__lte=end
    ).aggregate(total=Sum("yuan"))["total"] or D("0")


def period(start, end, **kwargs):
    return SettlementPeriod.objects.create(start=start, end=end, **kwargs)
