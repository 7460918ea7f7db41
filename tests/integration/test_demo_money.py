"""The demo's money: the fortnight that holds last week's receipt is settled
(statement figures equal the ledger to the fen), its payout is paid, some of the
cooperative's households are paid and the rest are listed as unpaid; the demo
love cards have their printed numbers, PINs and balances; the demo canteen buys on
account: last week's order invoiced for the kg received, part of it paid by bank
transfer, the next order counting against the limit; a rerun changes nothing.

Loaded once for the module without the H1 2020 history (dated before the first
period, it is never settled), inside a transaction rolled back at its end; each
test runs in a savepoint of it.
"""

import datetime
import io
from collections import defaultdict
from decimal import ROUND_DOWN, Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from billing import selectors
from billing.demo import ensure_account, ensure_payment, payment_reference
from billing.models import (
    Account,
    AccountEvent,
    AccountOrder,
    BankPayment,
    Invoice,
    Match,
    Posting,
)
from canteens.demo import BUYER_CANTEEN
from fulfilment.models import BulkOrder, OrderStatus, ReceiptLine
from ledger.models import LedgerEntry
from lovecards import services as card_services
from lovecards.demo import DEMO_CARDS, FACE_VALUE, UNION
from lovecards.errors import WrongPin
from lovecards.models import CardBatch, CardTransaction, LoveCard
from settlement.demo import PAID_IN_FULL, payout_reference
from settlement.models import (
    HouseholdPayment,
    Payout,
    SettlementEvent,
    SettlementPeriod,
    Statement,
    StatementEntry,
)
from settlement.selectors import fen, unpaid_households
from settlement.services import platform_fee
from tests.integration.test_demo import _snapshot

