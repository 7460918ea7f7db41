"""The love-card part of the store checkout (Oscar's hooks in ``views`` call
these).

Order of operations, so that no card is debited for an order that does not
exist and no order exists whose cards were not debited:

1. Payment step: each card's PIN is checked (``check_card``, which counts wrong
   PINs); only the verified numbers go into the checkout session.
2. Placing: the plan is recomputed from the balances now (cards, in the order
   given, up to the certified produce's amount; the rest by Stripe). The cards
   are pre-checked without a lock, then Stripe is called for the rest (outside
   any transaction, with an idempotency key), then — in one transaction — the
   cards are debited under lock (``spend``) and Oscar writes the order, its
   payment sources and events. Either all of it commits or none of it.
3. If the debit is refused at that point (another checkout drained the card
   between the pre-check and the lock), nothing of the order is written and the
   Stripe part is given back: refunded when paid, cancelled otherwise. A mixed
   payment's idempotency key counts every earlier attempt for the order, so a
   retry after such a give-back is a new PaymentIntent, never the refunded one.

When the cards cover the whole order, Stripe is not called at all: this works
with card payment switched off.
"""

import logging
from decimal import Decimal

from django.apps import apps
from django.utils.translation import gettext as _

from lovecards import paying, selectors
from lovecards.models import LoveCard
from payments import gateway, refunds, services
from payments.models import Payment, PaymentStatus

logger = logging.getLogger(__name__)
SOURCE_TYPE = "Love card"
PAID = "paid"


def session_cards(checkout_session) -> list[str]:
    return list(checkout_session._get("lovecards", "numbers") or [])


def keep_cards(checkout_session, card_numbers: list[str]) -> None:
    checkout_session._set("lovecards", "numbers", list(card_numbers))


def plan_for(card_numbers: list[str], *, eligible: Decimal, total: Decimal):
    return paying.plan_payment(
        balances=selectors.balances(card_numbers), eligible=eligible, total=total
    )


def oscar_records(plan: paying.PaymentPlan, currency: str) -> list[tuple]:
    """Oscar's payment source (debited at once) and ``paid`` event per card,
    unsaved: Oscar saves them with the order, in the debit's transaction."""
    Source = apps.get_model("payment", "Source")
    SourceType = apps.get_model("payment", "SourceType")
    source_type, _created = SourceType.objects.get_or_create(name=SOURCE_TYPE)
    records = []
    for number, amount in plan.cards:
        reference = LoveCard(number=number).masked_number
        source = Source(
            source_type=source_type,
            currency=currency,
            amount_allocated=amount,
            amount_debited=amount,
            reference=reference,
        )
        records.append((source, amount, reference))
    return records


def mixed_attempt_key(order_number: str) -> str:
    """Every earlier attempt counts (refunded ones included): see the module."""
    earlier = Payment.objects.filter(order_number=order_number).count()
    return f"checkout-lovecard-{order_number}-{earlier + 1}"


def give_back(payment: Payment) -> None:
    """The Stripe part of an order that could not be placed: refunded when paid,
    cancelled otherwise. Failures are logged for staff, never raised: the payer
    is already being told the order was not placed."""
    payment.refresh_from_db()
    try:
        if payment.status == PaymentStatus.SUCCEEDED:
            refunds.request_refund(
                payment_id=payment.pk,
                amount_yuan=payment.refundable,
                reason=_("Love card refused when the order was placed"),
                idempotency_key=f"lovecard-undo-{payment.intent_id}",
            )
        elif payment.status not in (PaymentStatus.FAILED, PaymentStatus.CANCELED):
            intent = gateway.cancel(
                payment.intent_id, idempotency_key=f"lovecard-undo-{payment.intent_id}"
            )
            services.apply_intent(intent=intent, source="love card refused")
    except Exception:
        logger.exception(
            "Order %s: could not give back card payment %s",
            payment.order_number,
            payment.pk,
        )
