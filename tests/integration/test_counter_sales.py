"""Counter sales reported by channel operators: attributed to lots, into the
ledger, all or nothing, never counted twice, withdrawn by reversal."""

import datetime

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from channels.services import open_channel
from ledger.counter_sales import (
    CounterSalesRejected,
    record_counter_sales,
    withdraw_batch,
)
from ledger.models import (
    Attribution,
    CounterSale,
    CounterSaleBatch,
    HouseholdIncome,
    LedgerEntry,
)
from tests.factories import ProductFactory, make_household, make_lot
from tests.integration.bulk import D
from tests.integration.sales import TODAY, days_ago, sale


def nothing_recorded():
    return (
        CounterSaleBatch.objects.count(),
        CounterSale.objects.count(),
        LedgerEntry.objects.count(),
    ) == (0, 0, 0)


def test_product_only_is_attributed_to_the_oldest_lots_first(
    counter, rice, cooperative, other_cooperative
):
    old = make_lot(
        cooperative=other_cooperative, product=rice, kg="6", harvest_date=days_ago(9)
    )
    new = make_lot(
        cooperative=cooperative, product=rice, kg="50", harvest_date=days_ago(3)
    )

    batch = record_counter_sales(
        rows=[sale(kg="10", yuan="62.00")], reference="GB-0601"
    )

    [row] = batch.sales.all()
    assert row.attribution == Attribution.FIFO
    parts = dict(
        LedgerEntry.objects.values("lot_id")
        .annotate(kg=Sum("kg"), yuan=Sum("yuan"))
        .values_list("lot_id", "kg")
    )
    assert parts == {old.pk: D("6.000"), new.pk: D("4.000")}
    totals = LedgerEntry.objects.aggregate(kg=Sum("kg"), yuan=Sum("yuan"))
    assert (totals["kg"], totals["yuan"]) == (D("10.000"), D("62.00"))
    assert set(LedgerEntry.objects.values_list("channel_id", flat=True)) == {counter.pk}


def test_a_named_cooperative_or_lot_is_used(
    counter, rice, cooperative, other_cooperative
):
    make_lot(
        cooperative=other_cooperative, product=rice, kg="50", harvest_date=days_ago(9)
    )
    mine = make_lot(cooperative=cooperative, product=rice, kg="50", code="LZ-0512")

    record_counter_sales(
        rows=[
            sale(2, kg="5", cooperative=cooperative.registration_code),
            sale(3, kg="7", lot="LZ-0512"),
        ],
        reference="GB-0602",
    )

    assert list(
        CounterSale.objects.order_by("line").values_list("line", "attribution")
    ) == [(2, Attribution.COOPERATIVE_FIFO), (3, Attribution.LOT)]
    assert LedgerEntry.objects.filter(lot=mine).aggregate(kg=Sum("kg"))["kg"] == D(
        "12.000"
    )


def test_awkward_shares_add_up_to_the_sale_exactly(counter, rice, cooperative):
    households = [make_household(cooperative=cooperative) for _ in range(3)]
    make_lot(cooperative=cooperative, product=rice, kg="10", households=households)

    record_counter_sales(rows=[sale(kg="1", yuan="0.10")], reference="GB-0603")

    rows = list(LedgerEntry.objects.order_by("household_id").values_list("kg", "yuan"))
    assert rows == [
        (D("0.334"), D("0.04")),
        (D("0.333"), D("0.03")),
        (D("0.333"), D("0.03")),
    ]
    assert HouseholdIncome.objects.aggregate(y=Sum("yuan"))["y"] == D("0.10")


def test_a_re_upload_is_refused_and_counts_nothing_twice(counter, rice, cooperative):
    make_lot(cooperative=cooperative, product=rice, kg="50")
    content = b"date,channel,sku,kg,yuan\n"
    record_counter_sales(rows=[sale()], reference="GB-0604", content=content)
    entries = LedgerEntry.objects.count()

    for reference, again in (("GB-0604", None), ("GB-0604-again", content)):
        with pytest.raises(CounterSalesRejected) as refused:
            record_counter_sales(rows=[sale()], reference=reference, content=again)
        assert [(e.line, e.field) for e in refused.value.errors] == [(0, "reference")]
    assert (CounterSaleBatch.objects.count(), LedgerEntry.objects.count()) == (
        1,
        entries,
    )


