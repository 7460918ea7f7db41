"""The demo's sales history: the first half of 2020 through the direct-supply
channels, built sale by sale so the ledger reads the field report's headline.

The report: 77 channels sold 770 t of poverty-area produce offline for 4.76 M yuan
in H1 2020. Nothing here writes those totals; it makes the sales that add up to
them, through the real services, and the reports read them from the ledger:
- lots of the demo cooperatives' produce, one a week (one every two or four weeks
  for produce that keeps), received with their member households' shares
  (``stock.receive_lot``) and sent out to the channels at once
  (``stock.supply_channel``): they were sold in 2020, none is in today's stock;
- each channel's weekly sales of each product it sells (a weekly total, dated on
  the channel's last trading day of the week), recorded with
  ``record_counter_sales``: attributed first in, first out to the lots harvested by
  the sale date, and apportioned to the households.

One counter-sale batch per week ("DEMO-2020-W03": every channel's returns for the
week, as the brand's office would upload them), recorded week by week. First in,
first out gives a sale the oldest kilograms no sale has accounted for yet,
whichever channel sold them; batches of one channel for a month, recorded one
channel after another, would let a channel's late sales take the early lots that
the next channel's earlier sales need. Each lot is exactly what the channels sold
of its product in its weeks, so every lot ends fully sold.

The draw (``random.Random(SEED)``; channels by name, since the demo canteens' codes
are random; households by archive number) gives the shape: which channel sells
what, how much each week, the seasons, the prices. Its kilograms and then its yuan
are apportioned exactly (largest remainder) over its rows, so the rows add up to
770,000.000 kg and 4,760,000.00 yuan, each keeping its share of the draw. All in
one transaction, skipped when the history's batches exist.
"""

import datetime
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from channels.models import Channel
from ledger import demo_history_data as data
from ledger.apportion import FEN, GRAM, largest_remainder
from ledger.counter_sales import CounterSaleInput, record_counter_sales
from ledger.models import CounterSaleBatch, LedgerEntry
from suppliers import stock
from suppliers.demo import PRODUCTS, DemoDataNotAllowed
from suppliers.demo_data.cooperatives import COOPERATIVES
from suppliers.models import Cooperative, Membership, StockLot

SEED = 2020
PREFIX = "DEMO-2020-"
START, END = data.START, data.END
MIN_ROW_KG = 0.5
MAX_SHARES = 12
CANTEEN_WEEKDAY = 4  # canteens settle the week on Friday; shops count to Sunday


@dataclass(frozen=True)
class ChannelInfo:
    code: str
    name: str
    kind: str
    operator: str
    opened_on: datetime.date
    closed_on: datetime.date | None


@dataclass(frozen=True)
class Week:
    number: int  # ISO week of 2020
    start: datetime.date  # Monday, or 1 January
    end: datetime.date  # Sunday, or 30 June


@dataclass(frozen=True)
class SaleRow:
    week: int
    channel: str
    sale_date: datetime.date
    upc: str
    kg: Decimal
    yuan: Decimal


@dataclass(frozen=True)
class LotPlan:
    week: int
    upc: str
    code: str
    harvest_date: datetime.date
    kg: Decimal
    shares: tuple[tuple[int, Decimal], ...]  # (household id, kg)


@dataclass(frozen=True)
class Member:
    household_id: int
    village: str
    joined_on: datetime.date


@dataclass(frozen=True)
class HistorySummary:
    created_batches: int
    created_sales: int
    created_lots: int
    kg: Decimal  # the ledger's net kg and yuan sold in H1 2020
    yuan: Decimal
    channels: int  # channels with sales in H1 2020
    silent: tuple[str, ...]  # codes of channels without


# --- the plan: pure, the same for the same channels and households -----------------


def weeks() -> list[Week]:
    """The weeks of H1 2020, Monday to Sunday, the first and last cut short."""
    result, day = [], START
    while day <= END:
        end = min(day + datetime.timedelta(days=6 - day.weekday()), END)
        result.append(Week(day.isocalendar().week, day, end))
        day = end + datetime.timedelta(days=1)
    return result


