"""The fault tests: real processes (Celery workers, gunicorn, redis-server, a
PostgreSQL cluster) killed and restarted on purpose.

They run only with ``NONGJIA_FAULT_TESTS=1`` (``make faults``): they take
minutes, start servers on free ports and need PostgreSQL's and Redis's programs,
so ``make test`` skips them. Everything a test starts is its own child, in its
own process group, stopped by that id (also when the test fails). The local
PostgreSQL is only asked to create and drop databases named ``nongjia_fault_*``;
the local Redis is not used.

Migrating a database costs the better part of a minute and a half of CPU, so it
is done once, into ``nongjia_fault_template``, kept between runs while the
migrations on disk stay the same; tests copy it (``CREATE DATABASE … TEMPLATE``,
or ``pg_dump`` into a private cluster).
"""

import contextlib
import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
import redis
from django.db import connection
from django.db.migrations.loader import MigrationLoader

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TEMPLATE_DB = "nongjia_fault_template"


def pytest_collection_modifyitems(config, items):
    if os.environ.get("NONGJIA_FAULT_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="fault test: NONGJIA_FAULT_TESTS=1 (make faults)")
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(skip)


# --- waiting and fetching -----------------------------------------------------------


def wait_until(condition: Callable[[], object], timeout: float, interval=0.1):
    """The condition's first true value, or None after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value or None
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, *, data: bytes | None = None, headers=None, timeout=15.0):
    """(status, headers, body) of one request, errors included, no redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, data=data, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect())
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_for_url(url: str, timeout: float = 120.0, status: int = 200) -> bool:
    def answers() -> bool:
        try:
            return fetch(url, timeout=5)[0] == status
        except OSError:
            return False

    return bool(wait_until(answers, timeout, interval=0.5))


# --- processes ----------------------------------------------------------------------


def children_of(pid: int) -> list[int]:
    """The live child processes of ``pid`` (a Celery worker's pool)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        # After the command name: state, then the parent's pid.
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


class Processes:
    """The processes a test started, each the leader of its own process group: a
    kill reaches its children too (a worker's pool, gunicorn's workers), and
    nothing else. Logs go to ``logs/<name>-<n>.log``."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.logs.mkdir(parents=True, exist_ok=True)
        self.started: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env=None) -> subprocess.Popen:
        count = sum(1 for n, _ in self.started if n == name)
        log = (self.logs / f"{name}-{count}.log").open("w")
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()  # the child has its own copy
        self.started.append((name, process))
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """``kill -9`` of the process and everything in its group."""
        self._signal(process, signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self, process: subprocess.Popen, timeout: float = 30) -> int | None:
        """SIGTERM to the process itself (a Celery worker or gunicorn then lets
        its children finish what they are doing), SIGKILL to its group after
        ``timeout`` and to anything of the group left behind; the exit code."""
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        self.kill(process)
        return code

    def stop_all(self) -> None:
        for _, process in reversed(self.started):
            if process.poll() is None:
                self.stop(process)

    def tail(self, name: str, lines: int = 30) -> str:
        logs = sorted(self.logs.glob(f"{name}-*.log"))
        return "\n".join(logs[-1].read_text().splitlines()[-lines:]) if logs else ""

    @staticmethod
    def _signal(process: subprocess.Popen, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(process.pid, signum)


@pytest.fixture
def processes(tmp_path):
    started = Processes(tmp_path / "logs")
    yield started
    started.stop_all()


@pytest.fixture
def private_redis(processes, tmp_path) -> str:
    """A redis-server of the test's own on a free port (never the shared one)."""
    port = free_port()
    server = processes.start(
        "redis",
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
    )
    client = redis.Redis(port=port)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return server.poll() is not None  # exited: fail below, not wait

    wait_until(answers, 30)
    assert server.poll() is None, processes.tail("redis")
    client.close()
    return f"redis://127.0.0.1:{port}/0"


def production_env(**extra: str) -> dict[str, str]:
    """The environment of the start scripts (shop.settings.production, DEBUG off,
    a strong key), without this process's Django, Celery or service settings."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "CELERY_", "NONGJIA_", "STRIPE_"))
        and name not in {"DATABASE_URL", "REDIS_URL", "MEDIA_ROOT", "STATIC_ROOT"}
    }
    env.update(
        PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        DJANGO_SETTINGS_MODULE="shop.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


# --- databases ----------------------------------------------------------------------


def postgres_url(name: str, *, host=None, port=None) -> str:
    db = connection.settings_dict
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{user}@{host or db['HOST']}:{port or db['PORT']}/{name}"


def admin_connection() -> psycopg.Connection:
    """To the shared server's ``postgres`` database, to create and drop ours."""
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def drop_database(admin: psycopg.Connection, name: str) -> None:
    assert name.startswith("nongjia_fault_"), name
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrations_fingerprint() -> str:
    """Every migration on disk, by name and content: the template is rebuilt
    when one is added or edited."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    digest = hashlib.sha256()
    for key in sorted(graph.nodes):
        module = sys.modules[graph.nodes[key].__module__]
        digest.update(repr(key).encode())
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="session")
def migrated_template() -> str:
    """The name of a database with every migration applied and no data."""
    if connection.vendor != "postgresql":
        pytest.skip("fault tests need DATABASE_URL=postgres://")
    fingerprint = migrations_fingerprint()
    with admin_connection() as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = %s",
            [TEMPLATE_DB],
        ).fetchone()
        if row is not None and row[0] == fingerprint:
            return TEMPLATE_DB
        drop_database(admin, TEMPLATE_DB)
        admin.execute(f'CREATE DATABASE "{TEMPLATE_DB}"')
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": postgres_url(TEMPLATE_DB)},
            check=True,
        )
        # Stamped last: a migration that failed half-way leaves no stamp.
        admin.execute(f"COMMENT ON DATABASE \"{TEMPLATE_DB}\" IS '{fingerprint}'")
    return TEMPLATE_DB


@contextlib.contextmanager
def database_copy(name: str, template: str, django_db_blocker):
    """Database ``name``, a fresh copy of ``template``, used by this process's ORM
    and by the processes a test starts (yields its URL); dropped after."""
    settings_dict = connection.settings_dict
    previous = settings_dict["NAME"]
    with admin_connection() as admin:
        drop_database(admin, name)
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        with django_db_blocker.unblock():
            connection.close()
            settings_dict["NAME"] = name
            try:
                yield postgres_url(name)
            finally:
                connection.close()
                settings_dict["NAME"] = previous
                drop_database(admin, name)