def test_every_bad_row_is_reported_and_nothing_recorded(counter, rice, cooperative):
    make_lot(cooperative=cooperative, product=rice, kg="20", code="LZ-1")
    tea = ProductFactory(upc="YD-TEA")
    make_lot(cooperative=cooperative, product=tea, kg="20", code="TEA-1")
    expired = ProductFactory(
        upc="OLD", certificate_valid_until=days_ago(30), net_weight_kg=D("1")
    )
    closed = open_channel(
        code="closed-counter", name="关闭专柜", kind="counter", opened_on=days_ago(300)
    )
    closed.closed_on = days_ago(10)
    closed.save()

    with pytest.raises(CounterSalesRejected) as refused:
        record_counter_sales(
            rows=[
                sale(2, channel="nope"),
                sale(3, channel="closed-counter"),
                sale(4, sale_date=TODAY() + datetime.timedelta(days=1)),
                sale(5, sku="NOPE"),
                sale(6, sku="OLD"),
                sale(7, kg="-1"),
                sale(8, kg="1.0001"),
                sale(9, yuan="-2"),
                sale(10, yuan="1.001"),
                sale(11, cooperative="NOPE"),
                sale(12, lot="TEA-1"),
                sale(13, kg="25"),
            ],
            reference="GB-bad",
        )

    assert [(e.line, e.field) for e in refused.value.errors] == [
        (2, "channel"),
        (3, "channel"),
        (4, "date"),
        (5, "sku"),
        (6, "sku"),
        (7, "kg"),
        (8, "kg"),
        (9, "yuan"),
        (10, "yuan"),
        (11, "cooperative"),
        (12, "lot"),
        (13, "kg"),
    ]
    assert nothing_recorded()
    del expired


def test_withdrawing_a_batch_reverses_it_exactly_once(counter, rice, cooperative):
    lot = make_lot(cooperative=cooperative, product=rice, kg="10")
    batch = record_counter_sales(rows=[sale(kg="10")], reference="GB-0605")

    withdraw_batch(batch_id=batch.pk, reason="重复上报")
    withdraw_batch(batch_id=batch.pk, reason="again")

    totals = LedgerEntry.objects.aggregate(kg=Sum("kg"), yuan=Sum("yuan"))
    assert (totals["kg"], totals["yuan"]) == (D("0.000"), D("0.00"))
    assert LedgerEntry.objects.filter(reverses__isnull=False).count() == 1
    assert HouseholdIncome.objects.get().yuan == D("0.00")
    # The kg are free to be accounted for by a corrected batch.
    record_counter_sales(rows=[sale(kg="10")], reference="GB-0605-fixed")
    assert LedgerEntry.objects.filter(lot=lot).aggregate(kg=Sum("kg"))["kg"] == D(
        "10.000"
    )


def _queries_to_record(rows, reference):
    with CaptureQueriesContext(connection) as captured:
        record_counter_sales(rows=rows, reference=reference)
    return len(captured)


def test_the_queries_do_not_grow_with_the_rows(counter, rice, cooperative):
    households = [make_household(cooperative=cooperative) for _ in range(3)]
    for _ in range(2):
        make_lot(cooperative=cooperative, product=rice, kg="100", households=households)

    one = _queries_to_record([sale(kg="5")], "GB-one")
    # Few enough entries for one insert statement even on SQLite.
    many = _queries_to_record(
        [sale(line, kg="5", yuan="31.00") for line in range(2, 22)], "GB-many"
    )

    assert many == one
    assert CounterSale.objects.count() == 21
    # 105 kg from lots of 100 kg: the last row took the second lot's first 5 kg.
    parts = LedgerEntry.objects.values("lot_id").annotate(kg=Sum("kg"))
    assert sorted(part["kg"] for part in parts) == [D("5.000"), D("100.000")]
    assert HouseholdIncome.objects.aggregate(y=Sum("yuan"))["y"] == D("682.00")
