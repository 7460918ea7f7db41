"""Parallel writers never take the same kilograms twice.

Runs on whichever database is configured: on PostgreSQL the row locks
(``select_for_update``) serialise writers; on SQLite, BEGIN IMMEDIATE does.
"""

import math
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from suppliers import stock
from suppliers.errors import StockConflict
from suppliers.models import StockLot
from tests.factories import make_lot, stockrecord_for

D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)


def run_parallel(workers: int, action) -> list:
    """Start ``workers`` threads at once; returns each one's result or exception."""
    barrier = threading.Barrier(workers)
    results: list = [None] * workers

    def work(index):
        try:
            barrier.wait()
            results[index] = action(index)
        except Exception as exc:  # the test inspects what happened
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_forty_buyers_cannot_oversell_fifty_units(cooperative, product):
    """The stock-Oscar failure (52 of 50 sold) cannot happen: exactly 50 go."""
    make_lot(cooperative=cooperative, product=product, kg="150")  # 30 units
    make_lot(cooperative=cooperative, product=product, kg="100")  # 20 units
    record = stockrecord_for(cooperative=cooperative, product=product)
    assert record.num_in_stock == 50

    def buy(_):
        fresh = stockrecord_for(cooperative=cooperative, product=product)
        fresh.allocate(2)
        return "ok"

    results = run_parallel(40, buy)

    assert results.count("ok") == 25
    assert all(isinstance(r, StockConflict) for r in results if r != "ok")
    record.refresh_from_db()
    assert (record.num_in_stock, record.num_allocated) == (50, 50)
    assert StockLot.objects.aggregate(r=Sum("reserved_kg"))["r"] == D("250.000")


def test_parallel_reservations_on_one_lot_stop_at_its_kg(cooperative, product):
    lot = make_lot(cooperative=cooperative, product=product, kg="50")

    def reserve(_):
        stock.reserve_lot(lot_id=lot.pk, kg=D("3"), reason="race")
        return "ok"

    results = run_parallel(24, reserve)

    assert results.count("ok") == 16  # 16 x 3 kg = 48 kg; the 17th would need 51
    lot.refresh_from_db()
    assert lot.reserved_kg == D("48.000")
    assert lot.movements.filter(kind="reserved").count() == 16


def test_mixed_parallel_writers_keep_lots_and_stockrecord_exact(cooperative, product):
    lots = [
        make_lot(cooperative=cooperative, product=product, kg="40") for _ in range(2)
    ]

    def act(index):
        lot_id = lots[index % 2].pk
        kind = index % 3
        if kind == 0:
            stock.reserve_lot(lot_id=lot_id, kg=D("4"), reason="race")
        elif kind == 1:
            stock.write_off_lot(lot_id=lot_id, kg=D("3"), reason="race")
        else:
            stock.adjust_lot(lot_id=lot_id, delta_kg=D("-2"), reason="race")
        return "ok"

    results = run_parallel(18, act)

    assert [r for r in results if r != "ok" and not isinstance(r, StockConflict)] == []
    for lot in lots:
        lot.refresh_from_db()
        sums = lot.movements.aggregate(
            o=Sum("on_hand_delta_kg"), r=Sum("reserved_delta_kg")
        )
        assert (sums["o"], sums["r"]) == (lot.on_hand_kg, lot.reserved_kg)
        assert D(0) <= lot.reserved_kg <= lot.on_hand_kg
    on_hand = sum(lot.on_hand_kg for lot in lots)
    reserved = sum(lot.reserved_kg for lot in lots)
    record = stockrecord_for(cooperative=cooperative, product=product)
    assert record.num_in_stock == math.floor(on_hand / 5)
    assert record.num_allocated == math.ceil(reserved / 5)