D = Decimal
WANZAI = "英德市万仔蚕桑专业合作社"


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """``load_demo --no-history``; its output."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("load_demo", "--no-history", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(loaded, db):
    return loaded


@pytest.fixture
def statement(demo):
    return Statement.objects.select_related("period").get()


def period_entries(statement):
    return LedgerEntry.objects.filter(
        cooperative_id=statement.cooperative_id,
        sale_date__range=(statement.period.start, statement.period.end),
    )


# --- settlement ---------------------------------------------------------------------


def test_the_fortnight_to_yesterday_is_issued_and_the_next_is_open(demo):
    today = timezone.localdate()

    periods = list(SettlementPeriod.objects.order_by("start"))

    assert [(p.start, p.end, p.closed) for p in periods] == [
        (today - datetime.timedelta(days=14), today - datetime.timedelta(days=1), True),
        (today, today + datetime.timedelta(days=13), False),
    ]
    # Last week's receipt, the demo's only recent sale, is in the issued period.
    dates = set(LedgerEntry.objects.values_list("sale_date", flat=True))
    assert dates and all(periods[0].start <= d <= periods[0].end for d in dates)


def test_one_statement_for_the_cooperative_with_sales_equals_the_ledger(statement):
    fields = ("pk", "household_id", "kg", "yuan")
    entries = list(period_entries(statement).values_list(*fields))

    assert statement.cooperative.name == WANZAI
    assert statement.number == (
        f"JS{statement.period.start:%Y%m%d}-{statement.cooperative_id}"
    )
    # Added up in Python, entry by entry: exact to the fen and the gram.
    goods_yuan = sum(yuan for *_rest, yuan in entries)
    assert statement.goods_yuan == goods_yuan
    assert statement.goods_kg == sum(kg for _pk, _h, kg, _yuan in entries)
    assert statement.adjustments_yuan == D("0.00")
    assert statement.fee_yuan == platform_fee(goods_yuan, statement.fee_rate)
    assert statement.payout_yuan == goods_yuan - statement.fee_yuan
    assert set(StatementEntry.objects.values_list("entry_id", flat=True)) == {
        pk for pk, *_rest in entries
    }
    assert sum(line.yuan for line in statement.lines.all()) == goods_yuan
    per_household = defaultdict(Decimal)
    for _pk, household, _kg, yuan in entries:
        per_household[household] += yuan
    assert {
        line.household_id: line.yuan for line in statement.households.all()
    } == per_household
    assert len(per_household) > PAID_IN_FULL + 1


def test_staff_marked_the_payout_paid_with_a_bank_reference(statement):
    payout = Payout.objects.get()

    assert payout.statement == statement
    assert payout.amount == statement.payout_yuan
    assert payout.reference == payout_reference(statement)
    assert payout.reference == (
        f"GDRCU-{statement.period.end:%Y%m%d}-{statement.cooperative_id:04d}"
    )
    assert payout.paid_by == User.objects.get(username="staff")


def test_some_households_are_paid_and_the_rest_listed_unpaid(statement, client):
    lines = list(statement.households.order_by("household__archive_number"))
    official = User.objects.get(username="official")

    payments = list(
        HouseholdPayment.objects.order_by("line__household__archive_number")
    )

    half = lines[PAID_IN_FULL]
    assert [(p.line_id, p.amount) for p in payments] == [
        (line.pk, line.yuan) for line in lines[:PAID_IN_FULL]
    ] + [(half.pk, (half.yuan / 2).quantize(D("0.01"), ROUND_DOWN))]
    assert {p.recorded_by.username for p in payments} == {"manager"}
    assert not any(p.overpayment for p in payments)
    unpaid = list(unpaid_households(user=official))
    assert [row.pk for row in unpaid] == [line.pk for line in lines[PAID_IN_FULL:]]
    partly = unpaid[0]
    assert (fen(partly.paid), fen(partly.outstanding)) == (
        payments[-1].amount,
        half.yuan - payments[-1].amount,
    )
    outstanding = sum(fen(row.outstanding) for row in unpaid)
    assert outstanding == statement.goods_yuan - sum(p.amount for p in payments)

    client.force_login(official)
    page = client.get("/reports/settlement/").content.decode()
    assert f"{len(unpaid)} household lines unpaid: {outstanding} yuan" in page
    for line in lines[PAID_IN_FULL + 1 :]:
        assert line.household.archive_number in page
    for line in lines[:PAID_IN_FULL]:
        assert line.household.archive_number not in page


def test_every_settlement_change_has_its_event(statement):
    kinds = list(SettlementEvent.objects.values_list("kind", "actor__username"))

    assert kinds == [
        ("period_opened", "staff"),
        ("statement_issued", "staff"),
        ("period_issued", "staff"),
        ("period_opened", "staff"),
        ("payout_paid", "staff"),
    ] + [("household_paid", "manager")] * (PAID_IN_FULL + 1)


def test_the_output_sums_up_the_settlement(demo, statement):
    lines = statement.households.count()

    assert (
        f"Settlement: periods issued 1, statements 1 ({statement.goods_yuan:,} yuan), "
        f"payouts paid 1; households paid {PAID_IN_FULL + 1} of {lines} "
        "(the rest: /reports/settlement/)."
    ) in demo


# --- love cards ----------------------------------------------------------------------


def test_the_union_has_three_cards_with_their_face_value(demo):
    batch = CardBatch.objects.get()
    cards = list(LoveCard.objects.order_by("number"))

    assert (batch.organisation_name, batch.organisation.name) == (UNION, BUYER_CANTEEN)
    assert (batch.count, batch.face_value) == (3, FACE_VALUE) == (3, D("500.00"))
    assert batch.expires_on == datetime.date(timezone.localdate().year + 1, 12, 31)
    assert batch.issued_by.username == "staff"
    assert [c.number for c in cards] == [
        "8668202000000016",
        "8668202000000024",
        "8668202000000032",
    ]
    assert [c.number for c in cards] == [c.number for c in DEMO_CARDS]
    for card in cards:
        assert (card.balance, card.status, card.failed_attempts) == (
            D("500.00"),
            "active",
            0,
        )
        assert card.transactions.aggregate(total=Sum("amount"))["total"] == card.balance
    assert CardTransaction.objects.filter(kind="issue").count() == 3
    assert CardTransaction.objects.exclude(kind="issue").count() == 0


def test_the_printed_numbers_and_pins_open_the_cards(demo):
    for card in DEMO_CARDS:
        assert f"  {card.grouped_number}  PIN {card.pin}" in demo
        checked = card_services.check_card(number=card.grouped_number, pin=card.pin)
        assert checked.number == card.number

    with pytest.raises(WrongPin):
        card_services.check_card(number=DEMO_CARDS[0].number, pin=DEMO_CARDS[1].pin)
    assert LoveCard.objects.get(number=DEMO_CARDS[0].number).failed_attempts == 1
    assert "8668 2020 0000 0016  PIN 520131" in demo


# --- the canteen account ------------------------------------------------------------


@pytest.fixture
def account(demo):
    return Account.objects.select_related("organisation").get()


def test_the_demo_canteen_buys_on_account_and_both_orders_are_on_it(account):
    received = BulkOrder.objects.get(order__status=OrderStatus.RECEIVED)
    routed = BulkOrder.objects.get(order__status=OrderStatus.ROUTED)

    assert account.organisation.name == BUYER_CANTEEN
    assert (account.credit_limit, account.payment_terms_days, account.is_active) == (
        D("50000.00"),
        30,
        True,
    )
    assert list(AccountEvent.objects.values_list("kind", "actor__username")) == [
        ("opened", "staff")
    ]
    assert sorted(
        AccountOrder.objects.values_list("bulk_order_id", "amount", "account_id")
    ) == [
        (received.pk, D("3560.00"), account.pk),
        (routed.pk, D("2580.00"), account.pk),
    ]
    assert received.order.total_incl_tax == D("3560.00")
    assert routed.order.total_incl_tax == D("2580.00")


def test_last_weeks_order_is_invoiced_for_the_kg_received(account):
    today = timezone.localdate()
    received = BulkOrder.objects.get(order__status=OrderStatus.RECEIVED)
    invoice = Invoice.objects.get()

    assert invoice.bulk_order == received
    assert invoice.number == f"INV-{received.order.number}"
    assert (invoice.issued_on, invoice.due_on) == (
        today,
        today + datetime.timedelta(days=30),
    )
    assert (invoice.ordered_amount, invoice.amount) == (D("3560.00"), D("3467.00"))
    # 1.5 kg of the 1 kg packs at 62.00 did not arrive: 93.00 not charged.
    assert list(
        invoice.lines.values_list("ordered_kg", "received_kg", "unit_price", "amount")
    ) == [
        (D("40.000"), D("38.500"), D("62.00"), D("2387.00")),
        (D("15.000"), D("15.000"), D("18.00"), D("1080.00")),
    ]
    receipt = ReceiptLine.objects.filter(receipt__bulk_order=received)
    assert invoice.amount == sum(line.amount for line in receipt)


def test_a_bank_transfer_paid_part_of_the_invoice(account):
    today = timezone.localdate()
    invoice = Invoice.objects.get()
    payment = BankPayment.objects.get()

    assert payment.reference == f"ICBC-{today:%Y%m%d}-{account.pk:06d}"
    assert payment.reference == payment_reference(account=account, received_on=today)
    assert (payment.amount, payment.matched, payment.received_on) == (
        D("1700.00"),
        D("1700.00"),
        today,
    )
    assert (payment.invoice, payment.recorded_by.username) == (invoice, "staff")
    assert list(Match.objects.values_list("invoice_id", "payment_id", "amount")) == [
        (invoice.pk, payment.pk, D("1700.00"))
    ]
    assert (invoice.settled, invoice.outstanding) == (D("1700.00"), D("1767.00"))
    credit = selectors.credit(account=account)
    assert (credit.owed, credit.open_orders, credit.used, credit.available) == (
        D("1767.00"),
        D("2580.00"),
        D("4347.00"),
        D("45653.00"),
    )
    # The book: the invoice and the payment, each balanced.
    assert list(
        Posting.objects.order_by("pk").values_list(
            "entry__kind", "book", "account_id", "amount"
        )
    ) == [
        ("invoice", "receivable", account.pk, D("3467.00")),
        ("invoice", "sales", None, D("-3467.00")),
        ("payment", "bank", None, D("1700.00")),
        ("payment", "receivable", account.pk, D("-1700.00")),
    ]


def test_the_buyer_sees_the_account_with_the_invoice_and_the_payment(account, client):
    invoice = Invoice.objects.get()
    client.force_login(User.objects.get(username="buyer"))

    response = client.get("/canteen/account/")

    assert response.status_code == 200
    [section] = response.context["sections"]
    assert section.account == account
    figures = section.figures
    assert (
        figures.limit,
        figures.owed,
        figures.open_orders,
        figures.available,
        figures.overdue,
    ) == (D("50000.00"), D("1767.00"), D("2580.00"), D("45653.00"), D("0.00"))
    assert [row.invoice for row in section.open_invoices] == [invoice]
    assert [p.reference for p in section.payments] == [
        BankPayment.objects.get().reference
    ]
    html = response.content.decode()
    assert f'<tr data-invoice="{invoice.number}">' in html
    assert '<td class="text-right outstanding">¥1,767.00</td>' in html
    assert '<dd class="col-sm-8 figure-owed">¥1,767.00</dd>' in html
    assert f'href="/canteen/account/invoices/{invoice.pk}.pdf"' in html


def test_staff_see_the_account_in_the_dashboard_list(account, client):
    client.force_login(User.objects.get(username="staff"))

    response = client.get("/dashboard/canteen-accounts/")

    assert response.status_code == 200
    assert [
        (
            row.account,
            row.figures.owed,
            row.figures.open_orders,
            row.figures.available,
        )
        for row in response.context["rows"]
    ] == [(account, D("1767.00"), D("2580.00"), D("45653.00"))]


def test_the_output_sums_up_the_account(demo):
    assert (
        f"Canteen account of {BUYER_CANTEEN}: limit 50,000.00 yuan, owed 1,767.00, "
        "orders not yet invoiced 2,580.00; invoices 1, payments 1 "
        "(/canteen/account/, /dashboard/canteen-accounts/)."
    ) in demo


def test_a_later_day_records_no_second_payment(account):
    later = timezone.localdate() + datetime.timedelta(days=1)

    assert (ensure_account(), ensure_payment(today=later)) == (False, False)
    assert BankPayment.objects.count() == 1


# --- idempotence ---------------------------------------------------------------------


def test_a_rerun_changes_nothing_and_prints_the_same(demo):
    before = _snapshot()
    out = io.StringIO()

    call_command("load_demo", "--no-history", stdout=out)

    assert {k: v for k, v in _snapshot().items() if k != "sessions.Session"} == {
        k: v for k, v in before.items() if k != "sessions.Session"
    }
    tail = demo[demo.index("Settlement: ") :]
    assert out.getvalue().endswith(tail)
