"""Concurrent bulk orders: exact reservations, no deadlocks, no duplicates.

Threads with their own database connections, as Oscar's
``tests/integration/order/test_stockrecord_locking.py`` does. On PostgreSQL the
row locks (order of locking fixed: canteen, stock records, lots, cooperatives)
serialise the writers that share stock; on SQLite, BEGIN IMMEDIATE does.
"""

import random
import threading

import pytest
from django.db import connection
from django.db.models import F, Sum

from fulfilment.errors import InsufficientStock
from fulfilment.models import Allocation, BulkLine, BulkOrder
from fulfilment.placing import place_bulk_order
from suppliers.models import StockLot
from tests.factories import ProductFactory, UserFactory, make_canteen, make_lot
from tests.integration.bulk import D, order_input

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 30  # at once: PostgreSQL allows 100 connections, and xdist runs two


def run_many(count: int, action) -> list:
    """Run ``action(i)`` for every i < count on THREADS threads that start
    together, each with its own connection; returns each result or exception."""
    threads = min(THREADS, count)
    barrier = threading.Barrier(threads)
    results: list = [None] * count

    def work(first):
        try:
            barrier.wait()
            for index in range(first, count, threads):
                try:
                    results[index] = action(index)
                except Exception as exc:  # the test inspects what happened
                    results[index] = exc
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    return results


@pytest.fixture
def buyer(db):
    return UserFactory()


@pytest.fixture
def canteen(buyer):
    return make_canteen(buyers=[buyer])


def test_200_orders_for_50_kg_reserve_exactly_50(
    buyer, canteen, cooperative, other_cooperative
):
    product = ProductFactory(net_weight_kg=D("1"))
    make_lot(cooperative=cooperative, product=product, kg="30")
    make_lot(cooperative=other_cooperative, product=product, kg="20")
    wanted = [1 + i % 3 for i in range(200)]

    def order(index):
        data = order_input(canteen, [(product, wanted[index])])
        return place_bulk_order(user=buyer, data=data).bulk_order

    results = run_many(200, order)

    assert [r for r in results if isinstance(r, Exception)] == []
    for lot in StockLot.objects.all():
        assert D(0) <= lot.reserved_kg <= lot.on_hand_kg
    assert Allocation.objects.aggregate(kg=Sum("kg"))["kg"] == D("50.000")
    assert StockLot.objects.aggregate(kg=Sum("reserved_kg"))["kg"] == D("50.000")
    # Every line: what was ordered is what was allocated plus what is short.
    lines = BulkLine.objects.annotate(allocated=Sum("allocations__kg"))
    assert BulkOrder.objects.count() == 200
    for line in lines:
        assert line.ordered_kg == (line.allocated or 0) + line.short_kg
    assert sum(line.ordered_kg - line.short_kg for line in lines) == D("50.000")


def test_all_or_nothing_losers_get_insufficient_stock_and_reserve_nothing(
    buyer, canteen, cooperative
):
    product = ProductFactory(net_weight_kg=D("1"))
    make_lot(cooperative=cooperative, product=product, kg="50")

    def order(_):
        data = order_input(canteen, [(product, 2)], all_or_nothing=True)
        return place_bulk_order(user=buyer, data=data).bulk_order

    results = run_many(120, order)

    placed = [r for r in results if isinstance(r, BulkOrder)]
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert (len(placed), len(refused), len(results)) == (25, 95, 120)
    assert BulkOrder.objects.count() == 25
    assert StockLot.objects.get().reserved_kg == D("50.000")
    assert not BulkLine.objects.filter(short_kg__gt=0).exists()


def test_50_orders_for_the_same_products_in_shuffled_order_all_succeed(
    buyer, canteen, cooperative, other_cooperative
):
    products = [ProductFactory(net_weight_kg=D("1")) for _ in range(10)]
    for product in products:
        make_lot(cooperative=cooperative, product=product, kg="300")
        make_lot(cooperative=other_cooperative, product=product, kg="300")
    shuffles = []
    for seed in range(50):
        lines = [(p, 5) for p in products]
        random.Random(seed).shuffle(lines)
        shuffles.append(lines)

    def order(index):
        data = order_input(canteen, shuffles[index])
        return place_bulk_order(user=buyer, data=data).bulk_order

    results = run_many(50, order)

    assert [r for r in results if not isinstance(r, BulkOrder)] == []
    assert not BulkLine.objects.filter(short_kg__gt=0).exists()
    assert StockLot.objects.aggregate(kg=Sum("reserved_kg"))["kg"] == D("2500.000")
    assert not StockLot.objects.filter(reserved_kg__gt=F("on_hand_kg")).exists()


def test_one_idempotency_key_sent_ten_times_at_once_makes_one_order(
    buyer, canteen, cooperative, product
):
    make_lot(cooperative=cooperative, product=product, kg="100")
    data = order_input(canteen, [(product, 3)])

    def order(_):
        placed = place_bulk_order(user=buyer, data=data, idempotency_key="same")
        return placed.bulk_order.pk

    results = run_many(10, order)

    assert BulkOrder.objects.count() == 1
    assert results == [BulkOrder.objects.get().pk] * 10
    assert StockLot.objects.get().reserved_kg == D("15.000")
