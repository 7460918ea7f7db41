"""Reads of the ledger."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from django.db.models import (
    Count,
    DecimalField,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from ledger.apportion import FEN, GRAM
from ledger.models import CounterSale, CounterSaleBatch, LedgerEntry, SourceKind
from suppliers.models import LotShare

CENT = Decimal("0.01")
WIDE = DecimalField(max_digits=30, decimal_places=6)
KG_TOTAL = DecimalField(max_digits=20, decimal_places=3)
YUAN_TOTAL = DecimalField(max_digits=20, decimal_places=2)


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


# --- counter sales ------------------------------------------------------------------


class LotPart(NamedTuple):
    """The kilograms and yuan of a counter sale that one lot accounts for."""

    lot_id: int
    lot_code: str
    cooperative_id: int
    cooperative_name: str
    harvest_date: datetime.date
    kg: Decimal
    yuan: Decimal


def counter_sale_batches() -> QuerySet[CounterSaleBatch]:
    """Batches, newest first, with their rows, kg and yuan as reported (on SQLite
    the sums come back as floats: round them to the gram and the fen to show)."""
    # Explicit order: a model's Meta.ordering does not apply to GROUP BY queries.
    return (
        CounterSaleBatch.objects.select_related("uploaded_by")
        .annotate(
            rows=Count("sales"),
            kg=Coalesce(Sum("sales__kg"), Value(Decimal(0)), output_field=KG_TOTAL),
            yuan=Coalesce(
                Sum("sales__yuan"), Value(Decimal(0)), output_field=YUAN_TOTAL
            ),
        )
        .order_by("-created_at", "-id")
    )


def counter_sales_of_batch(*, batch_id: int) -> QuerySet[CounterSale]:
    """A batch's sales by line, with what they name."""
    return (
        CounterSale.objects.filter(batch_id=batch_id)
        .select_related("channel", "product", "cooperative__partner", "lot")
        .order_by("line", "pk")
    )


def with_lot_parts(sales: Iterable[CounterSale]) -> list[CounterSale]:
    """The sales, each with ``lot_parts``: the lots its kg were attributed to
    (oldest harvest first) and the kg and yuan of each, as first recorded (a
    withdrawal's reversing entries are not parts). One query."""
    sales = list(sales)
    parts = defaultdict(list)
    rows = (
        LedgerEntry.objects.filter(
            source_kind=SourceKind.COUNTER_SALE,
            source_id__in=[sale.pk for sale in sales],
            reverses__isnull=True,
        )
        .values(
            "source_id",
            "lot_id",
            "lot__code",
            "cooperative_id",
            "cooperative__partner__name",
            "lot__harvest_date",
        )
        .annotate(part_kg=Sum("kg"), part_yuan=Sum("yuan"))
        .order_by("source_id", "lot__harvest_date", "lot_id")
    )
    for row in rows:
        parts[row["source_id"]].append(
            LotPart(
                lot_id=row["lot_id"],
                lot_code=row["lot__code"],
                cooperative_id=row["cooperative_id"],
                cooperative_name=row["cooperative__partner__name"],
                harvest_date=row["lot__harvest_date"],
                # Exact again: SQLite sums decimals as floats.
                kg=Decimal(row["part_kg"]).quantize(GRAM),
                yuan=Decimal(row["part_yuan"]).quantize(FEN),
            )
        )
    for sale in sales:
        sale.lot_parts = parts[sale.pk]
    return sales
