"""PostgreSQL restarted under load: requests fail cleanly (503, never a 500 page
or a traceback) and the site recovers by itself, gunicorn untouched.

A private PostgreSQL cluster (``initdb`` into a temporary folder, its own port
and socket folder, trust authentication) gets the migrated template's schema and
the demo (``load_demo --no-history``). Gunicorn serves the shop on it as
``deploy/bin/web`` does (production settings, DEBUG off, two sync workers,
persistent connections). Four threads ask for the catalogue page, the products
API, the buyer's orders and place small bulk orders, while the cluster is
stopped (``pg_ctl stop -m fast``: connections cut mid-request), kept down for
``DOWN_SECONDS`` and started again. Every answer is recorded with when it was
asked. Then, the site idle, ``pg_ctl restart -m fast``: the workers' kept
connections die unnoticed, and the next requests must not fail on them.

The cluster is stopped and its folder removed at the end, also on failure.
"""

import datetime
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from canteens.demo import BUYER_CANTEEN
from harness.processes import children_of, fetch, wait_for_url
from tests.faults.conftest import free_port, postgres_url, production_env

PG_BIN = Path("/usr/lib/postgresql/15/bin")
DB_NAME = "nongjia"  # in the private cluster
THREADS = 4
WARM_UP = 5.0  # s of load before the restart
DOWN_SECONDS = 3.0
AFTER = 20.0  # s of load after PostgreSQL is back
RECOVER_WITHIN = 5.0  # s after PostgreSQL accepts connections again
IDLE_AFTER = 3.0  # s of load after the restart while idle
ORDER_EVERY = 10  # every tenth request places a bulk order
SKUS = ("NJ-WZ-01", "NJ-WZ-02")  # demo products with stock


