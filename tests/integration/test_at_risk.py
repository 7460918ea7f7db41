"""Households at risk: the same households and incomes whether read from the
period members (whole months) or from the ledger (any other period)."""

import datetime
from decimal import Decimal

import pytest

from ledger.counter_sales import CounterSaleInput, record_counter_sales
from ledger.models import LedgerEntry
from reports.at_risk import calendar_cover, households_at_risk
from reports.query import build_query

day = datetime.date


@pytest.mark.parametrize(
    ("start", "end", "keys"),
    [
        (day(2021, 1, 1), day(2021, 12, 31), ["2021"]),
        (day(2021, 1, 1), day(2021, 6, 30), ["2021Q1", "2021Q2"]),
        (
            day(2020, 11, 1),
            day(2021, 4, 30),
            ["2020-11", "2020-12", "2021Q1", "2021-04"],
        ),
        (day(2021, 2, 1), day(2021, 2, 28), ["2021-02"]),
        (day(2021, 2, 2), day(2021, 2, 28), None),
        (day(2021, 2, 1), day(2021, 2, 27), None),
    ],
)
def test_calendar_cover(start, end, keys):
    assert calendar_cover(start, end) == keys


def at_risk(start, end, **filters):
    query = build_query(start=start, end=end, filters=filters)
    return [
        (r.household.pk, r.yuan, r.previous_yuan) for r in households_at_risk(query)
    ]


def test_members_and_ledger_agree(sales, monkeypatch):
    entry = LedgerEntry.objects.order_by("pk").first()
    # A big January: some households earn less in February than before.
    big = CounterSaleInput(
        line=2,
        sale_date=day(2021, 1, 20),
        channel=entry.channel.code,
        sku=entry.product.upc,
        kg=Decimal("40"),
        yuan=Decimal("900.00"),
    )
    record_counter_sales(rows=[big], reference="big-january")
    cases = [
        {},
        {"cooperative": entry.cooperative_id},
        {"village": entry.village_id},
        {"county": entry.village.town.county_id},
    ]
    found = []
    for filters in cases:
        for start, end in (
            (day(2021, 2, 1), day(2021, 2, 28)),
            (day(2021, 3, 1), day(2021, 3, 31)),
            (day(2021, 4, 1), day(2021, 6, 30)),
        ):
            from_members = at_risk(start, end, **filters)
            monkeypatch.setattr("reports.at_risk.calendar_cover", lambda *a: None)
            from_ledger = at_risk(start, end, **filters)
            monkeypatch.undo()
            assert from_members == from_ledger, (filters, start)
            found += from_members
    assert any(yuan > 0 for _household, yuan, _before in found)
    assert any(before > 0 for _household, _yuan, before in found)


def test_a_household_without_any_sale_is_at_risk(sales, cooperative, household):
    rows = at_risk(day(2021, 1, 1), day(2021, 3, 31), cooperative=cooperative.pk)

    assert rows == [(household.pk, 0, 0)]
