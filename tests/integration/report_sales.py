"""Sales across three months of 2021 for the report tests, and the report
computed the slow way (entry by entry, in Python) to check the fast one against."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.apps import apps

from channels.services import open_channel
from ledger.counter_sales import CounterSaleInput, record_counter_sales, withdraw_batch
from ledger.models import LedgerEntry
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


def _categories(product_id) -> list:
    """A product's categories and every category above them."""
    Category = apps.get_model("catalogue", "Category")
    found, step = set(), Category.steplen
    for category in Category.objects.filter(product__pk=product_id):
        found |= {
            c.pk
            for c in Category.objects.filter(
                path__in=[
                    category.path[:end]
                    for end in range(step, len(category.path) + 1, step)
                ]
            )
        }
    return sorted(found)


def _keys(grouping, e) -> list:
    if grouping == "category":
        return _categories(e.product_id)
    if grouping == "canteen":
        Organisation = apps.get_model("canteens", "Organisation")
        return list(
            Organisation.objects.filter(channel_id=e.channel_id).values_list(
                "pk", flat=True
            )
        )
    return [KEY[grouping](e)]


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
            key = {
                "month": day.replace(day=1),
                "quarter": day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1),
                "year": day.replace(month=1, day=1),
            }[interval]
            targets.append(rows[key])
        elif grouping:
            targets.extend(rows[key] for key in _keys(grouping, e))
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
