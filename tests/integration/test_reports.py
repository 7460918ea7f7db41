"""Officials' reports agree with the ledger itself, whichever way they are
computed: summed from the summaries, or counted from the entries."""

import datetime

import pytest

from channels.models import Channel
from reports.query import build_query
from reports.selectors import sales_report
from tests.integration.report_sales import brute_force


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
