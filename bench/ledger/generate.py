"""The whole generation: the world, then the year day by day, in one transaction.

Each day, every channel's rows form one counter-sale batch (as its operator would
upload them); a few batches are withdrawn (a typo found later), with reversing
entries, as ``withdraw_batch`` writes them. Rows go to ``writer`` tables; the
summaries are tallied as the entries stream by (``tally``), and the member counts
built from them at the end by the builder migration 0006 uses
(``ledger.counts.rebuild``).
"""

import datetime
import random
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from bench.ledger import sales as plan
from bench.ledger.tally import Tally
from bench.ledger.world import build_world
from bench.ledger.writer import Table, drop_secondary, restore_secondary
from ledger.models import (
    Attribution,
    CounterSale,
    CounterSaleBatch,
    LedgerEntry,
    SourceKind,
)
from suppliers.models import LotShare, MovementKind, StockLot, StockMovement

PREFIX = "BENCH-"
WITHDRAWN = 0.002  # share of batches withdrawn
GIVE_LOT = 0.4  # share of single-lot rows that name their lot
ZERO = Decimal(0)


@dataclass(frozen=True)
class Summary:
    households: int
    cooperatives: int
    channels: int
    lots: int
    batches: int
    sales: int
    entries: int
    seconds: float


def _stamp(day: datetime.date, hour: int) -> str:
    return f"{day.isoformat()} {hour:02d}:00:00+08:00"


