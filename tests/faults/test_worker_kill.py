"""A Celery worker killed with ``kill -9`` a hundred times in the middle of real
tasks: once the queue is empty, every effect has happened exactly once.

The worker is started as ``deploy/bin/worker`` starts it (production settings,
prefork pool of two, ``acks_late``) on a database of its own copied from the
migrated template (``nongjia_fault_kill``) and a private redis-server. Its work
is three real tasks, sent the way the shop sends them, after commit:

- ``fulfilment.reroute_order``: a cooperative rejects its allocation and the
  order is routed to another cooperative's lot;
- ``payments.tasks.send_refund``: a refund sent to the fake Stripe API (which
  answers after a random pause, so kills land between Stripe refunding and our
  recording it);
- ``reports.tasks.run_export``: a report's CSV written in the background;

and the emails the re-routes send (``fulfilment.emails.send``).

Nineteen kills in twenty take one pool process: the worker sees it lost and,
with ``task_reject_on_worker_lost``, puts the task back at once. Every 20th takes
the whole worker (its main process and pool, as the OOM killer or a lost node
would): its unacknowledged tasks are handed out again after the broker's
visibility timeout (2 s here), when the worker is restarted.

Kills land where the test aims them: the worker also imports this module
(``celery --include``), whose probe (below, only with ``NONGJIA_FAULT_PROBE_LOG``
set) writes a line when each task starts and when its work is over, then waits
half a second before the task is acknowledged. The test picks a pool process
that is running a task and kills it, alternately, a random moment into the task
or in that half second: after the work has committed and before the broker
heard of it, so the redelivery meets work already done, which is what a task
must recognise.

An export whose run was killed stays "running" until the quarter-hourly sweep
(``resume_stalled_exports``) finds it quiet for ``STALE_AFTER`` (10 minutes);
the test moves those exports' last sign of life back instead of waiting, then
runs the real sweep. Emails are not counted: they go to Django's dummy backend
(``outbox.services.applying_once`` keeps them to one per message, except when a
worker dies between the mail server taking one and the commit).
"""

import datetime
import functools
import os
import random
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
import redis
from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.utils import timezone

from fulfilment import cooperative_side, rerouting
from fulfilment.models import Allocation, AllocationEvent, AllocationStatus, BulkLine
from harness.processes import children_of, wait_until
from payments import refunds
from payments.models import ChangeKind, Refund, RefundStatus
from reports import export_runs, exports
from reports.models import ExportEvent, ExportEventKind, ExportStatus, ReportExport
from suppliers.models import MovementKind, StockLot, StockMovement
from tests.factories import (
    ProductFactory,
    UserFactory,
    make_canteen,
    make_cooperative,
    make_lot,
    make_staff,
)
from tests.fakestripe.server import SECRET_KEY, WEBHOOK_SECRET
from tests.faults.conftest import database_copy, production_env
from tests.integration.bulk import place
from tests.integration.payments_helpers import pay

DB_NAME = "nongjia_fault_kill"
KILLS = int(os.environ.get("NONGJIA_FAULT_KILLS", "100"))
WHOLE_WORKER_EVERY = 20  # every 20th kill takes the main process and its pool
VISIBILITY = 2  # seconds before a dead worker's tasks are handed out again
WAVE = 8  # of each task kind, sent whenever the queue runs dry
UNITS = 10  # kg a line (net weight 1 kg)
REFUND = Decimal("40.00")
KILL_WITHIN = 0.25  # s at most after a task starts, for a kill during its work
AFTER_TASK_PAUSE = 0.5  # s between a task's work and its acknowledgement
STRIPE_PAUSE = 0.3  # s at most, between Stripe refunding and answering
PROBE_LOG = "NONGJIA_FAULT_PROBE_LOG"
TIMEOUT = 900
DURING, AFTER = "during its work", "after its work, before its ack"


# --- the probe, in the worker's pool processes --------------------------------------


def _probe(event: str, task_id=None, task=None, **kwargs) -> None:
    with open(os.environ[PROBE_LOG], "a") as log:
        log.write(f"{os.getpid()} {event} {task.name} {task_id}\n")
    if event == "end":
        time.sleep(AFTER_TASK_PAUSE)


if os.environ.get(PROBE_LOG):
    task_prerun.connect(functools.partial(_probe, "start"), weak=False)
    task_postrun.connect(functools.partial(_probe, "end"), weak=False)


