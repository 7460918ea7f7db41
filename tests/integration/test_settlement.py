"""Settlement services: statements equal the ledger to the fen, are issued once,
and payouts and household payments are checked (a refusal changes nothing)."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from ledger.models import LedgerEntry
from ledger.services import reverse_source
from settlement import selectors
from settlement.errors import SettlementError
from settlement.models import (
    HouseholdPayment,
    Payout,
    SettlementEvent,
    SettlementPeriod,
    Statement,
    StatementEntry,
)
from settlement.services import (
    issue_statements,
    mark_payout_paid,
    platform_fee,
    record_household_payment,
)
from settlement.tasks import settle_ended_periods
from tests.integration.settlement_setup import (
    D,
    counter_channel,
    ledger_yuan,
    period,
    sell,
    three_household_lot,
)

P1 = (datetime.date(2026, 10, 1), datetime.date(2026, 10, 14))
P2 = (datetime.date(2026, 10, 15), datetime.date(2026, 10, 28))
TODAY = datetime.date(2026, 11, 25)


@pytest.fixture
def channel(db):
    return counter_channel()


@pytest.fixture
def store(db):
    return counter_channel(code="online-store", name="农家网上商城")


@pytest.fixture
def lot(cooperative, product):
    return three_household_lot(cooperative=cooperative, product=product)


@pytest.fixture
def other_lot(other_cooperative, product):
    return three_household_lot(cooperative=other_cooperative, product=product)


@pytest.fixture
def sales(lot, other_lot, channel, store):
    """Sales in the first period, one of them reversed, one outside it."""
    sell(lot=lot, channel=channel, day=P1[0], kg="10", yuan="99.99")
    sell(lot=lot, channel=store, day=P1[1], kg="3.333", yuan="10.01")
    reversed_id = sell(lot=lot, channel=channel, day=P1[1], kg="1", yuan="7.77")
    reverse_source(source_kind="counter_sale", source_id=reversed_id)
    sell(lot=other_lot, channel=channel, day=P1[0], kg="2", yuan="20.00")
    sell(lot=lot, channel=channel, day=P2[0], kg="1", yuan="5.55")  # next period
    return reversed_id


def _issue(p, **kwargs):
    return issue_statements(period_id=p.pk, today=TODAY, **kwargs)


def test_statement_totals_equal_the_ledger_to_the_fen_with_an_awkward_fee(
    settings, cooperative, other_cooperative, sales
):
    settings.NONGJIA_PLATFORM_FEE_RATE = Decimal("0.0137")
    first = period(*P1)

    statements = _issue(first)

    assert [s.cooperative_id for s in statements] == [
        cooperative.pk,
        other_cooperative.pk,
    ]
    ours = statements[0]
    goods = ledger_yuan(cooperative=cooperative, start=P1[0], end=P1[1])
    assert goods == D("110.00")  # 99.99 + 10.01 + 7.77 - 7.77
    assert ours.goods_yuan == goods
    assert ours.goods_kg == D("13.333")
    assert ours.fee_rate == D("0.0137")
    assert ours.fee_yuan == D("1.51")  # 1.507 rounded half-up
    assert ours.payout_yuan == D("108.49")
    assert ours.adjustments_yuan == D("0")
    assert sum(line.yuan for line in ours.lines.all()) == goods
    assert sum(h.yuan for h in ours.households.all()) == goods
    assert sum(h.kg for h in ours.households.all()) == D("13.333")
    assert ours.households.count() == 3
    by_line = {
        (line.channel.code, line.adjustment): line.yuan for line in ours.lines.all()
    }
    assert by_line == {
        ("grandbuy-beijing-rd", False): D("99.99"),
        ("online-store", False): D("10.01"),
    }
    settled = LedgerEntry.objects.filter(settlement__statement=ours)
    assert settled.aggregate(t=Sum("yuan"))["t"] == goods
    assert settled.count() == 3 * 4  # two sales, one sale and its reversal
    assert statements[1].goods_yuan == D("20.00")
    assert statements[1].fee_yuan == D("0.27")  # 0.274


def test_fee_rounds_half_up_to_the_fen():
    assert platform_fee(D("100.50"), D("0.005")) == D("0.50")  # 0.5025
    assert platform_fee(D("1.00"), D("0.005")) == D("0.01")  # 0.005 → up
    assert platform_fee(D("-1.00"), D("0.005")) == D("-0.01")
    assert platform_fee(D("123.45"), D("0")) == D("0.00")


def test_default_fee_is_zero_and_payout_is_goods(cooperative, sales):
    ours = _issue(period(*P1))[0]
    assert (ours.fee_rate, ours.fee_yuan) == (D("0"), D("0"))
    assert ours.payout_yuan == ours.goods_yuan == D("110.00")


def test_issuing_twice_writes_nothing_the_second_time(cooperative, sales):
    first = period(*P1)
    issued = _issue(first)
    counts = (
        Statement.objects.count(),
        StatementEntry.objects.count(),
        SettlementEvent.objects.count(),
    )

    again = _issue(first)

    assert [s.pk for s in again] == [s.pk for s in issued]
    assert counts == (
        Statement.objects.count(),
        StatementEntry.objects.count(),
        SettlementEvent.objects.count(),
    )
    first.refresh_from_db()
    assert first.closed and first.issued_at is not None


def test_late_entries_come_on_the_next_statement_as_adjustments(
    cooperative, lot, channel, sales
):
    first, second = period(*P1), period(*P2)
    _issue(first)
    # Written after the first period was issued, dated in it: a late sale and
    # the reversal of an issued sale.
    sell(lot=lot, channel=channel, day=P1[0], kg="1", yuan="3.33")
    reverse_source(source_kind="counter_sale", source_id=sales - 2)

    statement = next(s for s in _issue(second) if s.cooperative_id == cooperative.pk)

    assert statement.adjustments_yuan == D("3.33") - D("99.99")
    assert statement.goods_yuan == D("5.55") + D("3.33") - D("99.99")
    adjustment = statement.lines.get(adjustment=True)
    assert adjustment.yuan == D("3.33") - D("99.99")
    # Over both periods, the statements add up to the ledger exactly.
    total = Statement.objects.filter(cooperative=cooperative).aggregate(
        t=Sum("goods_yuan")
    )["t"]
    assert total == ledger_yuan(cooperative=cooperative, start=P1[0], end=P2[1])
    assert sum(h.yuan for h in statement.households.all()) == statement.goods_yuan


def test_a_period_is_issued_only_after_it_ended_and_in_order(cooperative, sales):
    first, second = period(*P1), period(*P2)
    with pytest.raises(SettlementError) as refused:
        issue_statements(period_id=first.pk, today=P1[1])
    assert refused.value.code == "period_not_ended"
    with pytest.raises(SettlementError) as refused:
        _issue(second)
    assert refused.value.code == "earlier_period_open"
    assert not Statement.objects.exists()
    assert not SettlementPeriod.objects.filter(closed=True).exists()


def test_entries_before_the_first_period_are_not_settled(cooperative, lot, channel):
    sell(lot=lot, channel=channel, day=P1[0] - datetime.timedelta(days=1), kg="1",
         yuan="9.00")  # fmt: skip
    sell(lot=lot, channel=channel, day=P1[0], kg="1", yuan="1.00")
    statement = _issue(period(*P1))[0]
    assert statement.goods_yuan == D("1.00")


@pytest.fixture
def statement(cooperative, sales):
    return next(s for s in _issue(period(*P1)) if s.cooperative_id == cooperative.pk)


def test_staff_mark_a_payout_paid_once(statement, staff):
    payout = mark_payout_paid(statement_id=statement.pk, reference="ICBC-0001",
                              actor=staff)  # fmt: skip
    assert (payout.amount, payout.reference, payout.paid_by) == (
        D("110.00"),
        "ICBC-0001",
        staff,
    )
    assert SettlementEvent.objects.filter(kind="payout_paid").count() == 1
    with pytest.raises(SettlementError) as refused:
        mark_payout_paid(statement_id=statement.pk, reference="again", actor=staff)
    assert refused.value.code == "already_paid"
    assert Payout.objects.get().reference == "ICBC-0001"


@pytest.mark.parametrize("who", ["manager", "official"])
def test_only_staff_mark_payouts_paid(request, statement, who):
    user = request.getfixturevalue(who)
    with pytest.raises(SettlementError) as refused:
        mark_payout_paid(statement_id=statement.pk, reference="X", actor=user)
    assert refused.value.code == "forbidden"
    assert not Payout.objects.exists()
    assert not SettlementEvent.objects.filter(kind="payout_paid").exists()


def _lines(statement):
    return list(selectors.household_lines(statement=statement))


def _pay(statement, line, manager, amount, **kwargs):
    return record_household_payment(
        statement_id=statement.pk,
        household_id=line.household_id,
        amount=D(amount),
        paid_on=datetime.date(2026, 11, 1),
        method="bank_transfer",
        reference="NJ-1",
        actor=manager,
        **kwargs,
    )


def test_household_payments_and_the_unpaid_report(statement, manager, official):
    first, second, third = _lines(statement)
    assert [line.yuan for line in (first, second, third)] == [
        D("36.67"),
        D("36.67"),
        D("36.66"),
    ]
    _pay(statement, first, manager, "36.67")
    _pay(statement, second, manager, "20.00")

    unpaid = selectors.unpaid_households(
        user=official, cooperative_id=statement.cooperative_id
    )
    assert [(u.household_id, u.paid, u.outstanding) for u in unpaid] == [
        (second.household_id, D("20.00"), D("16.67")),
        (third.household_id, D("0"), D("36.66")),
    ]
    assert SettlementEvent.objects.filter(kind="household_paid").count() == 2


@pytest.mark.parametrize(
    ("amount", "code"), [("0", "invalid"), ("-1", "invalid"), ("0.001", "invalid"),
                          ("36.68", "overpayment")]
)  # fmt: skip
def test_household_payments_refused_change_nothing(statement, manager, amount, code):
    line = _lines(statement)[0]
    with pytest.raises(SettlementError) as refused:
        _pay(statement, line, manager, amount)
    assert refused.value.code == code
    assert not HouseholdPayment.objects.exists()
    assert not SettlementEvent.objects.filter(kind="household_paid").exists()


def test_an_overpayment_is_recorded_when_flagged(statement, manager):
    line = _lines(statement)[0]
    _pay(statement, line, manager, "30.00")
    payment = _pay(statement, line, manager, "10.00", allow_overpayment=True)
    assert payment.overpayment is True
    assert not selectors.unpaid_households(user=manager).filter(pk=line.pk).exists()


def test_a_household_not_in_the_statement_is_refused(statement, manager, other_lot):
    stranger = other_lot.shares.first().household_id
    with pytest.raises(SettlementError) as refused:
        record_household_payment(
            statement_id=statement.pk,
            household_id=stranger,
            amount=D("1.00"),
            paid_on=datetime.date(2026, 11, 1),
            method="cash",
            actor=manager,
        )
    assert refused.value.code == "not_in_statement"
    assert not HouseholdPayment.objects.exists()


@pytest.mark.parametrize("who", ["other_manager", "official"])
def test_only_the_cooperative_and_staff_record_household_payments(
    request, statement, who
):
    user = request.getfixturevalue(who)
    with pytest.raises(SettlementError) as refused:
        _pay(statement, _lines(statement)[0], user, "1.00")
    assert refused.value.code == "forbidden"
    assert not HouseholdPayment.objects.exists()


def test_a_manager_sees_only_the_cooperative_s_statements(
    cooperative, other_cooperative, sales, manager, other_manager, official, staff
):
    _issue(period(*P1))

    def visible(user):
        return sorted(s.cooperative_id for s in selectors.statements_visible(user=user))

    both = sorted([cooperative.pk, other_cooperative.pk])
    assert visible(manager) == [cooperative.pk]
    assert visible(other_manager) == [other_cooperative.pk]
    assert visible(official) == both
    assert visible(staff) == both


def test_the_task_issues_ended_periods_and_opens_the_next(
    cooperative, lot, channel, monkeypatch
):
    today = datetime.date(2026, 11, 25)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: today)
    period(today - datetime.timedelta(days=28), today - datetime.timedelta(days=15))
    sell(lot=lot, channel=channel, day=today - datetime.timedelta(days=20), kg="1",
         yuan="12.34")  # fmt: skip
    sell(lot=lot, channel=channel, day=today - datetime.timedelta(days=3), kg="1",
         yuan="1.11")  # fmt: skip

    assert settle_ended_periods() == 2
    assert settle_ended_periods() == 0

    periods = list(SettlementPeriod.objects.order_by("start"))
    days = datetime.timedelta(days=1)
    assert [(p.start, p.end, p.closed) for p in periods] == [
        (today - 28 * days, today - 15 * days, True),
        (today - 14 * days, today - days, True),
        (today, today + 13 * days, False),
    ]
    assert [s.goods_yuan for s in Statement.objects.order_by("period__start")] == [
        D("12.34"),
        D("1.11"),
    ]


def test_the_task_opens_the_first_period_today(db, monkeypatch):
    today = datetime.date(2026, 11, 25)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: today)
    assert settle_ended_periods() == 0
    only = SettlementPeriod.objects.get()
    assert (only.start, only.end, only.closed) == (
        today,
        today + datetime.timedelta(days=13),
        False,
    )
    assert SettlementEvent.objects.get().kind == "period_opened"
