"""What the channels sell, day by day: pure and seeded.

Each channel sells a fixed set of cooperatives' products (a counter some 35, a
canteen 20, the distribution centre 120…), each on most days, a row per product a
day as operators report them, of a kind-typical size. How many rows a day is set
so the year comes to about the entries wanted (a row reaches ~10 households).
Lots are harvested as the previous one of the same cooperative and product runs
out; a row that outlasts a lot takes the rest from the next (first in, first out).
"""

import datetime
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from ledger.apportion import FEN, GRAM, largest_remainder

# Pairs a channel sells, typical kg of a row, and its price against the farm price.
KINDS = {
    "counter": (35, 2.5, 1.30),
    "canteen": (20, 8.0, 1.10),
    "centre": (120, 20.0, 1.05),
    "online": (150, 3.0, 1.20),
    "live": (12, 1.5, 1.25),
    "love_card": (25, 2.0, 1.15),
    "other": (20, 3.0, 1.20),
}
SHARES = (6, 14)  # households sharing a lot
LOT_KG = (60, 240)
MIN_ROW_KG = 0.3
SPREAD = 0.6  # sigma of the rows' log-normal kg
SPILL = 1.035  # entries per row against shares per lot (rows over two lots)


@dataclass(frozen=True)
class Link:
    channel_id: int
    channel_kind: str
    pair: int  # index into World.pairs
    kg: float
    margin: float


@dataclass
class Lot:
    id: int
    code: str
    harvest_date: datetime.date
    kg: Decimal
    left: Decimal
    shares: tuple[tuple[int, int, Decimal], ...]  # (household, village, kg)


@dataclass
class PairState:
    lots: int = 0
    current: Lot | None = None
    made: list = field(default_factory=list)


def links(rng: random.Random, world) -> list[Link]:
    """Which pairs each channel sells, its usual row size and its margin."""
    result = []
    for channel_id, _code, kind in world.channels:
        count, kg, margin = KINDS.get(kind, KINDS["other"])
        chosen = rng.sample(range(len(world.pairs)), min(count, len(world.pairs)))
        for pair in sorted(chosen):
            result.append(
                Link(
                    channel_id,
                    kind,
                    pair,
                    kg * rng.uniform(0.5, 1.6),
                    margin * rng.uniform(0.95, 1.05),
                )
            )
    return result


def trading(kind: str, day: datetime.date) -> bool:
    """Canteens buy on working days; everyone else sells every day."""
    return kind != "canteen" or day.weekday() < 5


def rate(world, chosen: list[Link], days: list[datetime.date], entries: int) -> float:
    """Rows per link and trading day that make about ``entries`` entries."""
    sizes = [len(m) for m in world.members.values()]
    shares = sum(min(sum(SHARES) / 2, s) for s in sizes) / max(1, len(sizes))
    rows = entries / (shares * SPILL)
    link_days = sum(
        1 for link in chosen for day in days if trading(link.channel_kind, day)
    )
    return rows / max(1, link_days)


def rows_today(rng: random.Random, per_day: float) -> int:
    whole = math.floor(per_day)
    return whole + (1 if rng.random() < per_day - whole else 0)


def row_amounts(
    rng: random.Random, link: Link, price: float
) -> tuple[Decimal, Decimal]:
    """A row's kg (to the gram) and yuan (to the fen)."""
    mu = math.log(link.kg) - SPREAD * SPREAD / 2
    kg = max(MIN_ROW_KG, rng.lognormvariate(mu, SPREAD))
    kg = Decimal(f"{kg:.3f}")
    yuan = Decimal(f"{float(kg) * price * link.margin * rng.uniform(0.97, 1.03):.2f}")
    return kg, yuan


def lot_shares(rng: random.Random, members, kg: Decimal):
    """Households sharing a new lot, uneven whole grams summing to ``kg``, in
    household order (the order the services apportion in)."""
    count = min(len(members), rng.randint(*SHARES))
    chosen = sorted(rng.sample(members, count))
    total = int(kg / GRAM)
    weights = [rng.uniform(0.5, 2.0) for _ in chosen]
    grams = [max(1, int(total * w / sum(weights))) for w in weights]
    grams[-1] = total - sum(grams[:-1])
    return tuple(
        (household, village, Decimal(g) * GRAM)
        for (household, village), g in zip(chosen, grams, strict=True)
    )


def lot_kg(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(*LOT_KG) * 1000 + rng.randrange(1000)) * GRAM


def split_yuan(yuan: Decimal, kgs: list[Decimal]) -> list[Decimal]:
    """A row's yuan over the lots its kg came from, pro rata to the kg (as
    ``ledger.counter_sales._parts``)."""
    if len(kgs) == 1:
        return [yuan]
    return largest_remainder(yuan, kgs, FEN)


def apportion(lot: Lot, kg: Decimal, yuan: Decimal):
    """A part's entries, as ``ledger.services.record_sales`` writes them:
    (household, village, kg, yuan), the ones with neither kg nor yuan left out."""
    weights = [share[2] for share in lot.shares]
    kgs = largest_remainder(kg, weights, GRAM)
    yuans = largest_remainder(yuan, weights, FEN)
    return [
        (household, village, k, y)
        for (household, village, _w), k, y in zip(lot.shares, kgs, yuans, strict=True)
        if k or y
    ]