class Probe:
    """What the pool processes wrote, read as it grows."""

    def __init__(self, path: Path):
        self.path = path
        self.path.touch()
        self.offset = 0
        self.last: dict[int, tuple[str, str, str]] = {}  # pid: event, name, id
        self.starts: Counter = Counter()  # task id: times started
        self.names: dict[str, str] = {}

    def read(self) -> None:
        with self.path.open() as log:
            log.seek(self.offset)
            chunk = log.read()
        complete = chunk[: chunk.rfind("\n") + 1]
        self.offset += len(complete.encode())
        for line in complete.splitlines():
            pid, event, name, task_id = line.split()
            self.last[int(pid)] = (event, name, task_id)
            if event == "start":
                self.starts[task_id] += 1
                self.names[task_id] = name

    def now(self, pid: int) -> tuple[str, str, str]:
        self.read()
        return self.last.get(pid, ("", "", ""))

    def wait_done(self, pid: int, *, timeout: float) -> bool:
        """Until the pool process has finished its task's work."""
        return bool(wait_until(lambda: self.now(pid)[0] != "start", timeout))

    def busy(self, pids) -> list[int]:
        return [pid for pid in pids if self.now(pid)[0] == "start"]

    def redelivered(self) -> tuple[int, int]:
        """(tasks, times run again) of the tasks the test sent, emails aside."""
        self.read()
        ours = [t for t, name in self.names.items() if name != "fulfilment.emails.send"]
        return len(ours), sum(self.starts[t] - 1 for t in ours)


# --- the database -------------------------------------------------------------------


@pytest.fixture
def kill_database(migrated_template, django_db_blocker):
    """``nongjia_fault_kill``, a copy of the template, used by this process's ORM
    and the worker; dropped after."""
    with database_copy(DB_NAME, migrated_template, django_db_blocker) as url:
        yield url


# --- the work -----------------------------------------------------------------------


@dataclass
class Work:
    """What was asked of the worker, to count its effects by afterwards."""

    rerouted: list[tuple[int, list[int]]] = field(default_factory=list)  # lot, orders
    refunds: list[int] = field(default_factory=list)
    exports: list[int] = field(default_factory=list)
    waves: int = 0


@dataclass
class Shop:
    buyer: object
    canteen: object
    first: object  # the cooperative orders are routed to, which rejects them
    second: object  # where they are re-routed
    staff: object


def new_shop() -> Shop:
    buyer = UserFactory()
    return Shop(
        buyer=buyer,
        canteen=make_canteen(buyers=[buyer]),
        first=make_cooperative(),
        second=make_cooperative(),
        staff=make_staff(),
    )


def add_wave(work: Work, shop: Shop) -> None:
    """``WAVE`` re-routes and refunds and half as many exports, interleaved, each
    sent after the commit of the service that asks for it, as in the shop."""
    work.waves += 1
    today = timezone.localdate()
    product = ProductFactory(net_weight_kg=Decimal("1"))
    for cooperative, days in ((shop.first, 5), (shop.second, 9)):
        lot = make_lot(
            cooperative=cooperative,
            product=product,
            kg=str(WAVE * UNITS),
            best_before=today + datetime.timedelta(days=days),
        )
    orders = [place(shop.buyer, shop.canteen, [(product, UNITS)]) for _ in range(WAVE)]
    work.rerouted.append((lot.pk, [order.pk for order in orders]))
    for index, order in enumerate(orders):
        [allocation] = Allocation.objects.filter(line__bulk_order=order)
        assert allocation.cooperative_id == shop.first.pk
        cooperative_side.reject_allocation(allocation_id=allocation.pk, reason="none")
        number = f"F{work.waves:03d}{index:03d}"
        payment = pay(order_number=number, amount="100.00").payment
        refund = refunds.request_refund(
            payment_id=payment.pk,
            amount_yuan=REFUND,
            reason="fault test",
            idempotency_key=f"fault-{number}",
        )
        work.refunds.append(refund.pk)
        if index % 2:
            export = exports.start_export(
                user=shop.staff,
                report="channel",
                params={"from": f"{today.year - 1}-01-01", "to": today.isoformat()},
                file_format="csv",
            )
            work.exports.append(export.pk)


# --- counting the effects -----------------------------------------------------------


