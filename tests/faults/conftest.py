"""The fault tests: real processes (Celery workers, gunicorn, redis-server, a
PostgreSQL cluster) killed and restarted on purpose.

They run only with ``NONGJIA_FAULT_TESTS=1`` (``make faults``): they take
minutes, start servers on free ports and need PostgreSQL's and Redis's programs,
so ``make test`` skips them. Everything a test starts is its own child, in its
own process group, stopped by that id (also when the test fails):
``harness.processes``, shared with the smoke and load tests. The local
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
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import redis
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from harness.processes import Processes, wait_until

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


# --- processes (harness.processes) -----------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def processes(tmp_path):
    started = Processes(tmp_path / "logs")
    yield started
    started.stop_all()


class RedisServer:
    """A redis-server of the test's own on a free port (never the shared one);
    it can be stopped and started again on the same port."""

    def __init__(self, processes, folder: Path):
        self.processes = processes
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.server = None

    def start(self) -> None:
        self.server = self.processes.start(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
        )
        client = redis.Redis(port=self.port)
        try:
            assert wait_until(lambda: self._answers(client), 30), "redis not up"
        finally:
            client.close()

    def stop(self) -> None:
        assert self.processes.stop(self.server) == 0, self.processes.tail("redis")

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)

    @staticmethod
    def _answers(client) -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False


@pytest.fixture
def private_redis(processes, tmp_path) -> str:
    """A redis-server of the test's own on a free port (never the shared one)."""
    server = RedisServer(processes, tmp_path)
    server.start()
    return server.url


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
