"""End to end with a real Celery worker on Redis, against the test database."""

import datetime
import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from suppliers.models import MovementKind
from suppliers.tasks import write_off_expired_lots
from tests.factories import make_lot, stockrecord_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_queue():
    """A Celery worker process reading a queue of its own, on the test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
            if connection.vendor == "postgresql"
            else os.environ.get("DATABASE_URL", "")
        ),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "shop",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
    )
    yield queue
    process.terminate()
    process.wait(timeout=30)


def wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


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
