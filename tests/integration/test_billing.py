"""Canteen accounts: orders on credit within the limit, invoices from received kg,
bank payments and credit notes matched to invoices, and the book in balance."""

import datetime

import pytest
from django.db.models import Sum
from django.utils import timezone

from billing import selectors, services
from billing.errors import BillingError, CreditLimitExceeded
from billing.models import (
    AccountEvent,
    AccountOrder,
    Book,
    Invoice,
    JournalEntry,
    Match,
    Posting,
)
from fulfilment import buyer_side
from fulfilment.models import BulkOrder
from suppliers.models import StockLot
from tests.factories import UserFactory
from tests.integration.billing_helpers import (
    D,
    canteen_with_stock,
    deliver,
    open_account,
    receive,
    received_order,
)
from tests.integration.bulk import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(cooperative):
    return canteen_with_stock(cooperative)


def reserved():
    return sorted(StockLot.objects.values_list("reserved_kg", flat=True))


def assert_book_balances():
    """Every journal entry's postings sum to zero."""
    for entry in JournalEntry.objects.all():
        total = entry.postings.aggregate(t=Sum("amount"))["t"]
        assert D(total).quantize(D("0.01")) == 0, entry


def test_a_canteen_without_an_account_orders_as_before(shop):
    buyer, canteen, rice, _tea = shop
    bulk_order = place(buyer, canteen, [(rice, 10)])
    assert bulk_order.order.status == "routed"
    assert AccountOrder.objects.count() == 0


def test_orders_on_account_count_against_the_limit_until_refused(shop, staff):
    buyer, canteen, rice, tea = shop
    account = open_account(staff, canteen, limit="1000.00")
    first = place(buyer, canteen, [(rice, 40)])  # 500.00
    assert AccountOrder.objects.get().amount == D("500.00")
    credit = selectors.credit(account=account)
    assert (credit.owed, credit.open_orders, credit.available) == (
        D("0.00"),
        D("500.00"),
        D("500.00"),
    )
    before_orders, before_reserved = BulkOrder.objects.count(), reserved()

    with pytest.raises(CreditLimitExceeded) as refused:
        place(buyer, canteen, [(tea, 7)])  # 560.00 > 500.00 left

    assert refused.value.message == (
        "This order (560.00 yuan) is beyond the canteen's credit: 500.00 yuan of "
        "1000.00 yuan is left. Nothing was ordered; pay the open invoices or ask "
        "the platform to raise the limit."
    )
    assert (refused.value.used, refused.value.needed) == (D("500.00"), D("560.00"))
    assert BulkOrder.objects.count() == before_orders
    assert reserved() == before_reserved
    second = place(buyer, canteen, [(tea, 6), (rice, 1)])  # 480 + 12.50
    assert second.order.total_incl_tax == D("492.50")
    assert selectors.credit(account=account).available == D("7.50")
    assert first.account_order.amount == D("500.00")


def test_an_order_exactly_at_the_limit_is_taken(shop, staff):
    buyer, canteen, rice, _tea = shop
    account = open_account(staff, canteen, limit="500.00")
    place(buyer, canteen, [(rice, 40)])
    assert selectors.credit(account=account).available == D("0.00")


def test_a_cancelled_order_gives_its_credit_back(shop, staff):
    buyer, canteen, rice, _tea = shop
    account = open_account(staff, canteen, limit="500.00")
    bulk_order = place(buyer, canteen, [(rice, 40)])
    buyer_side.cancel_order(order_id=bulk_order.pk, user=buyer)
    assert selectors.credit(account=account).used == D("0.00")
    place(buyer, canteen, [(rice, 40)])


def test_an_order_awaiting_approval_holds_credit(cooperative, staff):
    buyer, canteen, rice, _tea = canteen_with_stock(cooperative)
    canteen.approval_threshold = D("100.00")
    canteen.save()
    account = open_account(staff, canteen, limit="600.00")
    waiting = place(buyer, canteen, [(rice, 40)])
    assert waiting.order.status == "awaiting_approval"
    assert selectors.credit(account=account).open_orders == D("500.00")
    with pytest.raises(CreditLimitExceeded):
        place(buyer, canteen, [(rice, 10)])


def test_an_inactive_account_takes_no_orders_on_credit(shop, staff):
    buyer, canteen, rice, _tea = shop
    account = open_account(staff, canteen, limit="10.00")
    services.change_terms(account_id=account.pk, is_active=False, actor=staff)
    place(buyer, canteen, [(rice, 40)])
    assert AccountOrder.objects.count() == 0
    event = AccountEvent.objects.filter(kind="changed").get()
    assert event.detail == {
        "before": {"is_active": "True"},
        "after": {"is_active": "False"},
    }


