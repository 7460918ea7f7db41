"""Keeping the report summaries with the ledger: facts and period members.

Called with the entries just written (new sales or reversals), in their
transaction. Rows are created when missing, then locked in key order — facts
first, then members, then member counts (``ledger.counts``) — and moved by the
entries' kg and yuan, so concurrent writers never lose an update and never deadlock
on each other. ``verify_ledger`` recomputes every summary from the entries and
compares.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.apps import apps as global_apps
from django.db.models import Q

from ledger import counts as member_counts
from suppliers.dbutil import update_many

ZERO = Decimal(0)
HOUSEHOLD, ORDER = "household", "order"


def periods(day: datetime.date) -> tuple[str, str, str]:
    """The calendar year, quarter and month a day falls in, as period keys."""
    return (
        f"{day.year}",
        f"{day.year}Q{(day.month - 1) // 3 + 1}",
        f"{day.year}-{day.month:02d}",
    )


def period_bounds(key: str) -> tuple[datetime.date, datetime.date]:
    """The first day of a period key ("2020", "2020Q1", "2020-03") and the first
    day after it."""
    year = int(key[:4])
    if len(key) == 4:
        first, months = datetime.date(year, 1, 1), 12
    elif "Q" in key:
        first, months = datetime.date(year, (int(key[5]) - 1) * 3 + 1, 1), 3
    else:
        first, months = datetime.date(year, int(key[5:7]), 1), 1
    index = first.year * 12 + first.month - 1 + months
    return first, datetime.date(index // 12, index % 12 + 1, 1)


def _fact_totals(entries):
    totals = defaultdict(lambda: [ZERO, ZERO])
    for e in entries:
        for grain, day in (("day", e.sale_date), ("month", e.sale_date.replace(day=1))):
            key = (
                grain,
                day,
                e.channel_id,
                e.cooperative_id,
                e.product_id,
                e.village_id,
            )
            totals[key][0] += e.kg
            totals[key][1] += e.yuan
    return totals


def _member_totals(entries):
    totals = {}
    for e in entries:
        for kind, member, village in (
            (HOUSEHOLD, str(e.household_id), e.village_id),
            (ORDER, e.order_ref, None),
        ):
            for period in periods(e.sale_date):
                row = totals.setdefault(
                    (kind, period, member),
                    {
                        "village": village,
                        "kg": ZERO,
                        "yuan": ZERO,
                        "channels": defaultdict(lambda: ZERO),
                        "cooperatives": defaultdict(lambda: ZERO),
                        "products": defaultdict(lambda: ZERO),
                        "villages": defaultdict(lambda: ZERO),
                    },
                )
                row["kg"] += e.kg
                row["yuan"] += e.yuan
                row["channels"][str(e.channel_id)] += e.yuan
                row["cooperatives"][str(e.cooperative_id)] += e.yuan
                row["products"][str(e.product_id)] += e.yuan
                if kind == ORDER:  # a household's village is its own
                    row["villages"][str(e.village_id)] += e.yuan
    return totals


def _merge(stored: dict, added: dict) -> dict:
    """Net yuan by id; ids whose net is zero are dropped (no longer reached)."""
    merged = {k: Decimal(v) for k, v in stored.items()}
    for key, yuan in added.items():
        merged[key] = merged.get(key, ZERO) + yuan
    return {k: str(v) for k, v in sorted(merged.items()) if v}


def add(entries: Iterable, *, models=None, counts: bool = True) -> None:
    """Move the summaries by ``entries`` (just written, in this transaction).
    ``counts=False``: facts and members as before member counts existed (the
    migration that first built them)."""
    models = models or global_apps
    Fact = models.get_model("ledger", "SalesFact")
    Member = models.get_model("ledger", "PeriodMember")
    entries = list(entries)
    if not entries:
        return
    facts = _fact_totals(entries)
    fields = (
        "grain",
        "day",
        "channel_id",
        "cooperative_id",
        "product_id",
        "village_id",
    )
    Fact.objects.bulk_create(
        [Fact(**dict(zip(fields, key, strict=True))) for key in facts],
        ignore_conflicts=True,
    )
    rows = (
        Fact.objects.select_for_update()
        .filter(
            day__in={k[1] for k in facts},
            channel_id__in={k[2] for k in facts},
            cooperative_id__in={k[3] for k in facts},
            product_id__in={k[4] for k in facts},
            village_id__in={k[5] for k in facts},
        )
        .order_by("pk")
    )
    changed = []
    for row in rows:
        key = tuple(getattr(row, f) for f in fields)
        if key in facts:
            row.kg += facts[key][0]
            row.yuan += facts[key][1]
            changed.append(row)
    update_many(Fact, changed, ["kg", "yuan"])

    members = _member_totals(entries)
    Member.objects.bulk_create(
        [
            Member(kind=kind, period=period, member=member, village_id=v["village"])
            for (kind, period, member), v in members.items()
        ],
        ignore_conflicts=True,
    )
    condition = Q()
    for kind in {k[0] for k in members}:
        condition |= Q(
            kind=kind,
            period__in={k[1] for k in members if k[0] == kind},
            member__in={k[2] for k in members if k[0] == kind},
        )
    changed = []
    fields = ["kg", "yuan", "channels", "cooperatives", "products"]
    if counts:
        fields += ["villages", "orders"]
        lookups = member_counts.load_lookups(models)
        moves = Counter()
    for row in Member.objects.select_for_update().filter(condition).order_by("pk"):
        added = members.get((row.kind, row.period, row.member))
        if added is None:
            continue
        if counts:
            before = member_counts.member_reached(row, lookups)
        row.kg += added["kg"]
        row.yuan += added["yuan"]
        row.channels = _merge(row.channels, added["channels"])
        row.cooperatives = _merge(row.cooperatives, added["cooperatives"])
        row.products = _merge(row.products, added["products"])
        if counts:
            row.villages = _merge(row.villages, added["villages"])
            after = member_counts.member_reached(row, lookups)
            for dimension, key in before ^ after:
                moves[row.kind, row.period, dimension, key] += (
                    1 if (dimension, key) in after else -1
                )
        changed.append(row)
    if counts:
        # Members are locked: the ledger now holds every entry of their pairs.
        pairs = member_counts.household_order_moves(entries, models=models)
        for row in changed:
            if row.kind == HOUSEHOLD:
                row.orders += pairs.get((row.member, row.period), 0)
    update_many(Member, changed, fields)
    if counts:
        sources = defaultdict(set)
        for row in changed:
            for name, ids in member_counts.member_sources(row).items():
                sources[name] |= ids
        member_counts.record_basis(sources, lookups, models=models)
        member_counts.apply_moves(moves, models=models)
