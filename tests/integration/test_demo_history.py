"""The demo's H1 2020 sales history: the field report's headline (77 channels,
770 t, 4.76 M yuan) read from the ledger's entries, which the demo made sale by
sale; traced to lots and households, checked by ``verify_ledger``, and loaded once.

The demo is loaded once for the module, inside a transaction rolled back at its
end; each test runs in a savepoint of it.
"""

import datetime
import io
import random
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Sum

from channels.models import Channel
from ledger import demo_history
from ledger.models import (
    Attribution,
    CounterSale,
    CounterSaleBatch,
    LedgerEntry,
    SourceKind,
)
from reports.headline import headline
from reports.query import build_query
from suppliers.models import LotShare, Membership, MovementKind, StockLot
from tests.integration.test_demo import _snapshot

H1_2020 = (datetime.date(2020, 1, 1), datetime.date(2020, 6, 30))
StockRecord = apps.get_model("partner", "StockRecord")


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The whole demo, as ``make run`` loads it; its output."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("load_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(loaded, db):
    return loaded


def lots_of_2020():
    return StockLot.objects.filter(harvest_date__range=H1_2020)


def test_h1_2020_reads_770_tonnes_and_4_76_million_yuan(demo):
    entries = LedgerEntry.objects.filter(sale_date__range=H1_2020)

    # Added up in Python from each entry: exact, whatever the database's sums.
    rows = list(entries.values_list("kg", "yuan"))
    assert sum(kg for kg, _yuan in rows) == Decimal("770000.000")
    assert sum(yuan for _kg, yuan in rows) == Decimal("4760000.00")
    totals = entries.aggregate(kg=Sum("kg"), yuan=Sum("yuan"))
    assert totals["kg"].quantize(Decimal("0.001")) == Decimal("770000.000")
    assert totals["yuan"].quantize(Decimal("0.01")) == Decimal("4760000.00")
    assert "H1 2020 in the ledger: 770.0 t, 4,760,000.00 yuan" in demo
    assert "sold through 77 channels." in demo


def test_every_one_of_the_77_channels_sold_in_h1_2020(demo):
    selling = set(
        LedgerEntry.objects.filter(sale_date__range=H1_2020)
        .order_by()
        .values_list("channel_id", flat=True)
        .distinct()
    )

    assert Channel.objects.count() == 77
    assert selling == set(Channel.objects.values_list("pk", flat=True))
    for channel in Channel.objects.all():
        dates = CounterSale.objects.filter(channel=channel).values_list(
            "sale_date", flat=True
        )
        assert min(dates) >= max(channel.opened_on, H1_2020[0]), channel.code
        assert max(dates) <= H1_2020[1], channel.code


def test_each_sale_went_first_in_first_out_to_lots_harvested_by_its_date(demo):
    sales = CounterSale.objects.filter(batch__reference__startswith="DEMO-2020-")

    assert sales.count() > 5000
    assert set(sales.values_list("attribution", flat=True)) == {Attribution.FIFO}
    assert not LedgerEntry.objects.filter(
        source_kind=SourceKind.COUNTER_SALE, lot__harvest_date__gt=F("sale_date")
    ).exists()
    assert CounterSaleBatch.objects.filter(reference__startswith="DEMO-2020-").count()
    # Each 2020 lot was sold to the gram, and shared among its cooperative's members.
    sold = dict(
        LedgerEntry.objects.filter(lot__in=lots_of_2020())
        .values("lot_id")
        .annotate(kg=Sum("kg"))
        .values_list("lot_id", "kg")
    )
    members = set(Membership.objects.values_list("cooperative_id", "household_id"))
    for lot in lots_of_2020():
        assert sold[lot.pk].quantize(Decimal("0.001")) == lot.received_kg, lot.code
    for share in LotShare.objects.filter(lot__in=lots_of_2020()).select_related("lot"):
        assert (share.lot.cooperative_id, share.household_id) in members


def test_2020_lots_were_sent_to_the_channels_and_none_is_in_stock(demo):
    lots = lots_of_2020()

    assert lots.count() > 300
    assert not lots.exclude(on_hand_kg=0).exists()
    assert not lots.exclude(reserved_kg=0).exists()
    for lot in lots.prefetch_related("movements"):
        kinds = [(m.kind, m.on_hand_delta_kg) for m in lot.movements.order_by("pk")]
        assert kinds == [
            (MovementKind.RECEIVED, lot.received_kg),
            (MovementKind.SHIPPED, -lot.received_kg),
        ], lot.code
    shares = dict(
        LotShare.objects.filter(lot__in=lots)
        .values("lot_id")
        .annotate(kg=Sum("kg"))
        .values_list("lot_id", "kg")
    )
    for lot in lots:
        assert shares[lot.pk].quantize(Decimal("0.001")) == lot.received_kg
    # Today's stock is the supply demo's alone: every record still offers units.
    for record in StockRecord.objects.all():
        assert record.num_in_stock > 0


def test_verify_ledger_finds_no_difference_after_the_full_demo(demo):
    out = io.StringIO()

    call_command("verify_ledger", stdout=out)

    assert out.getvalue().startswith(
        f"No difference: {LedgerEntry.objects.count()} ledger entries checked."
    )


def test_a_rerun_changes_nothing(demo):
    before = _snapshot()
    out = io.StringIO()

    call_command("load_demo", stdout=out)

    # Sessions aside, every row of every table is as it was.
    assert {k: v for k, v in _snapshot().items() if k != "sessions.Session"} == {
        k: v for k, v in before.items() if k != "sessions.Session"
    }
    assert (
        "This run recorded 0 counter sales of 2020 in 0 weekly batches, "
        "from 0 harvest lots." in out.getvalue()
    )
    assert "H1 2020 in the ledger: 770.0 t, 4,760,000.00 yuan" in out.getvalue()


def test_the_draw_is_the_same_on_every_run(demo):
    channels = demo_history._channels()
    prices = demo_history._prices(demo_history._products())

    first = demo_history.plan_sales(random.Random(1), channels, prices)
    again = demo_history.plan_sales(random.Random(1), list(reversed(channels)), prices)

    assert first == again
    assert sum(row.kg for row in first) == Decimal("770000.000")
    assert sum(row.yuan for row in first) == Decimal("4760000.00")


def test_the_officials_headline_reads_the_field_reports_figures(demo):
    """H1 2020 over the 77 channels: 770 t and 4.76 million yuan, from the
    summaries (the half-year is two calendar quarters: summed, not counted)."""
    query = build_query(start=H1_2020[0], end=H1_2020[1])

    figures = headline(query)

    assert (figures.tonnes, figures.yuan, figures.channels_active) == (
        Decimal("770.000"),
        Decimal("4760000.00"),
        77,
    )
    households = (
        LedgerEntry.objects.filter(sale_date__range=H1_2020)
        .values("household_id")
        .annotate(y=Sum("yuan"))
        .filter(y__gt=0)
        .count()
    )
    assert figures.households == households
    assert figures.previous.yuan == Decimal("0.00")  # H2 2019: before the history
    assert figures.change("yuan") is None
