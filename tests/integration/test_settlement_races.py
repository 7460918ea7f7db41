"""Parallel settlement writers: a period is issued once, a payout paid once, and
parallel payments to one household never overpay it. On PostgreSQL the row locks
(period, then statement, then household line) serialise them; on SQLite, BEGIN
IMMEDIATE does."""

import datetime

import pytest

from settlement.errors import SettlementError
from settlement.models import HouseholdPayment, Payout, Statement, StatementEntry
from settlement.services import (
    issue_statements,
    mark_payout_paid,
    record_household_payment,
)
from tests.integration.settlement_setup import (
    D,
    counter_channel,
    period,
    sell,
    three_household_lot,
)
from tests.integration.test_stock_races import run_parallel

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = datetime.date(2026, 11, 25)
P1 = (datetime.date(2026, 10, 1), datetime.date(2026, 10, 14))


@pytest.fixture
def first(cooperative, product):
    lot = three_household_lot(cooperative=cooperative, product=product)
    sell(lot=lot, channel=counter_channel(), day=P1[0], kg="10", yuan="99.99")
    return period(*P1)


def test_parallel_issues_make_one_statement(first):
    results = run_parallel(
        8, lambda _: len(issue_statements(period_id=first.pk, today=TODAY))
    )
    assert results == [1] * 8
    assert Statement.objects.count() == 1
    assert StatementEntry.objects.count() == 3


def test_parallel_payouts_pay_once(first, staff):
    statement = issue_statements(period_id=first.pk, today=TODAY)[0]

    def pay(index):
        mark_payout_paid(statement_id=statement.pk, reference=f"R{index}", actor=staff)
        return "ok"

    results = run_parallel(8, pay)
    assert results.count("ok") == 1
    assert all(isinstance(r, SettlementError) for r in results if r != "ok")
    assert Payout.objects.count() == 1


def test_parallel_household_payments_never_overpay(first, manager):
    statement = issue_statements(period_id=first.pk, today=TODAY)[0]
    line = statement.households.order_by("household__archive_number").first()
    assert line.yuan == D("33.33")

    def pay(_):
        record_household_payment(
            statement_id=statement.pk,
            household_id=line.household_id,
            amount=D("10.00"),
            paid_on=datetime.date(2026, 11, 1),
            method="cash",
            actor=manager,
        )
        return "ok"

    results = run_parallel(8, pay)
    assert results.count("ok") == 3  # 30.00 of 33.33; a fourth would overpay
    assert HouseholdPayment.objects.count() == 3