def _profile(channel: ChannelInfo) -> data.Profile:
    if channel.code in data.BY_CODE:
        return data.BY_CODE[channel.code]
    if channel.operator in data.BY_OPERATOR:
        return data.BY_OPERATOR[channel.operator]
    profile = data.DEFAULT_PROFILES.get(channel.kind, data.DEFAULT_PROFILES["other"])
    if channel.kind == "canteen":
        if any(word in channel.name for word in data.SCHOOL_WORDS):
            return profile._replace(demand="school")
        if any(word in channel.name for word in data.STEADY_WORDS):
            return profile._replace(demand="steady")
    return profile


def _demand(key: str, day: datetime.date) -> float:
    factor = 0.0
    for since, value in data.DEMAND[key]:
        if since <= day:
            factor = value
    return factor


def _pick(rng: random.Random, pool, k: int) -> list[tuple[str, float]]:
    """``k`` of the pool, drawn by weight without replacement."""
    left, chosen = list(pool), []
    while left and len(chosen) < k:
        i = rng.choices(range(len(left)), [w for _upc, w in left])[0]
        chosen.append(left.pop(i))
    return chosen


def _sale_day(channel: ChannelInfo, week: Week) -> tuple[datetime.date, int] | None:
    """The day a channel's weekly total is dated, and how many days it covers."""
    last_day = CANTEEN_WEEKDAY if channel.kind == "canteen" else 6
    last = week.start + datetime.timedelta(days=last_day - week.start.weekday())
    last = min(last, week.end, channel.closed_on or END)
    first = max(week.start, channel.opened_on)
    if last < first:
        return None
    return last, (last - first).days + 1


@dataclass(frozen=True)
class Habit:
    """What a channel sells: its profile, its size against the profile's usual
    week, and per product its relative weight and its price against the
    profile's."""

    profile: data.Profile
    size: float
    products: tuple[tuple[str, float, float], ...]  # (UPC, weight, price factor)


def _habit(rng: random.Random, channel: ChannelInfo, prices) -> Habit:
    profile = _profile(channel)
    core = [(upc, w) for upc, w in profile.core if upc in prices]
    pool = [
        (upc, w) for upc, w in profile.pool if upc in prices and upc not in dict(core)
    ]
    chosen = core + _pick(rng, pool, rng.randint(*profile.extra))
    return Habit(
        profile,
        rng.uniform(0.6, 1.5),
        tuple(
            (upc, w * rng.uniform(0.6, 1.4), rng.uniform(0.95, 1.05))
            for upc, w in chosen
        ),
    )


def plan_sales(
    rng: random.Random, channels: Sequence[ChannelInfo], prices: dict[str, float]
) -> list[SaleRow]:
    """Each channel's weekly kg and yuan per product, scaled exactly to the totals.

    ``prices``: the catalogue's yuan per kg of the products that may be sold.
    """
    ordered = sorted(channels, key=lambda c: (c.name, c.code))
    habits = {channel.code: _habit(rng, channel, prices) for channel in ordered}
    drawn = []  # (week, channel, day, upc, kg, yuan per kg)
    for week in weeks():
        for channel in ordered:
            dated = _sale_day(channel, week)
            if dated is None:
                continue
            day, days = dated
            habit = habits[channel.code]
            busy = sum(
                _demand(habit.profile.demand, day - datetime.timedelta(days=n))
                for n in range(days)
            )
            full_week = CANTEEN_WEEKDAY + 1 if channel.kind == "canteen" else 7
            kg = habit.profile.kg_per_week * habit.size * busy / full_week
            selling = [
                (upc, w, factor)
                for upc, w, factor in habit.products
                if day.month in data.SEASONS.get(upc, range(1, 7))
            ]
            weight = sum(w for _upc, w, _factor in selling)
            for upc, w, factor in selling:
                row_kg = kg * w / weight * rng.uniform(0.85, 1.15)
                if row_kg < MIN_ROW_KG:
                    continue
                price = prices[upc] * habit.profile.price * factor
                price *= rng.uniform(0.98, 1.02)
                drawn.append((week.number, channel.code, day, upc, row_kg, price))
    return _scaled(drawn)