@dataclass
class Cluster:
    """A PostgreSQL cluster of the test's own, run as the ``postgres`` user when
    the test runs as root (PostgreSQL refuses to run as root)."""

    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return postgres_url(DB_NAME, host="127.0.0.1", port=self.port)

    def run(self, program: str, *args: str) -> None:
        """Output to a file, never a pipe: a server started by ``pg_ctl`` keeps
        what it inherits open, and a pipe would never reach its end."""
        command = [str(PG_BIN / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        output = self.folder / "commands.log"
        with output.open("a") as log:
            done = subprocess.run(
                command, stdout=log, stderr=subprocess.STDOUT, cwd=self.folder
            )
        assert done.returncode == 0, output.read_text()[-2000:]

    def ctl(self, action: str, *options: str) -> None:
        server_log = str(self.folder / "postgres.log")
        self.run("pg_ctl", "-D", str(self.data), "-l", server_log, *options, action)

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=40"
        )
        self.ctl("start", "-o", options, "-w")

    def stop(self, mode: str = "fast") -> None:
        self.ctl("stop", "-m", mode, "-w")

    def restart(self) -> None:
        self.ctl("restart", "-m", "fast", "-w")


@pytest.fixture
def cluster(migrated_template):
    folder = Path(tempfile.mkdtemp(prefix="nongjia-fault-pg-"))
    if os.geteuid() == 0:
        postgres = pwd.getpwnam("postgres")
        os.chown(folder, postgres.pw_uid, postgres.pw_gid)
    cluster = Cluster(folder=folder, port=free_port())
    try:
        cluster.run(
            "initdb",
            "-D",
            str(cluster.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        cluster.start()
        admin = f"postgres://postgres@127.0.0.1:{cluster.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{DB_NAME}"')
        schema = subprocess.run(
            [
                "pg_dump",
                "--no-owner",
                "--no-privileges",
                postgres_url(migrated_template),
            ],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", cluster.url],
            input=schema,
            check=True,
            capture_output=True,
        )
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def load_demo(cluster: Cluster) -> str:
    """The demo on the cluster; the buyer's API token."""
    env = production_env(
        DJANGO_SETTINGS_MODULE="shop.settings.test", DATABASE_URL=cluster.url
    )
    for command in (["load_demo", "--no-history"], ["drf_create_token", "buyer"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    # "Generated token <key> for user buyer"
    return done.stdout.split()[2]


def next_delivery_day(cluster: Cluster) -> str:
    with psycopg.connect(cluster.url) as connection:
        weekdays, lead = connection.execute(
            "SELECT delivery_weekdays, lead_time_days FROM canteens_organisation "
            "WHERE name = %s",
            [BUYER_CANTEEN],
        ).fetchone()
    day = datetime.date.today() + datetime.timedelta(days=lead + 1)
    while day.isoweekday() not in weekdays:
        day += datetime.timedelta(days=1)
    return day.isoformat()


@dataclass(frozen=True)
class Answer:
    asked: float  # monotonic
    kind: str
    status: int  # 0: no HTTP answer at all
    content_type: str = ""
    retry_after: str = ""
    body: bytes = b""


class Load:
    """Threads asking the site for pages, API reads and bulk orders."""

    def __init__(self, base: str, token: str, delivery_date: str):
        api = {"Authorization": f"Token {token}"}
        order = json.dumps(
            {
                "delivery_date": delivery_date,
                "lines": [{"sku": sku, "quantity": 1} for sku in SKUS],
            }
        ).encode()
        self.requests = [
            ("page", f"{base}/catalogue/", None, {}),
            ("api", f"{base}/api/v1/products/?certified=true", None, api),
            ("api", f"{base}/api/v1/bulk-orders/", None, api),
            (
                "order",
                f"{base}/api/v1/bulk-orders/",
                order,
                {**api, "Content-Type": "application/json"},
            ),
        ]
        self.answers: list[Answer] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self.ask, args=(n,)) for n in range(THREADS)
        ]

    def ask(self, number: int) -> None:
        count = number
        while not self.stopping.is_set():
            count += 1
            index = 3 if count % ORDER_EVERY == 0 else count % 3
            kind, url, data, headers = self.requests[index]
            asked = time.monotonic()
            try:
                status, got, body = fetch(url, data=data, headers=headers, timeout=30)
                answer = Answer(
                    asked,
                    kind,
                    status,
                    got.get("Content-Type", ""),
                    got.get("Retry-After", ""),
                    body,
                )
            except OSError as error:
                answer = Answer(asked, kind, 0, body=repr(error).encode())
            with self.lock:
                self.answers.append(answer)

    def __enter__(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)


def clean_503(answer: Answer) -> bool:
    """The outage answer: Retry-After, JSON with its code on the API, the small
    page elsewhere; never a traceback."""
    if answer.status != 503 or not answer.retry_after or b"Traceback" in answer.body:
        return False
    if answer.kind == "page":
        return answer.content_type.startswith("text/html") and (
            b"Service temporarily unavailable" in answer.body
        )
    return json.loads(answer.body).get("code") == "service_unavailable"


def test_postgresql_restarted_under_load_answers_503s_then_recovers_by_itself(
    cluster, processes
):
    started = time.monotonic()
    token = load_demo(cluster)
    port = free_port()
    env = production_env(
        DATABASE_URL=cluster.url,
        REDIS_URL="",
        DJANGO_SECURE_SSL_REDIRECT="0",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        STATIC_ROOT=str(cluster.folder / "static"),
        MEDIA_ROOT=str(cluster.folder / "media"),
    )
    web = processes.start(
        "gunicorn",
        ["gunicorn", "--config", "deploy/gunicorn.conf.py", "shop.wsgi:application"],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    assert wait_for_url(f"{base}/readyz"), processes.tail("gunicorn")
    workers = children_of(web.pid)
    assert len(workers) == 2, workers

    with Load(base, token, next_delivery_day(cluster)) as load:
        time.sleep(WARM_UP)
        down = time.monotonic()
        cluster.stop("fast")
        time.sleep(DOWN_SECONDS)
        cluster.start()
        back = time.monotonic()
        time.sleep(AFTER)

    answers = sorted(load.answers, key=lambda a: a.asked)
    statuses = Counter(a.status for a in answers)
    failed = [a for a in answers if a.status not in (200, 201)]
    unclean = [a for a in failed if not clean_503(a)]
    late = [a for a in failed if a.asked >= back + RECOVER_WITHIN]
    recovered = max((a.asked for a in failed), default=back) - back
    outage_503 = Counter(a.kind for a in failed if a.status == 503)
    orders = sum(1 for a in answers if a.kind == "order" and a.status == 201)
    since_back = Counter(a.status for a in answers if a.asked >= back)
    print(
        f"\nrequests: {len(answers)} from {THREADS} threads over "
        f"{answers[-1].asked - answers[0].asked:.0f} s; statuses {dict(statuses)}; "
        f"503: {sum(outage_503.values())} ({dict(outage_503)}); "
        f"bulk orders placed: {orders}"
        f"\nPostgreSQL down (stop -m fast → accepting again): {back - down:.1f} s; "
        f"last failed request asked {recovered:+.2f} s after it was back; "
        f"asked after it was back: {dict(since_back)}"
        f"\ntime: {time.monotonic() - started:.0f} s in all",
        flush=True,
    )
    assert statuses[500] == 0, [a.body[:300] for a in failed if a.status == 500]
    assert unclean == [], [(a.kind, a.status, a.body[:300]) for a in unclean]
    assert outage_503, "no request met the outage: the test proved nothing"
    assert late == [], [(a.kind, a.status, round(a.asked - back, 2)) for a in late]
    # Recovered by itself: the same gunicorn, the same two workers.
    assert web.poll() is None, processes.tail("gunicorn")
    assert children_of(web.pid) == workers, processes.tail("gunicorn")

    # A restart while the site is idle: the workers' kept connections are dead
    # and they do not know it. Each is checked before its first use in the next
    # request (CONN_HEALTH_CHECKS) and replaced: no request fails.
    cluster.restart()
    with Load(base, token, next_delivery_day(cluster)) as load:
        time.sleep(IDLE_AFTER)
    after_idle = Counter(a.status for a in load.answers)
    print(f"then pg_ctl restart -m fast, the site idle: {dict(after_idle)}", flush=True)
    assert set(after_idle) <= {200, 201}, after_idle
    assert fetch(f"{base}/readyz")[0] == 200
