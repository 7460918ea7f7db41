"""``verify_ledger`` recomputes the ledger from its sources and finds no
difference — unless the books were tampered with."""

import io

import pytest
from django.core.management import CommandError, call_command

from fulfilment import cooperative_side as coop
from fulfilment.delivery import ReceivedLine, confirm_receipt, mark_delivered
from fulfilment.models import Allocation
from ledger.audit import verify_ledger
from ledger.counter_sales import record_counter_sales, withdraw_batch
from ledger.models import (
    HouseholdIncome,
    LedgerEntry,
    MemberCount,
    PeriodMember,
    SalesFact,
)
from tests.factories import (
    ProductFactory,
    UserFactory,
    make_canteen,
    make_household,
    make_lot,
)
from tests.integration.bulk import D, place
from tests.integration.sales import sale


@pytest.fixture
def books(counter, cooperative, other_cooperative, staff):
    """A received canteen order and counter sales (one batch withdrawn)."""
    buyer = UserFactory()
    canteen = make_canteen(buyers=[buyer])
    product = ProductFactory(upc="LZ-RICE-5", net_weight_kg=D("1"))
    households = [make_household(cooperative=cooperative) for _ in range(3)]
    make_lot(cooperative=cooperative, product=product, kg="40", households=households)
    make_lot(cooperative=other_cooperative, product=product, kg="40")
    bulk_order = place(buyer, canteen, [(product, 50)])
    for allocation in Allocation.objects.order_by("pk"):
        coop.accept_allocation(allocation_id=allocation.pk)
        coop.ship_allocation(allocation_id=allocation.pk, kg=allocation.kg)
    mark_delivered(order_id=bulk_order.pk, actor=staff)
    [line] = bulk_order.bulk_lines.all()
    confirm_receipt(
        order_id=bulk_order.pk, user=buyer, lines=[ReceivedLine(line.pk, D("49.321"))]
    )
    record_counter_sales(rows=[sale(kg="7.7", yuan="47.37")], reference="A")
    wrong = record_counter_sales(rows=[sale(kg="3")], reference="B")
    withdraw_batch(batch_id=wrong.pk, reason="typo")


def verify() -> str:
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    return out.getvalue()


def test_no_difference_after_receipts_counter_sales_and_a_withdrawal(books):
    assert verify().startswith(
        f"No difference: {LedgerEntry.objects.count()} ledger entries checked."
    )


def test_a_changed_entry_is_found(books):
    entry = LedgerEntry.objects.filter(source_kind="receipt_line").first()
    LedgerEntry.objects.filter(pk=entry.pk).update(yuan=entry.yuan + D("0.01"))

    with pytest.raises(CommandError, match="10 difference"):
        verify()
    # The entry against its receipt line, and every summary built from it.
    assert sorted(d.what for d in verify_ledger()) == [
        "entries",
        "household income",
        "households by month",
        "households by quarter",
        "households by year",
        "orders by month",
        "orders by quarter",
        "orders by year",
        "sales fact (day)",
        "sales fact (month)",
    ]


def test_a_changed_report_summary_is_found(books):
    fact = SalesFact.objects.filter(grain="month").first()
    SalesFact.objects.filter(pk=fact.pk).update(kg=fact.kg + 1)
    member = PeriodMember.objects.filter(kind="household", period__contains="Q").first()
    PeriodMember.objects.filter(pk=member.pk).update(channels={})

    assert sorted(d.what for d in verify_ledger()) == [
        "households by quarter",
        "sales fact (month)",
    ]


def test_a_changed_income_summary_is_found(books):
    HouseholdIncome.objects.filter(pk=HouseholdIncome.objects.first().pk).update(
        yuan=D("1")
    )
    with pytest.raises(CommandError, match="1 difference"):
        verify()


def test_a_deleted_counter_sale_entry_is_found(books):
    LedgerEntry.objects.filter(
        source_kind="counter_sale", reverses__isnull=True
    ).first()
    victim = LedgerEntry.objects.filter(
        source_kind="counter_sale", reversed_by__isnull=True, reverses__isnull=True
    ).first()
    LedgerEntry.objects.filter(pk=victim.pk).delete()
    with pytest.raises(CommandError, match="difference"):
        verify()


def test_a_changed_member_count_is_found(books):
    count = MemberCount.objects.get(
        kind="order", period__contains="Q", dimension="total"
    )
    MemberCount.objects.filter(pk=count.pk).update(count=count.count + 1)
    member = PeriodMember.objects.filter(kind="household", period__contains="-").first()
    PeriodMember.objects.filter(pk=member.pk).update(orders=member.orders + 1)

    differences = list(verify_ledger())

    assert sorted(d.what for d in differences) == [
        "households by month",
        "member count",
    ]
    [counted] = [d for d in differences if d.what == "member count"]
    assert counted.key == ("order", count.period, "total", "")
    assert (counted.expected, counted.found) == ((count.count,), (count.count + 1,))