def _scaled(drawn) -> list[SaleRow]:
    """The drawn rows' kg, then their yuan, apportioned exactly to the totals."""
    kgs = largest_remainder(
        Decimal(data.TOTAL_KG), [Decimal(f"{row[4]:.6f}") for row in drawn], GRAM
    )
    yuans = largest_remainder(
        Decimal(data.TOTAL_YUAN),
        [kg * Decimal(f"{row[5]:.6f}") for kg, row in zip(kgs, drawn, strict=True)],
        FEN,
    )
    return [
        SaleRow(week, channel, day, upc, kg, yuan)
        for (week, channel, day, upc, _kg, _price), kg, yuan in zip(
            drawn, kgs, yuans, strict=True
        )
    ]


def _split(rng: random.Random, kg: Decimal, parts: int) -> list[Decimal]:
    """Uneven shares in whole grams, summing exactly to ``kg``."""
    total = int(kg / GRAM)
    weights = [rng.uniform(0.5, 2.0) for _ in range(parts)]
    grams = [int(total * w / sum(weights)) for w in weights]
    grams[-1] += total - sum(grams)
    return [Decimal(g) * GRAM for g in grams]


def _weeks_per_lot(shelf_life_days: int) -> int:
    """Produce that keeps comes in lots of several weeks, sold before best-before."""
    return 4 if shelf_life_days >= 28 else 2 if shelf_life_days >= 14 else 1


