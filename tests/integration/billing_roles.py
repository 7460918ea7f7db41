"""Two canteens on account, and a user for each role, for the tests of the
account pages and API.

Ours (limit 5,000.00, 30 days): invoice A 500.00 (rice, past due since
yesterday), invoice B 400.00 (tea, due in 30 days), an order of 100.00 not yet
invoiced. So: owed 900.00, open orders 100.00, available 4,000.00, overdue
500.00. Theirs (limit 800.00): one invoice of 50.00.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from billing.models import Account, Invoice
from tests.factories import UserFactory, make_canteen
from tests.integration.billing_helpers import (
    D,
    canteen_with_stock,
    open_account,
    received_order,
)
from tests.integration.bulk import place


@dataclass
class Accounts:
    buyer: object
    approver: object
    other_buyer: object
    canteen: object
    other: object
    account: Account
    other_account: Account
    overdue_invoice: Invoice
    current_invoice: Invoice
    other_invoice: Invoice


def two_canteens(*, cooperative, staff) -> Accounts:
    buyer, canteen, rice, tea = canteen_with_stock(cooperative)
    approver = UserFactory(username="canteen_approver")
    canteen.members.create(user=approver, role="approver")
    account = open_account(staff, canteen, limit="5000.00", days=30)
    first = received_order(buyer, canteen, [(rice, 40)], "40").invoice
    second = received_order(buyer, canteen, [(tea, 5)], "5").invoice
    place(buyer, canteen, [(rice, 8)])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Invoice.objects.filter(pk=first.pk).update(due_on=yesterday)
    first.refresh_from_db()

    other_buyer = UserFactory(username="other_buyer")
    other = make_canteen(name="越秀区第一中学食堂", buyers=[other_buyer])
    other_account = open_account(staff, other, limit="800.00")
    third = received_order(other_buyer, other, [(rice, 4)], "4").invoice
    assert (first.amount, second.amount, third.amount) == (
        D("500.00"),
        D("400.00"),
        D("50.00"),
    )
    return Accounts(
        buyer=buyer,
        approver=approver,
        other_buyer=other_buyer,
        canteen=canteen,
        other=other,
        account=account,
        other_account=other_account,
        overdue_invoice=first,
        current_invoice=second,
        other_invoice=third,
    )


def this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def next_month() -> str:
    today = timezone.localdate()
    first = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    return first.strftime("%Y-%m")
