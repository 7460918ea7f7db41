"""Checking the books: every ledger figure recomputed from its source records.

Each kind of source says, through ``settings.NONGJIA_LEDGER_SOURCES``, how to
recompute the (lot, kg, yuan) parts a batch of its records must put in the ledger
(the app that owns the records owns the rule; the ledger never imports it). Each
part is split over the lot's households with the same exact rule used when it was
written, and the ledger's net entries (reversals included) must match household by
household, to the gram and the fen. The yearly household summaries must equal the
entries. Sums come back to whole grams and fen (SQLite adds decimals as floats).
Sources go in chunks, so a year of ledger is checked in bounded memory.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Sum, Value
from django.db.models.functions import (
    ExtractMonth,
    ExtractQuarter,
    ExtractYear,
    TruncMonth,
)
from django.utils.module_loading import import_string

from ledger.apportion import FEN, GRAM, largest_remainder
from ledger.models import (
    CounterSale,
    HouseholdIncome,
    LedgerEntry,
    PeriodMember,
    SalesFact,
    SourceKind,
)
from suppliers.models import LotShare

CHUNK = 2000
ZERO = Decimal(0)
Parts = dict[int, list[tuple[int, Decimal, Decimal]]]


@dataclass(frozen=True)
class Difference:
    what: str
    key: tuple
    expected: tuple
    found: tuple

    def __str__(self):
        return f"{self.what} {self.key}: expected {self.expected}, found {self.found}"


def counter_sale_parts(ids) -> Parts:
    """A counter sale's lots were chosen first-in-first-out when it was recorded,
    so its split over lots is the ledger's; what must hold is the sale's total."""
    net = defaultdict(list)  # sale -> [(lot, kg, yuan)]
    for source_id, lot_id, kg, yuan in (
        LedgerEntry.objects.filter(
            source_kind=SourceKind.COUNTER_SALE, source_id__in=ids
        )
        .values("source_id", "lot_id")
        .annotate(kg=Sum("kg"), yuan=Sum("yuan"))
        .values_list("source_id", "lot_id", "kg", "yuan")
    ):
        net[source_id].append((lot_id, kg.quantize(GRAM), yuan.quantize(FEN)))
    parts: Parts = {}
    for sale in CounterSale.objects.filter(pk__in=ids).select_related("batch"):
        withdrawn = sale.batch.withdrawn_at is not None
        lots = net.get(sale.pk, [])
        if withdrawn:
            parts[sale.pk] = []
        elif (
            sum((kg for _l, kg, _y in lots), ZERO) != sale.kg
            or sum((yuan for _l, _k, yuan in lots), ZERO) != sale.yuan
        ):
            parts[sale.pk] = [(None, sale.kg, sale.yuan)]  # a total that is off
        else:
            parts[sale.pk] = lots
    return parts


def _sources() -> dict[str, Callable[[list[int]], Parts]]:
    return {
        kind: import_string(path)
        for kind, path in settings.NONGJIA_LEDGER_SOURCES.items()
    }


def _source_ids(kind: str) -> Iterator[list[int]]:
    ids = sorted(
        set(
            LedgerEntry.objects.filter(source_kind=kind).values_list(
                "source_id", flat=True
            )
        )
    )
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _expected_entries(kind: str, parts: Parts) -> dict[tuple, tuple]:
    lot_ids = {lot for rows in parts.values() for lot, _kg, _yuan in rows if lot}
    shares = defaultdict(list)
    for lot_id, household_id, kg in (
        LotShare.objects.filter(lot_id__in=lot_ids)
        .order_by("lot_id", "household_id")
        .values_list("lot_id", "household_id", "kg")
    ):
        shares[lot_id].append((household_id, kg))
    expected = {}
    for source_id, rows in parts.items():
        for lot_id, kg, yuan in rows:
            if lot_id is None:
                expected[(kind, source_id, None, None)] = (kg, yuan)
                continue
            weights = [w for _h, w in shares[lot_id]]
            kgs = largest_remainder(kg, weights, GRAM)
            yuans = largest_remainder(yuan, weights, FEN)
            for (household_id, _w), k, y in zip(
                shares[lot_id], kgs, yuans, strict=True
            ):
                if k or y:
                    expected[(kind, source_id, lot_id, household_id)] = (k, y)
    return expected


def _found_entries(kind: str, ids: list[int]) -> dict[tuple, tuple]:
    rows = (
        LedgerEntry.objects.filter(source_kind=kind, source_id__in=ids)
        .values("source_id", "lot_id", "household_id")
        .annotate(kg=Sum("kg"), yuan=Sum("yuan"))
        .values_list("source_id", "lot_id", "household_id", "kg", "yuan")
    )
    found = {
        (kind, s, lot, household): (kg.quantize(GRAM), yuan.quantize(FEN))
        for s, lot, household, kg, yuan in rows
    }
    return {key: value for key, value in found.items() if any(value)}


def _check_entries(kind: str, recompute) -> Iterator[Difference]:
    for ids in _source_ids(kind):
        expected = _expected_entries(kind, recompute(ids))
        found = _found_entries(kind, ids)
        for key in sorted(set(expected) | set(found), key=str):
            if expected.get(key, (ZERO, ZERO)) != found.get(key, (ZERO, ZERO)):
                yield Difference(
                    "entries",
                    key,
                    expected.get(key, (ZERO, ZERO)),
                    found.get(key, (ZERO, ZERO)),
                )


def _rounded(kg, yuan) -> tuple:
    """SQLite sums decimals as floats: back to grams and fen (exact elsewhere)."""
    return (Decimal(kg).quantize(GRAM), Decimal(yuan).quantize(FEN))


def _compare(what: str, expected: dict, found: dict) -> Iterator[Difference]:
    zero = (ZERO, ZERO)
    for key in sorted(set(expected) | set(found), key=str):
        if expected.get(key, zero) != found.get(key, zero):
            yield Difference(what, key, expected.get(key, zero), found.get(key, zero))


def _check_incomes() -> Iterator[Difference]:
    """Each household's yearly summary: the sum of its entries of that year."""
    by_year = LedgerEntry.objects.annotate(year=ExtractYear("sale_date"))
    from_entries = {
        (h, y): _rounded(kg, yuan)
        for h, y, kg, yuan in by_year.values("household_id", "year")
        .annotate(kg=Sum("kg"), yuan=Sum("yuan"))
        .values_list("household_id", "year", "kg", "yuan")
    }
    summaries = {
        (h, y): (kg, yuan)
        for h, y, kg, yuan in HouseholdIncome.objects.values_list(
            "household_id", "year", "kg", "yuan"
        )
    }
    yield from _compare("household income", from_entries, summaries)


