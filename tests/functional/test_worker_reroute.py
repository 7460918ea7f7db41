"""A worker killed (``kill -9``) in the middle of a re-route: after a restart the
re-route completes exactly once.

The test holds a row lock the re-route needs (the stock record of the lot it will
route to), so the worker is caught inside the task's transaction; it is killed
there, PostgreSQL rolls its transaction back, the task was never acknowledged
(``acks_late``), and Redis hands it to the next worker once the visibility
timeout (2 s here) has passed.
"""

import time

import psycopg
import pytest
from django.db import connection
from django.db.models import Sum

from fulfilment import cooperative_side, rerouting
from fulfilment.models import Allocation, AllocationEvent, AllocationStatus
from fulfilment.rerouting import reroute_order_task
from suppliers.models import StockLot
from tests.factories import (
    ProductFactory,
    UserFactory,
    make_canteen,
    make_lot,
    stockrecord_for,
)
from tests.functional.workers import start_worker, stop_worker, wait_for
from tests.integration.bulk import D, place

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]
VISIBILITY = "2"


def worker_waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_killed_reroute_completes_exactly_once_after_restart(
    cooperative, other_cooperative, queue_name, settings, monkeypatch
):
    settings.NONGJIA_LOT_RECEIVED_HOOKS = []
    # The rejection's own after-commit re-route would go to the default queue;
    # this test sends the task itself, to its worker's queue.
    monkeypatch.setattr(rerouting, "reroute_after_commit", lambda order_id: None)
    buyer = UserFactory()
    canteen = make_canteen(buyers=[buyer])
    product = ProductFactory(net_weight_kg=D("1"))
    make_lot(cooperative=cooperative, product=product, kg="50")
    target = make_lot(cooperative=other_cooperative, product=product, kg="50")
    bulk_order = place(buyer, canteen, [(product, 30)])
    [first] = Allocation.objects.all()
    cooperative_side.reject_allocation(allocation_id=first.pk, reason="no truck")
    record = stockrecord_for(cooperative=other_cooperative, product=product)

    db = connection.settings_dict
    blocker = psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"]
    )
    blocker.execute(
        "SELECT id FROM partner_stockrecord WHERE id = %s FOR UPDATE", [record.pk]
    )
    worker = start_worker(queue_name, CELERY_VISIBILITY_TIMEOUT=VISIBILITY)
    try:
        reroute_order_task.apply_async(args=[bulk_order.pk], queue=queue_name)
        assert wait_for(worker_waiting_on_a_lock), "the worker never started"
        worker.kill()  # SIGKILL, mid-transaction
        worker.wait(timeout=10)
    finally:
        blocker.rollback()
        blocker.close()

    assert not Allocation.objects.filter(lot=target).exists()
    time.sleep(float(VISIBILITY) + 0.5)
    worker = start_worker(queue_name, CELERY_VISIBILITY_TIMEOUT=VISIBILITY)
    try:
        assert wait_for(lambda: Allocation.objects.filter(lot=target).exists())
        time.sleep(float(VISIBILITY) + 1)  # room for a wrong second run
    finally:
        stop_worker(worker)

    [second] = Allocation.objects.filter(lot=target)
    assert (second.kg, second.status) == (D("30.000"), AllocationStatus.PENDING)
    assert AllocationEvent.objects.filter(allocation__lot=target).count() == 1
    assert StockLot.objects.aggregate(kg=Sum("reserved_kg"))["kg"] == D("30.000")
    assert bulk_order.bulk_lines.get().short_kg == D("0.000")
