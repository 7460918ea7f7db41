"""How much of an order love cards may pay, and which card pays what.

Love cards are for certified poverty-area produce only: the eligible amount is
the sum of the order's lines whose product holds a valid poverty-product
certificate on the day (``Product.is_certified``, the same test the partner
strategy sells by). Shipping and anything uncertified (a certificate that
expired while the line sat in the basket) are paid another way.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from lovecards.models import ZERO


@dataclass(frozen=True)
class PaymentPlan:
    cards: tuple[tuple[str, Decimal], ...]  # (number, amount), in the order given
    eligible: Decimal
    rest: Decimal  # what another payment (Stripe) must cover

    @property
    def card_total(self) -> Decimal:
        return sum((amount for _n, amount in self.cards), ZERO)


def eligible_amount(
    lines: Iterable[tuple[object, Decimal]], *, on: datetime.date | None = None
) -> Decimal:
    """``lines`` are (product, line price incl. tax and discounts) pairs."""
    on = on or timezone.localdate()
    return sum(
        (
            price
            for product, price in lines
            if product is not None and product.is_certified(on)
        ),
        ZERO,
    )


def basket_eligible_amount(basket) -> Decimal:
    return eligible_amount(
        (line.product, line.line_price_incl_tax_incl_discounts)
        for line in basket.all_lines()
    )


def plan_payment(
    *, balances: Sequence[tuple[str, Decimal]], eligible: Decimal, total: Decimal
) -> PaymentPlan:
    """Cards in the order given, each up to its balance, together up to the
    eligible amount (never above the order total); the rest for Stripe. A card
    with nothing left to pay is left out."""
    room = min(eligible, total)
    parts = []
    for number, balance in balances:
        amount = min(balance, room)
        if amount > ZERO:
            parts.append((number, amount))
            room -= amount
    paid = sum((amount for _n, amount in parts), ZERO)
    return PaymentPlan(cards=tuple(parts), eligible=eligible, rest=total - paid)
