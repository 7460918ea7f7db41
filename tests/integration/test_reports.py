"""Officials' reports agree with the ledger itself, whichever way they are
computed: summed from the summaries, or counted from the entries."""

import datetime
import io
from decimal import Decimal as D

import pytest
from django.apps import apps
from django.core.management import call_command
from oscar.apps.catalogue.categories import create_from_breadcrumbs

from channels.models import Channel
from ledger.audit import verify_ledger
from ledger.counter_sales import CounterSaleInput, record_counter_sales, withdraw_batch
from ledger.models import LedgerEntry, MemberCount
from reports.query import build_query
from reports.selectors import sales_report
from suppliers.models import Cooperative
from tests.factories import (
    ProductFactory,
    VillageFactory,
    make_canteen,
    make_cooperative,
    make_household,
    make_lot,
)
from tests.integration.report_sales import brute_force

Category = apps.get_model("catalogue", "Category")


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
    ((2021, 1, 1), (2021, 3, 31), "village", {}, "month", "summaries"),
    ((2021, 2, 1), (2021, 2, 28), "county", {}, "month", "summaries"),
    ((2021, 1, 3), (2021, 3, 31), "village", {}, "month", "ledger"),
    ((2021, 1, 1), (2021, 3, 31), "period", {}, "month", "summaries"),
    ((2021, 1, 1), (2021, 12, 31), None, {}, "month", "summaries"),
    ((2021, 2, 1), (2021, 2, 28), "period", {}, "quarter", "summaries"),
    ((2021, 2, 1), (2021, 2, 28), "period", {}, "year", "summaries"),
    ((2021, 1, 1), (2021, 3, 31), "period", {}, "year", "summaries"),
    ((2021, 1, 1), (2021, 12, 31), "period", {}, "quarter", "summaries"),
    ((2021, 1, 3), (2021, 2, 17), "channel", {}, "month", "ledger"),
    ((2021, 1, 1), (2021, 3, 31), "household", {}, "month", "summaries"),
    ((2021, 1, 1), (2021, 2, 28), "household", {}, "month", "ledger"),
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


@pytest.fixture
def more_sales(sales):
    """Besides ``sales``: products in 粮油 and its subcategory 大米, sold through
    a canteen's channel; a household (alone in its village, town and county) whose
    only sale is withdrawn, so it and its order go back to zero."""
    rice = create_from_breadcrumbs("粮油 > 大米")
    oil = Category.objects.get(path=rice.path[: Category.steplen])
    canteen = make_canteen()
    channel = canteen.channel
    Channel.objects.filter(pk=channel.pk).update(opened_on=datetime.date(2020, 1, 1))
    day = datetime.date(2020, 10, 1)
    village = VillageFactory()
    lonely = make_cooperative(village=village)
    make_household(cooperative=lonely)
    products = [ProductFactory(net_weight_kg=D("1")) for _ in range(2)]
    products[0].categories.add(rice)
    products[1].categories.add(oil)
    cooperative = Cooperative.objects.order_by("pk").first()
    for product in products:
        for owner in (cooperative, lonely):
            make_lot(
                cooperative=owner,
                product=product,
                kg="500",
                households=list(owner.households.all())
                if owner == lonely
                else list(owner.households.all()[:2]),
                harvest_date=day,
                best_before=day + datetime.timedelta(days=400),
            )
    rows = []
    for line, (month, product, code, kg, yuan) in enumerate(
        [
            (1, products[0], channel.code, "12.5", "80.10"),
            (2, products[1], channel.code, "7.25", "51.30"),
            (2, products[0], "gb-1", "3", "20"),
            (3, products[1], "ks-1", "4.5", "33.33"),
        ],
        start=1,
    ):
        rows.append(
            CounterSaleInput(
                line=line,
                sale_date=datetime.date(2021, month, 11),
                channel=code,
                sku=product.upc,
                kg=D(kg),
                yuan=D(yuan),
                cooperative=cooperative.registration_code,
            )
        )
    record_counter_sales(rows=rows, reference="D")
    gone = record_counter_sales(
        rows=[
            CounterSaleInput(
                line=1,
                sale_date=datetime.date(2021, 2, 3),
                channel="gb-2",
                sku=products[0].upc,
                kg=D("6"),
                yuan=D("41"),
                cooperative=lonely.registration_code,
            )
        ],
        reference="E",
    )
    withdraw_batch(batch_id=gone.pk, reason="never sold")
    return {"village": village.pk, "canteen": canteen.pk, "rice": rice.pk}


GROUPINGS = [
    "channel",
    "channel-kind",
    "canteen",
    "cooperative",
    "household",
    "product",
    "category",
    "village",
    "town",
    "county",
    "period",
    None,
]


@pytest.mark.parametrize(
    ("start", "end"),
    [((2021, 2, 1), (2021, 2, 28)), ((2021, 1, 1), (2021, 12, 31))],
    ids=["month", "year"],
)
@pytest.mark.parametrize("grouping", GROUPINGS)
def test_counted_reports_match_the_ledger(more_sales, start, end, grouping):
    query = build_query(
        start=datetime.date(*start),
        end=datetime.date(*end),
        grouping=grouping,
        interval="month",
    )

    report = sales_report(query)

    assert report.distinct_from == "summaries"
    assert computed(report) == brute_force(query.start, query.end, grouping)


def test_the_counts_leave_out_a_household_whose_only_sale_was_withdrawn(more_sales):
    year = (datetime.date(2021, 1, 1), datetime.date(2021, 12, 31))
    report = sales_report(build_query(start=year[0], end=year[1], grouping="village"))

    assert LedgerEntry.objects.filter(village_id=more_sales["village"]).count() == 2
    [row] = [r for r in report.rows if r.key == more_sales["village"]]
    assert (row.kg, row.yuan, row.orders, row.households) == (0, 0, 0, 0)
    assert not MemberCount.objects.filter(
        dimension="village", key=str(more_sales["village"]), count__gt=0
    ).exists()
    assert list(verify_ledger()) == []


@pytest.mark.parametrize("grouping", ["channel", "village", "canteen"])
def test_a_filter_on_the_groupings_own_dimension_reads_the_counts(more_sales, grouping):
    key = {
        "channel": Channel.objects.get(code="gb-1").pk,
        "village": LedgerEntry.objects.order_by("pk").first().village_id,
        "canteen": more_sales["canteen"],
    }[grouping]
    start, end = datetime.date(2021, 1, 1), datetime.date(2021, 3, 31)
    query = build_query(
        start=start, end=end, grouping=grouping, filters={grouping: key}
    )

    report = sales_report(query)

    assert report.distinct_from == "summaries"
    rows, _total = brute_force(start, end, grouping)
    assert computed(report) == ({key: rows[key]}, rows[key])


def test_a_product_moved_to_another_category_is_counted_from_the_members(
    more_sales,
):
    Product = apps.get_model("catalogue", "Product")
    product = Product.objects.get(categories=more_sales["rice"])
    product.categories.set([create_from_breadcrumbs("蔬菜")])
    query = build_query(
        start=datetime.date(2021, 1, 1),
        end=datetime.date(2021, 12, 31),
        grouping="category",
    )

    report = sales_report(query)

    assert report.distinct_from == "summaries"
    assert computed(report) == brute_force(query.start, query.end, "category")
    assert {d.what for d in verify_ledger()} == {"member count"}
    call_command("rebuild_member_counts", stdout=io.StringIO())
    assert list(verify_ledger()) == []