class _Year:
    """The year's rows, written as they are made."""

    def __init__(self, rng, world, say, withdrawn: float):
        self.rng, self.world, self.say = rng, world, say
        self.withdrawn = withdrawn
        self.batches = Table(
            CounterSaleBatch,
            (
                "id",
                "reference",
                "content_hash",
                "filename",
                "uploaded_by_id",
                "created_at",
                "withdrawn_at",
                "withdrawn_reason",
            ),
        )
        self.sales = Table(
            CounterSale,
            (
                "id",
                "batch_id",
                "line",
                "sale_date",
                "channel_id",
                "product_id",
                "cooperative_id",
                "lot_id",
                "kg",
                "yuan",
                "attribution",
            ),
        )
        self.lots = Table(
            StockLot,
            (
                "id",
                "cooperative_id",
                "product_id",
                "code",
                "harvest_date",
                "best_before",
                "received_kg",
                "on_hand_kg",
                "reserved_kg",
                "created_at",
                "created_by_id",
            ),
        )
        self.shares = Table(LotShare, ("id", "lot_id", "household_id", "kg"))
        self.movements = Table(
            StockMovement,
            (
                "id",
                "lot_id",
                "kind",
                "on_hand_delta_kg",
                "reserved_delta_kg",
                "on_hand_after_kg",
                "reserved_after_kg",
                "reason",
                "reference",
                "actor_id",
                "created_at",
            ),
        )
        self.entries = Table(
            LedgerEntry,
            (
                "id",
                "source_kind",
                "source_id",
                "order_ref",
                "sale_date",
                "channel_id",
                "reverses_id",
                "household_id",
                "village_id",
                "cooperative_id",
                "product_id",
                "lot_id",
                "kg",
                "yuan",
                "created_at",
            ),
        )
        self.tally = Tally(Table)
        self.state = [plan.PairState() for _ in world.pairs]

    def tables(self):
        return (
            self.batches,
            self.sales,
            self.lots,
            self.shares,
            self.movements,
            self.entries,
            *self.tally.tables(),
        )

    def _new_lot(self, index: int, day: datetime.date) -> plan.Lot:
        pair, state = self.world.pairs[index], self.state[index]
        previous = state.current
        harvest = day - datetime.timedelta(days=self.rng.randint(0, 3))
        if previous is not None:
            harvest = max(harvest, previous.harvest_date)
        kg = plan.lot_kg(self.rng)
        state.lots += 1
        lot = plan.Lot(
            id=self.lots.next_id(),
            code=f"B{day.year}-{pair.product_id}-{state.lots:03d}",
            harvest_date=harvest,
            kg=kg,
            left=kg,
            shares=plan.lot_shares(
                self.rng, self.world.members[pair.cooperative_id], kg
            ),
        )
        created = _stamp(harvest, 8)
        self.lots.add(
            (
                lot.id,
                pair.cooperative_id,
                pair.product_id,
                lot.code,
                harvest,
                harvest + datetime.timedelta(days=pair.shelf_life_days),
                kg,
                ZERO,
                ZERO,
                created,
                None,
            )
        )
        for household, _village, share in lot.shares:
            self.shares.add((self.shares.next_id(), lot.id, household, share))
        for kind, delta, after, why in (
            (MovementKind.RECEIVED, kg, kg, "received"),
            (MovementKind.SHIPPED, -kg, ZERO, "supplied to direct-supply channels"),
        ):
            self.movements.add(
                (
                    self.movements.next_id(),
                    lot.id,
                    kind,
                    delta,
                    ZERO,
                    after,
                    ZERO,
                    why,
                    lot.code,
                    None,
                    created,
                )
            )
        state.current = lot
        return lot

    def _take(self, index: int, day, kg: Decimal) -> list[tuple[plan.Lot, Decimal]]:
        """The lots a row's kg come from, oldest first."""
        taken, need = [], kg
        while need > 0:
            lot = self.state[index].current
            if lot is None or lot.left <= 0:
                lot = self._new_lot(index, day)
            take = min(lot.left, need)
            lot.left -= take
            need -= take
            taken.append((lot, take))
        return taken

    def batch(self, day: datetime.date, channel: tuple, rows: list) -> int:
        """One channel's rows of a day; how many entries they made."""
        channel_id, code, _kind = channel
        batch_id = self.batches.next_id()
        withdrawn = self.rng.random() < self.withdrawn
        written = []
        for line, (link, kg, yuan) in enumerate(rows, start=1):
            pair = self.world.pairs[link.pair]
            taken = self._take(link.pair, day, kg)
            if len(taken) == 1 and self.rng.random() < GIVE_LOT:
                how, coop, lot_id = Attribution.LOT, None, taken[0][0].id
            else:
                how, coop, lot_id = (
                    Attribution.COOPERATIVE_FIFO,
                    pair.cooperative_id,
                    None,
                )
            sale_id = self.sales.next_id()
            self.sales.add(
                (
                    sale_id,
                    batch_id,
                    line,
                    day,
                    channel_id,
                    pair.product_id,
                    coop,
                    lot_id,
                    kg,
                    yuan,
                    how,
                )
            )
            yuans = plan.split_yuan(yuan, [k for _lot, k in taken])
            for (lot, part_kg), part_yuan in zip(taken, yuans, strict=True):
                entries = plan.apportion(lot, part_kg, part_yuan)
                ids = self._entries(sale_id, day, channel_id, pair, lot, entries)
                written.append((sale_id, channel_id, pair, lot, entries, ids))
            net = (ZERO, ZERO) if withdrawn else (kg, yuan)
            self.tally.order(
                day,
                f"C{sale_id}",
                *net,
                channel_id,
                pair.cooperative_id,
                pair.product_id,
            )
        count = sum(len(w[4]) for w in written)
        if withdrawn:
            count += self._withdraw(day, written)
        self.batches.add(
            (
                batch_id,
                f"{PREFIX}{day.isoformat()}-{code}",
                None,
                "",
                None,
                _stamp(day, 22),
                _stamp(day + datetime.timedelta(days=2), 10) if withdrawn else None,
                "typo in the operator's return" if withdrawn else "",
            )
        )
        return count

    def _entries(self, sale_id, day, channel_id, pair, lot, entries, reverses=None):
        ids, created = [], _stamp(day, 22 if reverses is None else 23)
        for i, (household, village, kg, yuan) in enumerate(entries):
            entry_id = self.entries.next_id()
            ids.append(entry_id)
            self.entries.add(
                (
                    entry_id,
                    SourceKind.COUNTER_SALE.value,
                    sale_id,
                    f"C{sale_id}",
                    day,
                    channel_id,
                    reverses[i] if reverses else None,
                    household,
                    village,
                    pair.cooperative_id,
                    pair.product_id,
                    lot.id,
                    kg,
                    yuan,
                    created,
                )
            )
        self.tally.part(channel_id, pair.cooperative_id, pair.product_id, entries)
        return ids

    def _withdraw(self, day, written) -> int:
        """Mirror every entry of the batch (``ledger.services.reverse_source``)."""
        count = 0
        for sale_id, channel_id, pair, lot, entries, ids in written:
            mirrors = [(h, v, -kg, -yuan) for h, v, kg, yuan in entries]
            self._entries(sale_id, day, channel_id, pair, lot, mirrors, reverses=ids)
            count += len(mirrors)
        return count

    def run(self, year: int, entries_wanted: int) -> tuple[int, int, int]:
        days = [
            datetime.date(year, 1, 1) + datetime.timedelta(days=n)
            for n in range(
                (datetime.date(year + 1, 1, 1) - datetime.date(year, 1, 1)).days
            )
        ]
        links = plan.links(self.rng, self.world)
        per_day = plan.rate(self.world, links, days, entries_wanted)
        by_channel = {}
        for link in links:
            by_channel.setdefault(link.channel_id, []).append(link)
        channels = [c for c in self.world.channels if c[0] in by_channel]
        prices = [p.price for p in self.world.pairs]
        entries = batches = started = 0
        started = time.monotonic()
        for day in days:
            for channel in channels:
                rows = []
                for link in by_channel[channel[0]]:
                    if not plan.trading(link.channel_kind, day):
                        continue
                    for _ in range(plan.rows_today(self.rng, per_day)):
                        rows.append(
                            (link, *plan.row_amounts(self.rng, link, prices[link.pair]))
                        )
                if rows:
                    entries += self.batch(day, channel, rows)
                    batches += 1
            self.tally.end_day(day, last=day == days[-1])
            if day.day == 1 or day == days[-1]:
                rate = entries / max(1e-9, time.monotonic() - started)
                sales = self.sales.written + len(self.sales.buffer)
                self.say(
                    f"  {day}: {entries:,} entries, {sales:,} sales, "
                    f"{batches:,} batches ({rate:,.0f} entries/s)"
                )
        for table in self.tables():
            table.flush()
        return batches, self.sales.written, entries


