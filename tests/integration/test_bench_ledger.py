"""The benchmark's ledger generator, at a tiny size: its entries are what the
services would have written (``verify_ledger`` finds no difference) and the
reports read from its summaries equal the ledger — so it cannot silently rot."""

import datetime

import pytest
from django.db import connection

from bench.ledger.generate import generate
from ledger.audit import verify_ledger
from ledger.models import CounterSaleBatch, LedgerEntry, PeriodMember, SalesFact
from reports.query import build_query
from reports.selectors import sales_report


@pytest.fixture
def year(db):
    return generate(
        entries=400, households=60, cooperatives=4, year=2024, seed=7, say=str
    )


def test_the_generated_year_passes_verify_ledger(year):
    assert year.entries == LedgerEntry.objects.count() > 100
    assert SalesFact.objects.filter(grain="month").exists()
    assert PeriodMember.objects.filter(kind="order").exists()
    assert list(verify_ledger()) == []


def test_withdrawn_batches_are_reversed_as_the_services_reverse_them(db):
    generate(
        entries=400,
        households=60,
        cooperatives=4,
        year=2024,
        seed=3,
        withdrawn=0.3,
        say=str,
    )
    withdrawn = CounterSaleBatch.objects.filter(withdrawn_at__isnull=False)
    sales = [sale.pk for batch in withdrawn for sale in batch.sales.all()]
    originals = LedgerEntry.objects.filter(source_id__in=sales, reverses__isnull=True)
    assert withdrawn.exists()
    assert LedgerEntry.objects.filter(reverses__isnull=False).count() == (
        originals.count()
    )
    assert list(verify_ledger()) == []


@pytest.mark.parametrize("grouping", ["channel", "household", "village", "period"])
def test_reports_on_the_generated_year_equal_the_ledger(year, grouping):
    if connection.vendor != "postgresql":
        pytest.skip("the proof's SQL is PostgreSQL's (the benchmark's database)")
    from bench.ledger.proof import differences, ledger_figures, report_figures

    for start, end in (
        (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)),
        (datetime.date(2024, 6, 1), datetime.date(2024, 6, 30)),
    ):
        query = build_query(start=start, end=end, grouping=grouping)
        report = sales_report(query)
        assert (
            differences(report_figures(report), ledger_figures(start, end, grouping))
            == []
        )
        assert (
            differences(
                report_figures(sales_report(build_query(start=start, end=end))),
                ledger_figures(start, end, None),
            )
            == []
        )
