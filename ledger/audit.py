"""Checking the books: every ledger figure recomputed from its source records.

Each kind of source says, through ``settings.NONGJIA_LEDGER_SOURCES``, how to
recompute the (lot, kg, yuan) parts a batch of its records must put in the ledger
(the app that owns the records owns the rule; the ledger never imports it). Each
part is split over the lot's households with the same exact rule used when it was
written, and the ledger's net entries (reversals included) must match household by
household, to the gram and the fen. The yearly household summaries must equal the
entries. Sums come back to whole grams and fen (SQLite adds decimals as floats).
Sources go in chunks, and facts and period members are streamed in key order beside
the entries, so a year of ~10 million entries is checked in bounded memory; the
member counts are tallied from the recomputed members as they stream by.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from django.conf import settings
from django.db.models import F, Sum
from django.db.models.functions import (
    ExtractMonth,
    ExtractYear,
    TruncMonth,
)
from django.utils.module_loading import import_string

from ledger.apportion import FEN, GRAM, largest_remainder
from ledger.counts import Ahead, household_orders, load_lookups, member_order, reached
from ledger.models import (
    CounterSale,
    HouseholdIncome,
    LedgerEntry,
    MemberCount,
    PeriodMember,
    SalesFact,
    SourceKind,
)
from ledger.summaries import HOUSEHOLD, ORDER, periods
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
    """The kind's source ids in chunks, distinct and sorted by the database (a
    year is ~10 M entries but ~1 M sources)."""
    ids = (
        LedgerEntry.objects.filter(source_kind=kind)
        .order_by("source_id")
        .values_list("source_id", flat=True)
        .distinct()
    )
    chunk = []
    for source_id in ids.iterator(chunk_size=CHUNK * 5):
        chunk.append(source_id)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


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


def _merged(expected: Iterator, found: Iterator) -> Iterator[tuple]:
    """Two streams of (key, value), both sorted by key, as (key, expected, found)."""
    missing = object()
    exp, fnd = next(expected, missing), next(found, missing)
    while exp is not missing or fnd is not missing:
        if fnd is missing or (exp is not missing and exp[0] < fnd[0]):
            yield exp[0], exp[1], None
            exp = next(expected, missing)
        elif exp is missing or fnd[0] < exp[0]:
            yield fnd[0], None, fnd[1]
            fnd = next(found, missing)
        else:
            yield exp[0], exp[1], fnd[1]
            exp, fnd = next(expected, missing), next(found, missing)


def _check_facts() -> Iterator[Difference]:
    """Facts against the entries, both streamed in key order (a year has millions
    of daily facts: never all in memory)."""
    keys = ("channel_id", "cooperative_id", "product_id", "village_id")
    zero = (ZERO, ZERO)
    for grain, day in (("day", F("sale_date")), ("month", TruncMonth("sale_date"))):
        expected = (
            ((grain, _day(row[0]), *row[1:-2]), _rounded(row[-2], row[-1]))
            for row in LedgerEntry.objects.annotate(d=day)
            .values("d", *keys)
            .annotate(kg=Sum("kg"), yuan=Sum("yuan"))
            .order_by("d", *keys)
            .values_list("d", *keys, "kg", "yuan")
            .iterator(chunk_size=CHUNK * 5)
        )
        found = (
            ((grain, row[0], *row[1:-2]), (row[-2], row[-1]))
            for row in SalesFact.objects.filter(grain=grain)
            .order_by("day", *keys)
            .values_list("day", *keys, "kg", "yuan")
            .iterator(chunk_size=CHUNK * 5)
        )
        for key, exp, fnd in _merged(expected, found):
            exp, fnd = exp or zero, fnd or zero
            if exp != fnd:
                yield Difference(f"sales fact ({grain})", key, exp, fnd)


def _day(value):
    """TruncMonth gives a datetime on some databases: the date."""
    return value.date() if hasattr(value, "date") and callable(value.date) else value


DIMS = ("channels", "cooperatives", "products", "villages")
LEVELS = {4: "year", 6: "quarter", 7: "month"}  # by the period key's length


def _expected_members(kind: str, field: str) -> Iterator[tuple]:
    """(member, {(kind, period, member): value}) from the entries, member by
    member: each member's rows by month, channel, cooperative, product and village,
    summed up to its months, quarters and years; households' orders beside."""
    rows = (
        LedgerEntry.objects.annotate(
            y=ExtractYear("sale_date"),
            m=ExtractMonth("sale_date"),
            o=member_order(kind, field),
        )
        .values(
            "o", "y", "m", "channel_id", "cooperative_id", "product_id", "village_id"
        )
        .annotate(kg=Sum("kg"), yuan=Sum("yuan"))
        .order_by("o", "y", "m")
        .values_list(
            "o",
            "y",
            "m",
            "channel_id",
            "cooperative_id",
            "product_id",
            "village_id",
            "kg",
            "yuan",
        )
        .iterator(chunk_size=CHUNK * 5)
    )
    orders = Ahead(household_orders(), int, {}) if kind == HOUSEHOLD else None
    for member, group in groupby(rows, key=lambda row: row[0]):
        totals = {}
        for _m, year, month, *ids, kg, yuan in group:
            kg, yuan = _rounded(kg, yuan)
            for period in periods(datetime.date(year, month, 1)):
                total = totals.setdefault(
                    (kind, period, str(member)),
                    [ZERO, ZERO, *(defaultdict(Decimal) for _ in DIMS)],
                )
                total[0] += kg
                total[1] += yuan
                for index, key in enumerate(ids, start=2):
                    total[index][str(key)] += yuan
        by_period = orders.get(str(member)) if orders else {}
        values = {}
        for key, (kg, yuan, *maps) in totals.items():
            maps = [tuple(sorted((k, v) for k, v in m.items() if v)) for m in maps]
            if kg or yuan or any(maps):
                values[key] = (kg, yuan, *maps, by_period.get(key[1], 0))
        yield member, values


