"""The love-card channel of store orders.

A store order counts as a love-card sale when love cards paid at least half of
it (``LOVE_CARD_SHARE``): "mostly by love card". What counts is what the cards
paid when the order was placed (its ``spend`` transactions), not later refunds,
so an order's channel never changes after the fact and ``verify_ledger`` can
recompute it from the card transactions.
"""

import datetime
from decimal import Decimal

from django.db.models import Sum

from channels.models import Channel, ChannelKind
from lovecards.models import CardTransaction, TransactionKind

CODE = "lovecard-online"
LOVE_CARD_SHARE = Decimal("0.5")


def love_card_store() -> Channel:
    """The channel of store orders paid mostly by love card (created on first
    use, like the online store's)."""
    channel, _created = Channel.objects.get_or_create(
        code=CODE,
        defaults={
            "name": "消费扶贫爱心卡网上商城",
            "kind": ChannelKind.LOVE_CARD,
            "operator": "清远市消费扶贫爱心卡服务中心",
            "opened_on": datetime.date(2020, 1, 1),
        },
    )
    return channel


def paid_by_card(order_numbers) -> dict[str, Decimal]:
    """What love cards paid for each order at placement (spends only)."""
    return {
        number: -total
        for number, total in CardTransaction.objects.filter(
            kind=TransactionKind.SPEND, order_number__in=list(order_numbers)
        )
        .values("order_number")
        .annotate(total=Sum("amount"))
        .values_list("order_number", "total")
    }


def love_card_orders(totals: dict[str, Decimal]) -> set[str]:
    """Of ``{order number: order total}``, the orders paid mostly by love card."""
    paid = paid_by_card(totals)
    return {
        number
        for number, total in totals.items()
        if total and Decimal(paid.get(number, 0)) >= Decimal(total) * LOVE_CARD_SHARE
    }