def reroute_faults(work: Work) -> list[str]:
    faults = []
    for lot_id, orders in work.rerouted:
        lot = StockLot.objects.get(pk=lot_id)
        expected = Decimal(len(orders) * UNITS)
        if lot.reserved_kg != expected:
            faults.append(
                f"lot {lot_id}: {lot.reserved_kg} kg reserved, not {expected}"
            )
        moves = StockMovement.objects.filter(lot=lot, kind=MovementKind.RESERVED)
        if moves.count() != len(orders):
            faults.append(f"lot {lot_id}: {moves.count()} reservations")
        for order_id in orders:
            [line] = BulkLine.objects.filter(bulk_order_id=order_id)
            taken = Allocation.objects.filter(line=line, lot=lot)
            if line.short_kg or [a.kg for a in taken] != [Decimal(UNITS)]:
                faults.append(f"order {order_id}: {taken.count()} allocations")
            for allocation in taken:
                if allocation.status != AllocationStatus.PENDING:
                    faults.append(f"allocation {allocation.pk}: {allocation.status}")
                events = AllocationEvent.objects.filter(allocation=allocation).count()
                if events != 1:
                    faults.append(f"allocation {allocation.pk}: {events} events")
    return faults


def refund_faults(work: Work, fake) -> list[str]:
    faults = []
    for refund in Refund.objects.filter(pk__in=work.refunds).select_related("payment"):
        payment = refund.payment
        at_stripe = [
            r for r in fake.refunds.values() if r["payment_intent"] == payment.intent_id
        ]
        counted = payment.changes.filter(kind=ChangeKind.REFUND).count()
        if (
            refund.status != RefundStatus.SUCCEEDED
            or payment.refunded != REFUND
            or counted != 1
            or len(at_stripe) != 1
        ):
            faults.append(
                f"refund {refund.pk}: {refund.status}, {payment.refunded} counted "
                f"{counted} times, {len(at_stripe)} refunds at Stripe"
            )
    return faults


def export_faults(work: Work, media: Path) -> list[str]:
    faults = []
    for export in ReportExport.objects.filter(pk__in=work.exports):
        done = ExportEvent.objects.filter(export=export, kind=ExportEventKind.DONE)
        if (
            export.status != ExportStatus.DONE
            or done.count() != 1
            or not (media / export.file.name).is_file()
        ):
            faults.append(f"export {export.pk}: {export.status}, {done.count()} done")
    return faults


# --- the worker ---------------------------------------------------------------------


def _send(sender: Celery, name: str, *args) -> None:
    sender.send_task(name, args=args)


def start_worker(processes, env):
    """As deploy/bin/worker starts it, plus the probe (this module)."""
    return processes.start(
        "worker",
        [
            sys.executable,
            "-m",
            "celery",
            "--app",
            "shop",
            "worker",
            "--loglevel",
            "WARNING",
            "--concurrency",
            "2",
            "--hostname",
            "fault@%h",
            "--max-tasks-per-child",
            "1000",
            "--without-gossip",
            "--include",
            __name__,
        ],
        env=env,
    )


def kill_mid_task(processes, env, probe: Probe, *, drained, more):
    """Starts the worker and kills it ``KILLS`` times, each time while a task is
    running: alternately during its work and after it (before the ack); every
    ``WHOLE_WORKER_EVERY``th kill takes the whole worker, which is restarted.
    More work is sent (``more``) whenever the queue runs dry. Returns the kills
    by (process, where, task), the worker running now and the seconds spent
    between killing a whole worker and its successor's first task."""
    worker = start_worker(processes, env)
    kills: Counter = Counter()
    killed: set[int] = set()  # pool processes already sent SIGKILL
    restarting, whole_killed_at = 0.0, None
    deadline = time.monotonic() + TIMEOUT
    while kills.total() < KILLS:
        assert time.monotonic() < deadline, f"{kills}\n{processes.tail('worker')}"
        assert worker.poll() is None, processes.tail("worker")
        if drained():
            more()
            continue
        busy = probe.busy(set(children_of(worker.pid)) - killed)
        if not busy:
            time.sleep(0.02)
            continue
        if whole_killed_at is not None:
            restarting += time.monotonic() - whole_killed_at
            whole_killed_at = None
        victim = random.choice(busy)
        _, name, task_id = probe.now(victim)
        if kills.total() % 2:
            if not probe.wait_done(victim, timeout=60):
                continue
            time.sleep(random.uniform(0, AFTER_TASK_PAUSE / 2))
        else:
            time.sleep(random.uniform(0, KILL_WITHIN))
        event, now_name, now_id = probe.now(victim)
        if event == "start" and now_id != task_id:
            name = now_name  # it had moved on to its next task
        where = DURING if event == "start" else AFTER
        if (kills.total() + 1) % WHOLE_WORKER_EVERY == 0:
            processes.kill(worker)
            whole_killed_at = time.monotonic()
            kills["whole worker", where, name] += 1
            time.sleep(VISIBILITY + 0.5)
            worker = start_worker(processes, env)
            killed.clear()
        else:
            os.kill(victim, signal.SIGKILL)
            killed.add(victim)
            kills["pool process", where, name] += 1
    return kills, worker, restarting