def _check_facts() -> Iterator[Difference]:
    keys = ("channel_id", "cooperative_id", "product_id", "village_id")
    for grain, day in (("day", F("sale_date")), ("month", TruncMonth("sale_date"))):
        expected = {}
        for row in (
            LedgerEntry.objects.annotate(d=day)
            .values("d", *keys)
            .annotate(kg=Sum("kg"), yuan=Sum("yuan"))
            .values_list("d", *keys, "kg", "yuan")
        ):
            totals = _rounded(row[-2], row[-1])
            if any(totals):
                expected[(grain, row[0], *row[1:-2])] = totals
        found = {
            (grain, row[0], *row[1:-2]): (row[-2], row[-1])
            for row in SalesFact.objects.filter(grain=grain).values_list(
                "day", *keys, "kg", "yuan"
            )
            if row[-2] or row[-1]
        }
        yield from _compare(f"sales fact ({grain})", expected, found)


def _period(level: str, year: int, part: int | None) -> str:
    if level == "year":
        return f"{year}"
    if level == "quarter":
        return f"{year}Q{part}"
    return f"{year}-{part:02d}"


def _check_members() -> Iterator[Difference]:
    """Households and orders per calendar period, with their maps by channel,
    cooperative and product: recomputed by the database from the entries."""
    parts = {"year": None, "quarter": ExtractQuarter, "month": ExtractMonth}
    members = (("household", "household_id"), ("order", "order_ref"))
    dims = (("channels", "channel_id"), ("cooperatives", "cooperative_id"))
    dims += (("products", "product_id"),)
    for kind, member in members:
        for level, part in parts.items():
            entries = LedgerEntry.objects.annotate(
                y=ExtractYear("sale_date"), p=part("sale_date") if part else Value(0)
            )
            expected = {}
            for y, p, m, kg, yuan in (
                entries.values("y", "p", member)
                .annotate(kg=Sum("kg"), yuan=Sum("yuan"))
                .values_list("y", "p", member, "kg", "yuan")
            ):
                expected[(kind, _period(level, y, p), str(m))] = [
                    *_rounded(kg, yuan),
                    {},
                    {},
                    {},
                ]
            for index, (_name, dim) in enumerate(dims, start=2):
                for y, p, m, d, yuan in (
                    entries.values("y", "p", member, dim)
                    .annotate(yuan=Sum("yuan"))
                    .values_list("y", "p", member, dim, "yuan")
                ):
                    yuan = Decimal(yuan).quantize(FEN)
                    if yuan:
                        key = (kind, _period(level, y, p), str(m))
                        expected[key][index][str(d)] = yuan
            expected = {
                k: (*v[:2], *(tuple(sorted(x.items())) for x in v[2:]))
                for k, v in expected.items()
                if v[0] or v[1] or any(v[2:])
            }
            found = {}
            for row in PeriodMember.objects.filter(kind=kind).values_list(
                "period", "member", "kg", "yuan", *(name for name, _d in dims)
            ):
                period, m, kg, yuan, *maps = row
                if len(period) != len(_period(level, 2000, 1)):
                    continue  # another level's period
                value = (
                    kg,
                    yuan,
                    *(
                        tuple(sorted((k, Decimal(v)) for k, v in x.items()))
                        for x in maps
                    ),
                )
                if kg or yuan or any(maps):
                    found[(kind, period, m)] = value
            yield from _compare(f"{kind}s by {level}", expected, found)


def verify_ledger() -> Iterator[Difference]:
    """Every difference between the ledger and its sources (none, when all is well)."""
    known = _sources()
    kinds = set(LedgerEntry.objects.values_list("source_kind", flat=True).distinct())
    for kind in sorted(kinds - set(known)):
        yield Difference("unknown source kind", (kind,), (), ())
    for kind in sorted(kinds & set(known)):
        yield from _check_entries(kind, known[kind])
    yield from _check_incomes()
    yield from _check_facts()
    yield from _check_members()
