"""Reads of love cards for the pages and the checkout."""

from decimal import Decimal

from django.db.models import QuerySet

from lovecards import numbers
from lovecards.models import CardBatch, CardTransaction, LoveCard


def batches() -> QuerySet:
    return CardBatch.objects.select_related("issued_by", "organisation").order_by(
        "-created_at", "-pk"
    )


def cards(*, batch_id: int | None = None, number: str = "", status: str = ""):
    found = LoveCard.objects.select_related("batch").order_by("number")
    if batch_id:
        found = found.filter(batch_id=batch_id)
    if number:
        found = found.filter(number__contains=numbers.normalise(number))
    if status:
        found = found.filter(status=status)
    return found


def transactions_of(*, card_id: int) -> QuerySet:
    return CardTransaction.objects.filter(card_id=card_id).select_related("actor")


def balances(card_numbers) -> list[tuple[str, Decimal]]:
    """(number, balance) in the order given; unknown numbers left out. A read
    for planning: ``services.spend`` checks again under lock."""
    by_number = dict(
        LoveCard.objects.filter(number__in=list(card_numbers)).values_list(
            "number", "balance"
        )
    )
    return [(n, by_number[n]) for n in card_numbers if n in by_number]