# --- the test -----------------------------------------------------------------------


def test_a_worker_killed_a_hundred_times_mid_task_does_everything_exactly_once(
    kill_database,
    private_redis,
    processes,
    fake_stripe,
    fake_stripe_server,
    settings,
    monkeypatch,
    tmp_path,
):
    started = time.monotonic()
    settings.NONGJIA_LOT_RECEIVED_HOOKS = []
    sender = Celery(broker=private_redis, set_as_current=False)
    for task in (
        rerouting.reroute_order_task,
        refunds.send_refund,
        export_runs.run_export_task,
    ):
        monkeypatch.setattr(task, "delay", functools.partial(_send, sender, task.name))
    handle = fake_stripe.handle

    def slow_stripe(method, path, params, key):
        answer = handle(method, path, params, key)
        if path == "/v1/refunds":
            time.sleep(random.uniform(0, STRIPE_PAUSE))
        return answer

    monkeypatch.setattr(fake_stripe, "handle", slow_stripe)
    media = tmp_path / "media"
    probe = Probe(tmp_path / "probe.log")
    env = production_env(
        DATABASE_URL=kill_database,
        REDIS_URL=private_redis,
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY),
        MEDIA_ROOT=str(media),
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=fake_stripe_server.url,
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        **{PROBE_LOG: str(probe.path)},
    )
    broker = redis.Redis.from_url(private_redis)

    def drained() -> bool:
        return broker.llen("celery") == 0 and broker.hlen("unacked") == 0

    def settled() -> bool:
        """Drained, and still a second later: a message on its way from the
        queue to the worker's unacknowledged set is in neither for a moment."""
        if not drained():
            return False
        time.sleep(1)
        return drained()

    shop = new_shop()
    work = Work()
    add_wave(work, shop)
    kills, worker, restarting = kill_mid_task(
        processes, env, probe, drained=drained, more=lambda: add_wave(work, shop)
    )
    killing_ended = time.monotonic()

    assert wait_until(settled, 180), processes.tail("worker")
    # What the quarter-hourly sweep does ten minutes after a run went quiet.
    exports_of_test = ReportExport.objects.filter(pk__in=work.exports)
    taken_over = exports_of_test.filter(status=ExportStatus.RUNNING).update(
        heartbeat_at=timezone.now()
        - export_runs.STALE_AFTER
        - datetime.timedelta(seconds=1)
    )
    sender.send_task("reports.tasks.resume_stalled_exports")

    def exports_done() -> bool:
        return not exports_of_test.exclude(status=ExportStatus.DONE).exists()

    wait_until(exports_done, 120)  # one still not done is counted below
    assert wait_until(settled, 120), processes.tail("worker")
    assert processes.stop(worker) == 0, processes.tail("worker")
    sender.close()

    faults = (
        reroute_faults(work)
        + refund_faults(work, fake_stripe)
        + export_faults(work, media)
    )
    files = [path for path in media.rglob("*") if path.is_file()]
    tasks, again = probe.redelivered()
    by: Counter = Counter()
    for (process, where, name), count in kills.items():
        for key in (process, where, name.rsplit(".", 1)[-1]):
            by[key] += count
    print(
        f"\nworker kills (kill -9): {kills.total()}: "
        + ", ".join(f"{key} {count}" for key, count in by.items())
        + f"\ntasks: {tasks} ({sum(len(o) for _, o in work.rerouted)} re-routes, "
        f"{len(work.refunds)} refunds, {len(work.exports)} exports in "
        f"{work.waves} waves, and the sweep's), run again after a kill: {again} "
        "times (emails aside); exports "
        f"restarted by the stalled-export sweep: {taken_over}; export files "
        f"left by killed runs: {len(files) - len(work.exports)}"
        f"\nduplicated or missing effects: {len(faults)}"
        f"\ntime: {killing_ended - started:.0f} s to {KILLS} kills (of which "
        f"{restarting:.0f} s restarting killed workers), "
        f"{time.monotonic() - started:.0f} s in all",
        flush=True,
    )
    assert faults == []