def test_the_invoice_bills_the_received_kg(shop, staff):
    buyer, canteen, rice, tea = shop
    account = open_account(staff, canteen, limit="5000.00", days=30)
    bulk_order = received_order(buyer, canteen, [(rice, 40), (tea, 10)], "36", "10")

    invoice = Invoice.objects.get()
    today = timezone.localdate()
    assert (invoice.number, invoice.account, invoice.bulk_order) == (
        f"INV-{bulk_order.order.number}",
        account,
        bulk_order,
    )
    assert (invoice.ordered_amount, invoice.amount, invoice.settled) == (
        D("1300.00"),
        D("1250.00"),
        D("0.00"),
    )
    assert (invoice.issued_on, invoice.due_on) == (
        today,
        today + datetime.timedelta(days=30),
    )
    lines = [
        (line.title, line.ordered_kg, line.received_kg, line.amount, line.not_charged)
        for line in invoice.lines.all()
    ]
    assert lines == [
        ("连州大米", D("40.000"), D("36.000"), D("450.00"), D("50.00")),
        ("英德红茶", D("10.000"), D("10.000"), D("800.00"), D("0.00")),
    ]
    credit = selectors.credit(account=account)
    assert (credit.owed, credit.open_orders) == (D("1250.00"), D("0.00"))
    postings = sorted(
        Posting.objects.values_list("book", "account_id", "amount"), key=str
    )
    assert postings == sorted(
        [
            (Book.RECEIVABLE, account.pk, D("1250.00")),
            (Book.SALES, None, D("-1250.00")),
        ],
        key=str,
    )
    assert_book_balances()


def test_an_order_not_on_account_gets_no_invoice(shop):
    buyer, canteen, rice, _tea = shop
    received_order(buyer, canteen, [(rice, 10)], "10")
    assert Invoice.objects.count() == 0


def test_bank_payments_settle_the_oldest_invoice_first_and_keep_the_rest(shop, staff):
    buyer, canteen, rice, tea = shop
    account = open_account(staff, canteen, limit="5000.00")
    first = received_order(buyer, canteen, [(rice, 40)], "40").invoice  # 500.00
    second = received_order(buyer, canteen, [(tea, 5)], "5").invoice  # 400.00
    today = timezone.localdate()

    paid = services.record_bank_payment(
        account_id=account.pk,
        reference="ICBC-20261125-001",
        amount="600.00",
        received_on=today,
        actor=staff,
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.settled, second.settled, paid.matched) == (
        D("500.00"),
        D("100.00"),
        D("600.00"),
    )
    assert selectors.balance(account=account) == D("300.00")

    ahead = services.record_bank_payment(
        account_id=account.pk,
        reference="ICBC-20261125-002",
        amount="350.00",
        received_on=today,
        actor=staff,
    )
    second.refresh_from_db()
    assert (second.settled, ahead.matched, ahead.unmatched) == (
        D("400.00"),
        D("300.00"),
        D("50.00"),
    )
    assert selectors.balance(account=account) == D("-50.00")

    third = received_order(buyer, canteen, [(rice, 8)], "8").invoice  # 100.00
    ahead.refresh_from_db()
    assert (third.settled, ahead.matched) == (D("50.00"), D("350.00"))
    assert selectors.balance(account=account) == D("50.00")
    assert Match.objects.count() == 4
    assert_book_balances()


def test_a_payment_for_a_named_invoice_settles_that_one(shop, staff):
    buyer, canteen, rice, tea = shop
    account = open_account(staff, canteen, limit="5000.00")
    first = received_order(buyer, canteen, [(rice, 40)], "40").invoice
    second = received_order(buyer, canteen, [(tea, 5)], "5").invoice
    services.record_bank_payment(
        account_id=account.pk,
        reference="BOC-7",
        amount="400.00",
        received_on=timezone.localdate(),
        invoice_id=second.pk,
        actor=staff,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.settled, second.settled) == (D("0.00"), D("400.00"))


def test_the_same_bank_transfer_is_not_recorded_twice(shop, staff):
    _buyer, canteen, _rice, _tea = shop
    account = open_account(staff, canteen)
    arguments = {
        "account_id": account.pk,
        "reference": " CCB-42 ",
        "amount": "10.00",
        "received_on": timezone.localdate(),
        "actor": staff,
    }
    services.record_bank_payment(**arguments)
    with pytest.raises(BillingError) as refused:
        services.record_bank_payment(**{**arguments, "reference": "CCB-42"})
    assert (refused.value.code, refused.value.field) == ("duplicate", "reference")
    assert JournalEntry.objects.filter(kind="payment").count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "abc"}, "amount", "Give an amount in yuan."),
        ({"amount": "NaN"}, "amount", "Give an amount in yuan."),
        ({"amount": "0"}, "amount", "The amount must be above zero."),
        ({"amount": "-5.00"}, "amount", "The amount must be above zero."),
        (
            {"amount": "1.234"},
            "amount",
            "Give the amount in yuan and fen (two decimals at most).",
        ),
        ({"amount": "1e15"}, "amount", "The amount is too large."),
        (
            {"reference": "  "},
            "reference",
            "Give the bank's reference for the transfer.",
        ),
        (
            {"received_on": timezone.localdate() + datetime.timedelta(days=1)},
            "received_on",
            "The date cannot be in the future.",
        ),
    ],
)
def test_bad_payments_are_refused_by_field(shop, staff, changes, field, message):
    _buyer, canteen, _rice, _tea = shop
    account = open_account(staff, canteen)
    arguments = {
        "account_id": account.pk,
        "reference": "ABC-1",
        "amount": "10.00",
        "received_on": timezone.localdate(),
        "actor": staff,
        **changes,
    }
    with pytest.raises(BillingError) as refused:
        services.record_bank_payment(**arguments)
    assert (refused.value.field, refused.value.message) == (field, message)
    assert JournalEntry.objects.count() == 0


