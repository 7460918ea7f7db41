"""Households reached and orders, counted per calendar period and key.

A member (a household or an order of a calendar period) counts in a key — a
channel, a channel kind, a canteen, a cooperative, a product, a category, a
village, a town, a county, or the total — when its net yuan within that key is
above zero. ``ledger.summaries.add`` knows each member's maps before and after the
entries it adds; it compares the keys each reaches (``member_reached``) and
``apply_moves`` moves the count rows whose membership changed by +1 / -1 in
``MemberCount``, locked in key order after the members. Derived keys come from
look-ups read once per call: a channel's kind and canteens, a product's categories
and those above, a village's town and county. ``rebuild`` recomputes the counts
(and the maps they read that the period members did not keep before: orders'
villages, households' orders) from the entries, streamed member by member;
``verify_ledger`` checks them.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from django.apps import apps as global_apps
from django.db import connection
from django.db.models import BigIntegerField, F, Q, Sum
from django.db.models.functions import Cast, Collate, ExtractMonth, ExtractYear

from suppliers.dbutil import update_many

ZERO = Decimal(0)
HOUSEHOLD, ORDER = "household", "order"
TOTAL = "total"
CHUNK = 5000
FIELD = {ORDER: "villages", HOUSEHOLD: "orders"}  # kept by ``rebuild``


@dataclass(frozen=True)
class Lookups:
    """Ids (as map keys: strings) to the derived keys they count in."""

    kinds: dict[str, list[str]]
    canteens: dict[str, list[str]]
    categories: dict[str, list[str]]
    towns: dict[str, list[str]]
    counties: dict[str, list[str]]


def load_lookups(models=None) -> Lookups:
    models = models or global_apps
    Channel = models.get_model("channels", "Channel")
    Organisation = models.get_model("canteens", "Organisation")
    Category = models.get_model("catalogue", "Category")
    ProductCategory = models.get_model("catalogue", "ProductCategory")
    Village = models.get_model("suppliers", "Village")
    canteens = defaultdict(list)
    for pk, channel in Organisation.objects.exclude(channel=None).values_list(
        "pk", "channel_id"
    ):
        canteens[str(channel)].append(str(pk))
    # A product counts in its categories and every category above them.
    by_path = dict(Category.objects.values_list("path", "pk"))
    step = getattr(Category, "steplen", 4)  # historical models lack it
    categories = defaultdict(set)
    for product, path in ProductCategory.objects.values_list(
        "product_id", "category__path"
    ):
        for end in range(step, len(path) + 1, step):
            categories[str(product)].add(str(by_path[path[:end]]))
    towns, counties = {}, {}
    for pk, town, county in Village.objects.values_list(
        "pk", "town_id", "town__county_id"
    ):
        towns[str(pk)] = [str(town)]
        counties[str(pk)] = [str(county)]
    return Lookups(
        kinds={str(pk): [k] for pk, k in Channel.objects.values_list("pk", "kind")},
        canteens=dict(canteens),
        categories={p: sorted(c) for p, c in categories.items()},
        towns=towns,
        counties=counties,
    )


# Derived dimensions: the map they fold and the look-up they fold it by.
DERIVED = {
    "channel-kind": ("channels", "kinds"),
    "canteen": ("channels", "canteens"),
    "category": ("products", "categories"),
    "town": ("villages", "towns"),
    "county": ("villages", "counties"),
}


def record_basis(sources: dict[str, set[str]], lookups: Lookups, *, models=None):
    """Remember what each source (by map: "channels", "products", "villages")
    counts as, the first time counts use it; later look-ups never overwrite it."""
    models = models or global_apps
    Basis = models.get_model("ledger", "CountBasis")
    rows = [
        Basis(dimension=dimension, source=source, keys=_keys(lookups, look, source))
        for dimension, (map_name, look) in DERIVED.items()
        for source in sorted(sources.get(map_name, ()))
    ]
    Basis.objects.bulk_create(rows, ignore_conflicts=True, batch_size=CHUNK)


def _keys(lookups: Lookups, look: str, source: str) -> list[str]:
    return sorted(getattr(lookups, look).get(source, ()))


def basis_holds(dimension: str, lookups: Lookups) -> bool:
    """Whether the counts of a dimension were built with today's look-ups."""
    if dimension not in DERIVED:
        return True
    CountBasis = global_apps.get_model("ledger", "CountBasis")
    look = DERIVED[dimension][1]
    return all(
        keys == _keys(lookups, look, source)
        for source, keys in CountBasis.objects.filter(dimension=dimension).values_list(
            "source", "keys"
        )
    )


def member_sources(row) -> dict[str, set[str]]:
    """The channels, products and villages a member row's maps name."""
    villages = set(row.villages)
    if row.village_id is not None:
        villages.add(str(row.village_id))
    return {
        "channels": set(row.channels),
        "products": set(row.products),
        "villages": villages,
    }


