"""Officials' reports agree with the ledger itself, whichever way they are
computed: summed from the summaries, or counted from the entries."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest

from channels.models import Channel
from channels.services import open_channel
from ledger.counter_sales import CounterSaleInput, record_counter_sales, withdraw_batch
from ledger.models import LedgerEntry
from reports.query import build_query
from reports.selectors import sales_report
from tests.factories import (
    ProductFactory,
    VillageFactory,
    make_cooperative,
    make_household,
    make_lot,
)

D = Decimal
GEO = {
    "village": lambda e: e.village_id,
    "town": lambda e: e.village.town_id,
    "county": lambda e: e.village.town.county_id,
}
KEY = {
    "channel": lambda e: e.channel_id,
    "channel-kind": lambda e: e.channel.kind,
    "cooperative": lambda e: e.cooperative_id,
    "household": lambda e: e.household_id,
    "product": lambda e: e.product_id,
    **GEO,
}


@pytest.fixture
def sales(db):
    """Two counters and a live shop, three cooperatives in two villages, three
    products, sales across three months of 2021 — one batch withdrawn."""
    day = datetime.date(2020, 10, 1)
    channels = [
        open_channel(code=c, name=c, kind=k, opened_on=day)
        for c, k in (("gb-1", "counter"), ("gb-2", "counter"), ("ks-1", "live"))
    ]
    villages = [VillageFactory(), VillageFactory()]
    cooperatives = [
        make_cooperative(village=villages[0]),
        make_cooperative(village=villages[0]),
        make_cooperative(village=villages[1]),
    ]
    products = [ProductFactory(net_weight_kg=D("1")) for _ in range(3)]
    for index, cooperative in enumerate(cooperatives):
        households = [make_household(cooperative=cooperative) for _ in range(3)]
        for product in products[: index + 1]:
            make_lot(
                cooperative=cooperative,
                product=product,
                kg="900",
                households=households,
                harvest_date=day,
                best_before=day + datetime.timedelta(days=400),
            )
    rows, line = [], 1
    for month in (1, 2, 3):
        for c_index, channel in enumerate(channels):
            for p_index, product in enumerate(products):
                line += 1
                rows.append(
                    CounterSaleInput(
                        line=line,
                        sale_date=datetime.date(2021, month, 5 + 9 * p_index),
                        channel=channel.code,
                        sku=product.upc,
                        kg=D(10 + month + c_index + p_index) + D("0.125"),
                        yuan=D(63 + 7 * month + c_index) + D("0.37"),
                    )
                )
    record_counter_sales(rows=rows[:20], reference="A")
    record_counter_sales(rows=rows[20:], reference="B")
    wrong = record_counter_sales(
        rows=[
            CounterSaleInput(
                line=2,
                sale_date=datetime.date(2021, 2, 20),
                channel="ks-1",
                sku=products[2].upc,
                kg=D("5"),
                yuan=D("30"),
            )
        ],
        reference="C",
    )
    withdraw_batch(batch_id=wrong.pk, reason="typo")


def brute_force(start, end, grouping=None, filters=None, interval="month"):
    """The report computed from the entries one by one, in Python."""
    entries = LedgerEntry.objects.select_related("village__town", "channel").filter(
        sale_date__range=(start, end)
    )
    filters = filters or {}
    rows = defaultdict(
        lambda: {"kg": 0, "yuan": 0, "h": defaultdict(D), "o": defaultdict(D)}
    )
    total = {"kg": 0, "yuan": 0, "h": defaultdict(D), "o": defaultdict(D)}
    for e in entries:
        if any(KEY[name](e) != value for name, value in filters.items()):
            continue
        targets = [total]
        if grouping == "period":
            day = e.sale_date
            key = {"month": day.replace(day=1), "year": day.replace(month=1, day=1)}[
                interval
            ]
            targets.append(rows[key])
        elif grouping:
            targets.append(rows[KEY[grouping](e)])
        for t in targets:
            t["kg"] += e.kg
            t["yuan"] += e.yuan
            t["h"][e.household_id] += e.yuan
            t["o"][e.order_ref] += e.yuan

    def shape(t):
        return (
            D(t["kg"]).quantize(D("0.001")),
            D(t["yuan"]).quantize(D("0.01")),
            sum(1 for y in t["o"].values() if y > 0),
            sum(1 for y in t["h"].values() if y > 0),
        )

    return {k: shape(v) for k, v in rows.items() if any(shape(v))}, shape(total)


def computed(report):
    rows = {
        r.key: (r.kg, r.yuan, r.orders, r.households)
        for r in report.rows
        if r.kg or r.yuan or r.orders or r.households
    }
    t = report.totals
    return rows, (t.kg, t.yuan, t.orders, t.households)


CASES = [
    # (start, end, grouping, filters, interval, computed from)
    ((2021, 1, 1), (2021, 3, 31), "channel", {}, "month", "summaries"),
    ((2021, 1, 1), (2021, 3, 31), "cooperative", {}, "month", "summaries"),
    ((2021, 1, 1), (2021, 3, 31), "product", {}, "month", "summaries"),
    ((2021, 1, 1), (2021, 3, 31), "channel-kind", {}, "month", "summaries"),
    ((2021, 1, 1), (2021, 3, 31), "village", {}, "month", "ledger"),
    ((2021, 2, 1), (2021, 2, 28), "county", {}, "month", "ledger"),
    ((2021, 1, 1), (2021, 3, 31), "period", {}, "month", "summaries"),
    ((2021, 1, 1), (2021, 12, 31), None, {}, "month", "summaries"),
    ((2021, 1, 3), (2021, 2, 17), "channel", {}, "month", "ledger"),
    ((2021, 1, 1), (2021, 3, 31), "household", {}, "month", "ledger"),
    ((2021, 1, 1), (2021, 3, 31), "product", {"channel": 1}, "month", "ledger"),
    (
        (2021, 1, 1),
        (2021, 3, 31),
        "channel",
        {"channel-kind": "counter"},
        "month",
        None,
    ),
]


@pytest.mark.parametrize(
    ("start", "end", "grouping", "filters", "interval", "via"), CASES
)
def test_report_matches_the_ledger(sales, start, end, grouping, filters, interval, via):
    if filters.get("channel") == 1:  # the first channel of the fixture
        filters = {"channel": Channel.objects.get(code="gb-1").pk}
    query = build_query(
        start=datetime.date(*start),
        end=datetime.date(*end),
        grouping=grouping,
        interval=interval,
        filters=filters,
    )

    report = sales_report(query)

    assert computed(report) == brute_force(
        query.start, query.end, grouping, filters, interval
    )
    if via:
        assert report.distinct_from == via
