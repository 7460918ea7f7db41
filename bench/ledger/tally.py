"""The summaries of the generated entries, accumulated as they stream by, day by
day, and written when each day, month, quarter and the year is over.

The live code (``ledger.summaries``, ``ledger.services._add_to_incomes``) moves a
row per key by every entry, so each row ends as the net of its entries: that is
what is written here, rows netting to zero included (the live code creates them
and moves them back to zero), and the period members' maps without the ids whose
net is zero (``summaries._merge`` drops them). Household members of a quarter and
of the year are the sums of their months'; an order's three members are its one
counter sale's.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from ledger.models import HouseholdIncome, PeriodMember, SalesFact
from ledger.summaries import HOUSEHOLD, ORDER, periods

ZERO = Decimal(0)


def _zeros():
    return [ZERO, ZERO]


def _member():
    # kg, yuan, village, channels, cooperatives, products
    return [
        ZERO,
        ZERO,
        None,
        defaultdict(Decimal),
        defaultdict(Decimal),
        defaultdict(Decimal),
    ]


def _net(values: dict) -> dict:
    return {k: str(v) for k, v in sorted(values.items()) if v}


class Tally:
    def __init__(self, writer_table):
        self.facts = writer_table(
            SalesFact,
            (
                "id",
                "grain",
                "day",
                "channel_id",
                "cooperative_id",
                "product_id",
                "village_id",
                "kg",
                "yuan",
            ),
        )
        self.members = writer_table(
            PeriodMember,
            (
                "id",
                "kind",
                "period",
                "member",
                "village_id",
                "kg",
                "yuan",
                "channels",
                "cooperatives",
                "products",
                "villages",  # both filled in by ledger.counts.rebuild
                "orders",
            ),
        )
        self.incomes = writer_table(
            HouseholdIncome, ("id", "household_id", "year", "kg", "yuan")
        )
        self.day_facts = defaultdict(_zeros)
        self.month_facts = defaultdict(_zeros)
        self.month_members = defaultdict(_member)
        self.quarter_members = defaultdict(_member)
        self.year_members = defaultdict(_member)

    def tables(self):
        return (self.facts, self.members, self.incomes)

    def part(self, channel: int, cooperative: int, product: int, rows) -> None:
        """A sale part's entries: rows of (household, village, kg, yuan)."""
        ch, co, pr = str(channel), str(cooperative), str(product)
        day_facts, month_members = self.day_facts, self.month_members
        for household, village, kg, yuan in rows:
            fact = day_facts[(channel, cooperative, product, village)]
            fact[0] += kg
            fact[1] += yuan
            member = month_members[household]
            member[0] += kg
            member[1] += yuan
            member[2] = village
            member[3][ch] += yuan
            member[4][co] += yuan
            member[5][pr] += yuan

    def order(self, day, ref, kg, yuan, channel, cooperative, product) -> None:
        """One counter sale is one order: its members, net, in its three periods."""
        maps = [
            {str(key): str(yuan)} if yuan else {}
            for key in (channel, cooperative, product)
        ]
        for period in periods(day):
            self.members.add(
                (
                    self.members.next_id(),
                    *(ORDER, period, ref, None, kg, yuan, *maps, {}, 0),
                )
            )

    def end_day(self, day: datetime.date, *, last: bool) -> None:
        """Write the day's facts; and the month's (quarter's, year's) when over."""
        for key, (kg, yuan) in sorted(self.day_facts.items()):
            self.facts.add((self.facts.next_id(), "day", day, *key, kg, yuan))
            month = self.month_facts[key]
            month[0] += kg
            month[1] += yuan
        self.day_facts.clear()
        tomorrow = day + datetime.timedelta(days=1)
        if tomorrow.month != day.month or last:
            self._end_month(day)
        if (tomorrow.month - 1) // 3 != (day.month - 1) // 3 or last:
            self._write_members(
                self.quarter_members, periods(day)[1], self.year_members
            )
            self.quarter_members.clear()
        if tomorrow.year != day.year or last:
            self._write_members(self.year_members, periods(day)[0], None)
            for household, member in sorted(self.year_members.items()):
                self.incomes.add(
                    (self.incomes.next_id(), household, day.year, member[0], member[1])
                )
            self.year_members.clear()

    def _end_month(self, day) -> None:
        first = day.replace(day=1)
        for key, (kg, yuan) in sorted(self.month_facts.items()):
            self.facts.add((self.facts.next_id(), "month", first, *key, kg, yuan))
        self.month_facts.clear()
        self._write_members(self.month_members, periods(day)[2], self.quarter_members)
        self.month_members.clear()

    def _write_members(self, members, period: str, into) -> None:
        for household, (kg, yuan, village, *maps) in sorted(members.items()):
            self.members.add(
                (
                    self.members.next_id(),
                    HOUSEHOLD,
                    period,
                    str(household),
                    village,
                    kg,
                    yuan,
                    *(_net(m) for m in maps),
                    {},
                    0,
                )
            )
            if into is not None:
                target = into[household]
                target[0] += kg
                target[1] += yuan
                target[2] = village
                for mine, theirs in zip(maps, target[3:], strict=True):
                    for key, value in mine.items():
                        theirs[key] += value
