"""Parallel orders on account never take a canteen beyond its credit limit, and
the refused ones reserve nothing.

On PostgreSQL the organisation's and the account's row locks serialise the
orders; on SQLite, BEGIN IMMEDIATE does. The ``postgres`` test is the one the
issue asks for.
"""

import pytest
from django.db.models import Sum

from billing import selectors
from billing.errors import CreditLimitExceeded
from billing.models import AccountOrder
from fulfilment.models import BulkOrder
from suppliers.models import StockLot
from tests.integration.billing_helpers import D, canteen_with_stock, open_account
from tests.integration.bulk import place
from tests.integration.test_stock_races import run_parallel

pytestmark = pytest.mark.django_db(transaction=True)


def order_race(cooperative, staff, workers):
    buyer, canteen, rice, _tea = canteen_with_stock(cooperative)
    account = open_account(staff, canteen, limit="1000.00")

    def order(_index):
        place(buyer, canteen, [(rice, 8)])  # 100.00 each
        return "ok"

    results = run_parallel(workers, order)

    assert results.count("ok") == 10
    assert all(isinstance(r, CreditLimitExceeded) for r in results if r != "ok")
    assert BulkOrder.objects.count() == 10
    assert AccountOrder.objects.aggregate(t=Sum("amount"))["t"] == D("1000.00")
    assert selectors.credit(account=account).available == D("0.00")
    lot = StockLot.objects.get(product=rice)
    assert lot.reserved_kg == D("80.000")  # ten orders of 8 kg, nothing for the rest


def test_parallel_orders_stop_at_the_credit_limit(cooperative, staff):
    order_race(cooperative, staff, 16)


@pytest.mark.postgres
def test_on_postgresql_forty_parallel_orders_never_exceed_the_limit(cooperative, staff):
    order_race(cooperative, staff, 40)