def _found_members(kind: str) -> Iterator[tuple]:
    rows = (
        PeriodMember.objects.filter(kind=kind)
        .annotate(o=member_order(kind, "member"))
        .order_by("o", "period")
        .values_list(
            "o", "period", "member", "village_id", "kg", "yuan", *DIMS, "orders"
        )
        .iterator(chunk_size=CHUNK * 5)
    )
    for member, group in groupby(rows, key=lambda row: row[0]):
        values = {}
        for _o, period, m, village, kg, yuan, *maps, orders in group:
            if kind == HOUSEHOLD:  # its village is its own: the map of its entries
                maps[-1] = {str(village): yuan} if yuan else {}
            if kg or yuan or any(maps) or orders:
                values[(kind, period, m)] = (
                    kg,
                    yuan,
                    *(
                        tuple(sorted((k, Decimal(v)) for k, v in x.items()))
                        for x in maps
                    ),
                    orders,
                )
        yield member, values


def _reached(value: tuple, lookups) -> set:
    """The (dimension, key) pairs an expected member counts in."""
    _kg, yuan, channels, cooperatives, products, villages, _orders = value
    return reached(
        yuan=yuan,
        village=None,
        channels=dict(channels),
        cooperatives=dict(cooperatives),
        products=dict(products),
        villages=dict(villages),
        lookups=lookups,
    )


def _check_members() -> Iterator[Difference]:
    """Households and orders per calendar period, with their maps by channel,
    cooperative, product and village (orders) and their orders (households):
    recomputed by the database from the entries, streamed member by member beside
    the summaries (a year has ~1 M orders); then the member counts, tallied from
    the recomputed members as they stream by (a few thousand keys)."""
    lookups = load_lookups()
    expected_counts = Counter()
    for kind, field in ((HOUSEHOLD, "household_id"), (ORDER, "order_ref")):
        pairs = _merged(_expected_members(kind, field), _found_members(kind))
        for _member, expected, found in pairs:
            expected, found = expected or {}, found or {}
            for key in sorted(set(expected) | set(found)):
                zero = (ZERO, ZERO, (), (), (), (), 0)
                exp, fnd = expected.get(key, zero), found.get(key, zero)
                if exp != fnd:
                    level = LEVELS[len(key[1])]
                    yield Difference(f"{kind}s by {level}", key, exp, fnd)
                if key in expected:
                    for dimension, k in _reached(exp, lookups):
                        expected_counts[kind, key[1], dimension, k] += 1
    found_counts = {
        (kind, period, dimension, key): count
        for kind, period, dimension, key, count in MemberCount.objects.values_list(
            "kind", "period", "dimension", "key", "count"
        )
    }
    for key in sorted(set(expected_counts) | set(found_counts)):
        exp, fnd = expected_counts.get(key, 0), found_counts.get(key, 0)
        if exp != fnd:
            yield Difference("member count", key, (exp,), (fnd,))


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