BIG = (LedgerEntry, CounterSale, LotShare, StockMovement)


def generate(
    *,
    entries: int,
    households: int = 54_866,
    cooperatives: int = 300,
    year: int = 2025,
    seed: int = 2025,
    fast_load: bool = False,
    withdrawn: float = WITHDRAWN,
    say=print,
) -> Summary:
    """Build the world and the year in one transaction (nothing is left of a run
    that fails). ``fast_load``: drop the big tables' indexes and foreign keys for
    the load and recreate them after (PostgreSQL)."""
    from ledger.counts import rebuild
    from ledger.models import HouseholdIncome, PeriodMember, SalesFact

    started = time.monotonic()
    rng = random.Random(seed)
    with transaction.atomic():
        say(f"World: {households:,} households, {cooperatives} cooperatives...")
        world = build_world(rng=rng, households=households, cooperatives=cooperatives)
        say(
            f"  {len(world.pairs)} cooperative products, {len(world.channels)} channels"
        )
        restore = []
        if fast_load:
            restore = drop_secondary((*BIG, SalesFact, PeriodMember, HouseholdIncome))
        say(f"Year {year}: about {entries:,} entries...")
        writer = _Year(rng, world, say, withdrawn)
        batches, sales, made = writer.run(year, entries)
        for table in writer.tables():
            table.reset_sequence()
        if restore:
            say(f"Indexes and foreign keys back ({len(restore)} statements)...")
            restore_secondary(restore, say)
        say("Member counts (ledger.counts.rebuild, as the migration builds them)...")
        rebuild(say=say)
        lots = writer.lots.written
    if connection.vendor == "postgresql" and fast_load:
        say("VACUUM ANALYZE...")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return Summary(
        households=households,
        cooperatives=len(world.members),
        channels=len(world.channels),
        lots=lots,
        batches=batches,
        sales=sales,
        entries=made,
        seconds=round(time.monotonic() - started, 1),
    )
