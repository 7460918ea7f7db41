"""Writing the ledger: a final sale, apportioned to the households that grew it."""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from ledger import summaries
from ledger.apportion import FEN, GRAM, largest_remainder
from ledger.models import HouseholdIncome, LedgerEntry
from suppliers.models import LotShare, StockLot


@dataclass(frozen=True)
class SalePart:
    """Kilograms of one lot sold, and the yuan they fetched."""

    lot_id: int
    kg: Decimal
    yuan: Decimal


@dataclass(frozen=True)
class Sale:
    """A final sale of one source record: what ``record_sales`` writes."""

    source_kind: str
    source_id: int
    order_ref: str
    sale_date: datetime.date
    channel_id: int
    parts: Sequence[SalePart]


@transaction.atomic
def record_sale(
    *,
    source_kind: str,
    source_id: int,
    order_ref: str,
    sale_date: datetime.date,
    channel_id: int,
    parts: Sequence[SalePart],
) -> list[LedgerEntry]:
    """Apportion each part to its lot's households, pro rata to their kg shares.

    The entries of a part add up to the part exactly (to the gram and the fen);
    each household's yearly summary moves in the same transaction.
    """
    return record_sales(
        sales=[Sale(source_kind, source_id, order_ref, sale_date, channel_id, parts)]
    )


@transaction.atomic
def record_sales(*, sales: Sequence[Sale]) -> list[LedgerEntry]:
    """``record_sale`` for many sales at once (a counter-sale batch has hundreds of
    rows): the same few queries however many there are, but for the bulk insert,
    which the database may take in several statements."""
    lot_ids = {part.lot_id for sale in sales for part in sale.parts}
    lots = {
        row["id"]: row
        for row in StockLot.objects.filter(pk__in=lot_ids).values(
            "id", "cooperative_id", "product_id"
        )
    }
    shares = defaultdict(list)
    for share in (
        LotShare.objects.filter(lot_id__in=lot_ids)
        .order_by("lot_id", "household_id")
        .values("lot_id", "household_id", "kg", "household__village_id")
    ):
        shares[share["lot_id"]].append(share)
    entries = []
    by_year = defaultdict(list)
    for sale in sales:
        for part in sale.parts:
            lot, lot_shares = lots[part.lot_id], shares[part.lot_id]
            weights = [share["kg"] for share in lot_shares]
            kgs = largest_remainder(part.kg, weights, GRAM)
            yuans = largest_remainder(part.yuan, weights, FEN)
            for share, kg, yuan in zip(lot_shares, kgs, yuans, strict=True):
                if kg or yuan:
                    entry = LedgerEntry(
                        source_kind=sale.source_kind,
                        source_id=sale.source_id,
                        order_ref=sale.order_ref,
                        sale_date=sale.sale_date,
                        channel_id=sale.channel_id,
                        household_id=share["household_id"],
                        village_id=share["household__village_id"],
                        cooperative_id=lot["cooperative_id"],
                        product_id=lot["product_id"],
                        lot_id=part.lot_id,
                        kg=kg,
                        yuan=yuan,
                    )
                    entries.append(entry)
                    by_year[sale.sale_date.year].append(entry)
    LedgerEntry.objects.bulk_create(entries)
    for year in sorted(by_year):
        _add_to_incomes(by_year[year], year=year)
    summaries.add(entries)
    return entries


def _add_to_incomes(entries: Sequence[LedgerEntry], *, year: int) -> None:
    """Move the yearly summaries, locking them in household order."""
    totals: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for entry in entries:
        totals[entry.household_id][0] += entry.kg
        totals[entry.household_id][1] += entry.yuan
    if not totals:
        return
    HouseholdIncome.objects.bulk_create(
        [HouseholdIncome(household_id=h, year=year) for h in totals],
        ignore_conflicts=True,
    )
    rows = list(
        HouseholdIncome.objects.select_for_update()
        .filter(household_id__in=totals, year=year)
        .order_by("household_id")
    )
    for row in rows:
        kg, yuan = totals[row.household_id]
        row.kg += kg
        row.yuan += yuan
    HouseholdIncome.objects.bulk_update(rows, ["kg", "yuan"])


@transaction.atomic
def reverse_source(*, source_kind: str, source_id: int) -> list[LedgerEntry]:
    """Cancel a source's entries with reversing entries (never an update or a
    delete): each gets its mirror image, linked to it, on the same sale date (so the
    day's, the year's and each report's figures net to zero; when it was reversed
    is the mirror's ``created_at``). Entries already reversed are left alone, so
    calling it twice reverses once."""
    entries = list(
        LedgerEntry.objects.select_for_update(of=("self",))
        .filter(
            source_kind=source_kind,
            source_id=source_id,
            reverses__isnull=True,
            reversed_by__isnull=True,
        )
        .order_by("pk")
    )
    mirrors = LedgerEntry.objects.bulk_create(
        LedgerEntry(
            source_kind=entry.source_kind,
            source_id=entry.source_id,
            order_ref=entry.order_ref,
            sale_date=entry.sale_date,
            channel_id=entry.channel_id,
            reverses=entry,
            household_id=entry.household_id,
            village_id=entry.village_id,
            cooperative_id=entry.cooperative_id,
            product_id=entry.product_id,
            lot_id=entry.lot_id,
            kg=-entry.kg,
            yuan=-entry.yuan,
        )
        for entry in entries
    )
    by_year = defaultdict(list)
    for mirror in mirrors:
        by_year[mirror.sale_date.year].append(mirror)
    for year, year_mirrors in sorted(by_year.items()):
        _add_to_incomes(year_mirrors, year=year)
    summaries.add(mirrors)
    return mirrors
