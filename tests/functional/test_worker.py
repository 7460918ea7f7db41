"""End to end with a real Celery worker on Redis, against the test database."""

import datetime
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from suppliers.models import MovementKind
from suppliers.tasks import write_off_expired_lots
from tests.factories import make_lot, stockrecord_for
from tests.functional.workers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_worker_writes_off_expired_lots_once(cooperative, product, worker_queue):
    today = timezone.localdate()
    expired = make_lot(
        cooperative=cooperative,
        product=product,
        kg="25",
        harvest_date=today - datetime.timedelta(days=9),
        best_before=today - datetime.timedelta(days=1),
    )
    make_lot(cooperative=cooperative, product=product, kg="10")

    write_off_expired_lots.apply_async(queue=worker_queue)
    write_off_expired_lots.apply_async(queue=worker_queue)  # a duplicate delivery

    def written_off():
        expired.refresh_from_db()
        return expired.on_hand_kg == 0

    assert wait_for(written_off), "the worker did not process the task within 60 s"
    time.sleep(1)  # let the duplicate run too
    assert expired.movements.filter(kind=MovementKind.WRITTEN_OFF).count() == 1
    record = stockrecord_for(cooperative=cooperative, product=product)
    assert (record.num_in_stock, record.num_allocated) == (2, 0)
    assert expired.received_kg == Decimal("25")