def plan_lots(
    rng: random.Random,
    rows: Sequence[SaleRow],
    members: dict[str, list[Member]],
) -> list[LotPlan]:
    """A product's lot for each week (or run of weeks, for produce that keeps),
    harvested on its first day, of exactly the kg the channels sold of it then,
    shared among the households of the product's cooperative who were members by
    that day (its origin village first)."""
    products = {row.upc: row for row in PRODUCTS}
    calendar = weeks()
    position = {week.number: i for i, week in enumerate(calendar)}
    sold = defaultdict(Decimal)
    for row in rows:
        run = _weeks_per_lot(products[row.upc].keep[1])
        first = calendar[position[row.week] // run * run]
        sold[(first.number, row.upc)] += row.kg
    lots = []
    for (week, upc), kg in sorted(sold.items()):
        product, harvest = products[upc], calendar[position[week]].start
        pool = [m for m in members[product.cooperative] if m.joined_on <= harvest]
        local = [m for m in pool if m.village == product.origin]
        others = [m for m in pool if m.village != product.origin]
        size = min(len(pool), MAX_SHARES, 3 + int(kg // 800), max(1, int(kg * 10)))
        chosen = rng.sample(local, min(size, len(local)))
        chosen += rng.sample(others, size - len(chosen))
        lots.append(
            LotPlan(
                week=week,
                upc=upc,
                code=f"{upc}-2020W{week:02d}",
                harvest_date=harvest,
                kg=kg,
                shares=tuple(
                    zip(
                        (m.household_id for m in chosen),
                        _split(rng, kg, size),
                        strict=True,
                    )
                ),
            )
        )
    return lots


# --- writing it -----------------------------------------------------------------


def _channels() -> list[ChannelInfo]:
    return [
        ChannelInfo(*values)
        for values in Channel.objects.values_list(
            "code", "name", "kind", "operator", "opened_on", "closed_on"
        )
    ]


def _members() -> dict[str, list[Member]]:
    keys = {row.registration_code: row.key for row in COOPERATIVES}
    members = defaultdict(list)
    for code, household_id, village, joined_on in (
        Membership.objects.filter(cooperative__registration_code__in=keys)
        .order_by("household__archive_number", "cooperative_id")
        .values_list(
            "cooperative__registration_code",
            "household_id",
            "household__village__name",
            "joined_on",
        )
    ):
        members[keys[code]].append(Member(household_id, village, joined_on))
    return members


def _products() -> dict:
    Product = apps.get_model("catalogue", "Product")
    upcs = [row.upc for row in PRODUCTS]
    return {p.upc: p for p in Product.objects.filter(upc__in=upcs)}


def _prices(products: dict) -> dict[str, float]:
    """Yuan per kg of the demo products certified for sale throughout H1 2020."""
    return {
        row.upc: float(Decimal(row.pack[2]) / Decimal(row.pack[1]))
        for row in PRODUCTS
        if row.upc in products
        and products[row.upc].is_certified(START)
        and products[row.upc].is_certified(END)
    }


def _receive(lots: Sequence[LotPlan], products: dict) -> int:
    """Receive each lot not yet on file, and send it out to the channels."""
    keys = {row.key: row.registration_code for row in COOPERATIVES}
    cooperatives = {
        c.registration_code: c
        for c in Cooperative.objects.filter(registration_code__in=keys.values())
    }
    owner = {row.upc: cooperatives[keys[row.cooperative]] for row in PRODUCTS}
    existing = set(
        StockLot.objects.filter(code__in=[lot.code for lot in lots]).values_list(
            "cooperative_id", "code"
        )
    )
    created = 0
    for plan in lots:
        cooperative, product = owner[plan.upc], products[plan.upc]
        if (cooperative.pk, plan.code) in existing:
            continue
        lot = stock.receive_lot(
            cooperative=cooperative,
            product=product,
            code=plan.code,
            harvest_date=plan.harvest_date,
            best_before=plan.harvest_date
            + datetime.timedelta(days=product.shelf_life_days),
            kg=plan.kg,
            shares=[stock.ShareInput(h, kg) for h, kg in plan.shares],
        )
        stock.supply_channel(
            lot_id=lot.pk,
            kg=plan.kg,
            reason=_("supplied to direct-supply channels"),
            reference=f"{PREFIX}W{plan.week:02d}",
        )
        created += 1
    return created


def _record(rows: Sequence[SaleRow], channels: dict[str, str]) -> int:
    """One counter-sale batch per week, the weeks in order; ``channels``: code ->
    name, the order of each batch's lines."""
    batches = defaultdict(list)
    for row in rows:
        batches[row.week].append(row)
    for week, batch in sorted(batches.items()):
        batch.sort(key=lambda row: (channels[row.channel], row.channel, row.upc))
        record_counter_sales(
            rows=[
                CounterSaleInput(
                    line=line,
                    sale_date=row.sale_date,
                    channel=row.channel,
                    sku=row.upc,
                    kg=row.kg,
                    yuan=row.yuan,
                )
                for line, row in enumerate(batch, start=1)
            ],
            reference=f"{PREFIX}W{week:02d}",
        )
    return len(batches)


def _say(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(message)


def load_history(*, stdout=None) -> HistorySummary:
    """Record the H1 2020 history once (after the supply demo and the channels)."""
    if not settings.ALLOW_DEMO_DATA:
        raise DemoDataNotAllowed("Demo data is switched off here.")
    batches = sales = lots = 0
    with transaction.atomic():
        if not CounterSaleBatch.objects.filter(reference__startswith=PREFIX).exists():
            _say(stdout, "Sales history of H1 2020...")
            products = _products()
            rng = random.Random(SEED)
            channels = _channels()
            rows = plan_sales(rng, channels, _prices(products))
            plans = plan_lots(rng, rows, _members())
            lots = _receive(plans, products)
            names = {channel.code: channel.name for channel in channels}
            batches, sales = _record(rows, names), len(rows)
    return _summarise(batches=batches, sales=sales, lots=lots)


def _summarise(*, batches: int, sales: int, lots: int) -> HistorySummary:
    period = LedgerEntry.objects.filter(sale_date__range=(START, END))
    totals = period.aggregate(kg=Sum("kg"), yuan=Sum("yuan"))
    selling = set(period.order_by().values_list("channel_id", flat=True).distinct())
    silent = Channel.objects.exclude(pk__in=selling).order_by("code")
    return HistorySummary(
        created_batches=batches,
        created_sales=sales,
        created_lots=lots,
        kg=(totals["kg"] or Decimal(0)).quantize(GRAM),
        yuan=(totals["yuan"] or Decimal(0)).quantize(FEN),
        channels=len(selling),
        silent=tuple(silent.values_list("code", flat=True)),
    )