def _fold(net: dict, groups: dict) -> dict:
    folded = defaultdict(lambda: ZERO)
    for key, value in net.items():
        for group in groups.get(key, ()):
            folded[group] += Decimal(value)
    return folded


def reached(
    *,
    yuan,
    village,
    channels: dict,
    cooperatives: dict,
    products: dict,
    villages: dict,
    lookups: Lookups,
) -> set[tuple[str, str]]:
    """The (dimension, key) pairs in which a member's net yuan is above zero.
    Its villages: ``village`` (a household's own) or else the ``villages`` map."""
    if village is not None:  # a household lives in one village
        villages = {str(village): yuan}
    nets = {
        TOTAL: {"": yuan},
        "channel": channels,
        "channel-kind": _fold(channels, lookups.kinds),
        "canteen": _fold(channels, lookups.canteens),
        "cooperative": cooperatives,
        "product": products,
        "category": _fold(products, lookups.categories),
        "village": villages,
        "town": _fold(villages, lookups.towns),
        "county": _fold(villages, lookups.counties),
    }
    return {
        (dimension, key)
        for dimension, net in nets.items()
        for key, value in net.items()
        if Decimal(value) > 0
    }


def member_reached(row, lookups: Lookups) -> set[tuple[str, str]]:
    """``reached`` of a ``PeriodMember`` row."""
    return reached(
        yuan=row.yuan,
        village=row.village_id,
        channels=row.channels,
        cooperatives=row.cooperatives,
        products=row.products,
        villages=row.villages,
        lookups=lookups,
    )


def apply_moves(moves: Counter, *, models=None) -> None:
    """Move the count rows by ``moves`` ((kind, period, dimension, key) → ±n):
    missing rows created, then all locked in primary-key order and updated."""
    models = models or global_apps
    Count = models.get_model("ledger", "MemberCount")
    moves = {key: n for key, n in moves.items() if n}
    if not moves:
        return
    fields = ("kind", "period", "dimension", "key")
    Count.objects.bulk_create(
        # In key order: two writers creating the same rows never wait crosswise.
        [Count(**dict(zip(fields, key, strict=True))) for key in sorted(moves)],
        ignore_conflicts=True,
    )
    condition = Q()
    by_period = defaultdict(set)
    for kind, period, _dimension, key in moves:
        by_period[kind, period].add(key)
    for (kind, period), keys in by_period.items():
        condition |= Q(kind=kind, period=period, key__in=keys)
    changed = []
    for row in Count.objects.select_for_update().filter(condition).order_by("pk"):
        n = moves.get((row.kind, row.period, row.dimension, row.key))
        if n:
            row.count += n
            changed.append(row)
    update_many(Count, changed, ["count"])


def household_order_moves(entries: list, *, models=None) -> Counter:
    """(household, period) → change in the household's orders: a (household,
    order) pair counts where its net yuan in the period is above zero. Its net
    after is read from the ledger (these entries included; call it with the
    household members locked), its net before is that less these entries."""
    from ledger.summaries import periods

    models = models or global_apps
    Entry = models.get_model("ledger", "LedgerEntry")
    delta = defaultdict(lambda: ZERO)
    for e in entries:
        for period in periods(e.sale_date):
            delta[e.household_id, e.order_ref, period] += e.yuan
    pairs = {(h, o) for h, o, _p in delta}
    years = {e.sale_date.year for e in entries}
    after = defaultdict(lambda: ZERO)
    rows = (
        Entry.objects.filter(
            household_id__in={h for h, _o in pairs},
            order_ref__in={o for _h, o in pairs},
            sale_date__year__in=years,
        )
        .values("household_id", "order_ref", "sale_date")
        .annotate(y=Sum("yuan"))
        .values_list("household_id", "order_ref", "sale_date", "y")
    )
    for household, order, day, yuan in rows:
        if (household, order) in pairs:
            for period in periods(day):
                after[household, order, period] += Decimal(yuan)
    moves = Counter()
    for (household, order, period), added in delta.items():
        now = after[household, order, period]
        was = now - added
        if (now > 0) != (was > 0):
            moves[str(household), period] += 1 if now > 0 else -1
    return moves


# --- recomputed from the entries: rebuild and verify ------------------------------


def member_order(kind: str, field: str):
    """Members sorted as Python sorts them: household ids as numbers, order
    references byte by byte (PostgreSQL's "C" collation; SQLite's default)."""
    if kind == HOUSEHOLD:
        return Cast(field, BigIntegerField())
    if connection.vendor == "postgresql":
        return Collate(field, "C")
    return F(field)


def _rounded(yuan) -> Decimal:
    return Decimal(yuan).quantize(Decimal("0.01"))


