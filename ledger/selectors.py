"""Reads of the ledger."""

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import DecimalField, F, FilteredRelation, Q, Sum, Value
from django.db.models.functions import Coalesce

from suppliers.models import LotShare

CENT = Decimal("0.01")
WIDE = DecimalField(max_digits=30, decimal_places=6)


def mean_income_by_lot(*, lot_ids: Iterable[int], year: int) -> dict[int, Decimal]:
    """For each lot, its households' yuan earned this year, averaged with their
    kg shares as weights (one query: a join, summed in the database)."""
    rows = (
        LotShare.objects.filter(lot_id__in=set(lot_ids))
        .annotate(
            this_year=FilteredRelation(
                "household__incomes", condition=Q(household__incomes__year=year)
            )
        )
        .values("lot_id")
        .annotate(
            share_kg=Sum("kg"),
            weighted=Sum(
                F("kg") * Coalesce(F("this_year__yuan"), Value(Decimal(0))),
                output_field=WIDE,
            ),
        )
        .values_list("lot_id", "share_kg", "weighted")
    )
    return {
        lot_id: (Decimal(weighted) / kg).quantize(CENT)
        for lot_id, kg, weighted in rows
        if kg
    }