def test_only_staff_change_accounts(shop, staff):
    buyer, canteen, _rice, _tea = shop
    with pytest.raises(BillingError) as refused:
        services.open_account(
            organisation_id=canteen.pk, credit_limit="10", actor=buyer
        )
    assert refused.value.code == "forbidden"
    account = open_account(staff, canteen)
    for call in (
        lambda: services.record_bank_payment(
            account_id=account.pk,
            reference="X",
            amount="1.00",
            received_on=timezone.localdate(),
            actor=buyer,
        ),
        lambda: services.issue_credit_note(
            account_id=account.pk, amount="1.00", reason="x", actor=buyer
        ),
        lambda: services.change_terms(
            account_id=account.pk, credit_limit="99999", actor=buyer
        ),
    ):
        with pytest.raises(BillingError) as refused:
            call()
        assert refused.value.code == "forbidden"


def test_a_second_account_for_a_canteen_is_refused(shop, staff):
    _buyer, canteen, _rice, _tea = shop
    open_account(staff, canteen)
    with pytest.raises(BillingError) as refused:
        open_account(staff, canteen)
    assert (refused.value.code, refused.value.field) == ("exists", "organisation")


def test_a_credit_note_settles_its_invoice_within_its_amount(shop, staff):
    buyer, canteen, rice, _tea = shop
    account = open_account(staff, canteen)
    invoice = received_order(buyer, canteen, [(rice, 40)], "40").invoice  # 500.00
    with pytest.raises(BillingError) as refused:
        services.issue_credit_note(
            account_id=account.pk,
            amount="500.01",
            reason="菜心发黄",
            invoice_id=invoice.pk,
            actor=staff,
        )
    assert refused.value.message == (
        f"At most 500.00 yuan can be credited on invoice {invoice.number}."
    )
    note = services.issue_credit_note(
        account_id=account.pk,
        amount="60.00",
        reason="菜心发黄",
        invoice_id=invoice.pk,
        actor=staff,
    )
    invoice.refresh_from_db()
    assert (note.number, note.matched, invoice.settled) == (
        f"CN-{account.pk:04d}-0001",
        D("60.00"),
        D("60.00"),
    )
    assert selectors.balance(account=account) == D("440.00")
    assert sorted(
        Posting.objects.filter(entry__credit_note=note).values_list("book", "amount")
    ) == [(Book.ALLOWANCES, D("60.00")), (Book.RECEIVABLE, D("-60.00"))]


def test_an_invoice_of_another_canteen_is_refused(shop, staff, cooperative):
    _buyer, canteen, rice, _tea = shop
    account = open_account(staff, canteen)
    other_buyer = UserFactory(username="other_buyer")
    other = canteen_with_stock(cooperative, buyer_name="other_buyer2")[1]
    other.members.create(user=other_buyer, role="buyer")
    open_account(staff, other)
    foreign = received_order(other_buyer, other, [(rice, 4)], "4").invoice
    with pytest.raises(BillingError) as refused:
        services.record_bank_payment(
            account_id=account.pk,
            reference="R-1",
            amount="5.00",
            received_on=timezone.localdate(),
            invoice_id=foreign.pk,
            actor=staff,
        )
    assert (refused.value.field, refused.value.message) == (
        "invoice",
        "This invoice is not one of the canteen's.",
    )


def test_overdue_invoices_are_those_past_due_with_money_owed(shop, staff):
    buyer, canteen, rice, _tea = shop
    account = open_account(staff, canteen, days=14)
    invoice = received_order(buyer, canteen, [(rice, 8)], "8").invoice
    due = invoice.due_on
    invoices = Invoice.objects.all()
    assert list(selectors.overdue(invoices, today=due)) == []
    assert list(selectors.overdue(invoices, today=due + datetime.timedelta(1))) == [
        invoice
    ]
    services.record_bank_payment(
        account_id=account.pk,
        reference="P-1",
        amount="100.00",
        received_on=timezone.localdate(),
        actor=staff,
    )
    assert list(selectors.overdue(invoices, today=due + datetime.timedelta(1))) == []


def test_nothing_received_is_invoiced_at_zero_and_posts_nothing(shop, staff):
    buyer, canteen, rice, _tea = shop
    account = open_account(staff, canteen)
    bulk_order = place(buyer, canteen, [(rice, 8)])
    deliver(bulk_order)
    receive(buyer, bulk_order, "0")
    invoice = Invoice.objects.get()
    assert (invoice.amount, invoice.ordered_amount) == (D("0.00"), D("100.00"))
    assert JournalEntry.objects.count() == 0
    assert selectors.credit(account=account).used == D("0.00")