def order_villages(*, models=None) -> Iterator[tuple]:
    """(order, {period: {village: net yuan}}) from the entries, order by order."""
    from ledger.summaries import periods

    models = models or global_apps
    Entry = models.get_model("ledger", "LedgerEntry")
    rows = (
        Entry.objects.annotate(
            y=ExtractYear("sale_date"),
            m=ExtractMonth("sale_date"),
            o=member_order(ORDER, "order_ref"),
        )
        .values("o", "y", "m", "village_id")
        .annotate(yuan=Sum("yuan"))
        .order_by("o")
        .values_list("o", "y", "m", "village_id", "yuan")
        .iterator(chunk_size=CHUNK * 2)
    )
    for order, group in groupby(rows, key=lambda row: row[0]):
        maps = defaultdict(lambda: defaultdict(lambda: ZERO))
        for _o, year, month, village, yuan in group:
            for period in periods(datetime.date(year, month, 1)):
                maps[period][str(village)] += _rounded(yuan)
        yield (
            str(order),
            {
                p: {k: str(v) for k, v in sorted(m.items()) if v}
                for p, m in maps.items()
            },
        )


def household_orders(*, models=None) -> Iterator[tuple]:
    """(household, {period: orders whose net yuan with it is above zero}) from the
    entries, household by household."""
    from ledger.summaries import periods

    models = models or global_apps
    Entry = models.get_model("ledger", "LedgerEntry")
    rows = (
        Entry.objects.annotate(y=ExtractYear("sale_date"), m=ExtractMonth("sale_date"))
        .values("household_id", "order_ref", "y", "m")
        .annotate(yuan=Sum("yuan"))
        .order_by("household_id", "order_ref")
        .values_list("household_id", "order_ref", "y", "m", "yuan")
        .iterator(chunk_size=CHUNK * 2)
    )
    for household, group in groupby(rows, key=lambda row: row[0]):
        counts = Counter()
        for _order, pair in groupby(group, key=lambda row: row[1]):
            nets = defaultdict(lambda: ZERO)
            for _h, _o, year, month, yuan in pair:
                for period in periods(datetime.date(year, month, 1)):
                    nets[period] += _rounded(yuan)
            for period, net in nets.items():
                counts[period] += net > 0
        yield str(household), dict(counts)


def _stored(kind: str, models) -> Iterator[tuple]:
    Member = models.get_model("ledger", "PeriodMember")
    rows = (
        Member.objects.filter(kind=kind)
        .annotate(o=member_order(kind, "member"))
        .order_by("o", "period")
        .iterator(chunk_size=CHUNK * 2)
    )
    for _o, group in groupby(rows, key=lambda row: row.member):
        group = list(group)
        yield group[0].member, group


def rebuild(*, models=None, say=None) -> int:
    """Orders' village maps, households' order counts and every count row, from
    the entries and the period members (their other maps); returns the count rows
    written. For existing data (a migration, the benchmark's generated year)."""
    models = models or global_apps
    Member = models.get_model("ledger", "PeriodMember")
    Count = models.get_model("ledger", "MemberCount")
    Basis = models.get_model("ledger", "CountBasis")
    lookups = load_lookups(models)
    counts = Counter()
    sources = defaultdict(set)
    for kind, computed in (
        (ORDER, order_villages(models=models)),
        (HOUSEHOLD, household_orders(models=models)),
    ):
        pending, done = [], 0
        ahead = Ahead(computed, int if kind == HOUSEHOLD else str, {})
        for member, rows in _stored(kind, models):
            values = ahead.get(member)
            for row in rows:
                if kind == ORDER:
                    new = values.get(row.period, {})
                    if new != row.villages:
                        row.villages = new
                        pending.append(row)
                else:
                    new = values.get(row.period, 0)
                    if new != row.orders:
                        row.orders = new
                        pending.append(row)
                for dimension, key in member_reached(row, lookups):
                    counts[kind, row.period, dimension, key] += 1
                for name, ids in member_sources(row).items():
                    sources[name] |= ids
            if len(pending) >= CHUNK:
                update_many(Member, pending, [FIELD[kind]])
                done += len(pending)
                pending = []
        update_many(Member, pending, [FIELD[kind]])
        if say:
            say(f"  {kind} members updated: {done + len(pending):,}")
    Count.objects.all().delete()
    Basis.objects.all().delete()
    record_basis(sources, lookups, models=models)
    fields = ("kind", "period", "dimension", "key")
    Count.objects.bulk_create(
        [
            Count(**dict(zip(fields, key, strict=True)), count=n)
            for key, n in sorted(counts.items())
            if n
        ],
        batch_size=CHUNK,
    )
    return sum(1 for n in counts.values() if n)


class Ahead:
    """A stream of (member, value) sorted by ``sort_key``, read up to a member:
    its value there, or ``missing``."""

    def __init__(self, stream, sort_key, missing):
        self.stream, self.sort_key, self.missing = stream, sort_key, missing
        self.head = next(stream, None)

    def get(self, member):
        wanted = self.sort_key(member)
        while self.head is not None and self.sort_key(self.head[0]) < wanted:
            self.head = next(self.stream, None)
        if self.head is not None and self.sort_key(self.head[0]) == wanted:
            value, self.head = self.head[1], next(self.stream, None)
            return value
        return self.missing
