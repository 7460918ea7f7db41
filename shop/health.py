"""Health endpoints for load balancers and orchestrators, and a Celery ping.

``/healthz`` says the process is up (liveness): it touches nothing else, so a slow
database never gets a healthy web process restarted. ``/readyz`` says whether this
process can serve (readiness): the database answers, Redis answers when configured,
and every migration on disk is applied — a web process of a new release waits out
of the load balancer until the migrate step has run.

``/readyz?optional=redis`` still checks Redis and reports it, but a Redis that does
not answer leaves the answer 200 with ``"status": "degraded"``. Web processes serve
without Redis (tasks wait in the task outbox, the cache fails soft, the fault test
"Redis outage" proves it), so the Kubernetes web readiness probe asks this form:
with plain ``/readyz`` a Redis restart would take every web pod out of its Service
at once and turn a queue outage into a shop outage. Plain ``/readyz`` stays strict
for whoever needs the whole stack (the deploy smoke test, the compose health check,
monitoring).

Both answer JSON without a session, CSRF or login, and never show a secret: a failed
check reports the exception's class only, its message (hosts, users) goes to the log.

Cheap by design: the migrations on disk are read once per process (the migration
graph costs tens of milliseconds to build); each request only reads
``django_migrations`` (one query) and compares.
"""

import functools
import logging
import time
from collections.abc import Callable

import redis
from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 2.0
# How many pending migrations a failed readiness check names.
PENDING_SHOWN = 10
PING_KEY = "health:ping:{token}"
# What ``?optional=`` may name: checks whose failure still lets a web process serve.
MAY_BE_OPTIONAL = frozenset({"redis"})

Check = dict[str, object]


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, Check] = {"database": _timed(check_database)}
    if checks["database"]["status"] == "ok":
        checks["migrations"] = _timed(check_migrations)
    else:
        checks["migrations"] = {"status": "skipped", "reason": "database unavailable"}
    checks["redis"] = _timed(check_redis)
    optional = _optional_checks(request)
    failing = {name for name, check in checks.items() if check["status"] == "fail"}
    if failing - optional:
        status = "fail"
    elif failing:
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse(
        {"status": status, "checks": checks}, status=503 if status == "fail" else 200
    )


def _optional_checks(request: HttpRequest) -> frozenset[str]:
    """The checks named in ``?optional=`` (comma-separated, repeatable) that may be
    optional; any other name is ignored, so the database can never be made so."""
    names = {
        name.strip()
        for value in request.GET.getlist("optional")
        for name in value.split(",")
    }
    return MAY_BE_OPTIONAL & names


def check_database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok"}


def check_migrations() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT app, name FROM django_migrations")
            applied = set(cursor.fetchall())
    except DatabaseError:
        # A new, empty database has no django_migrations table: nothing is applied.
        if MigrationRecorder(connection).has_table():
            raise
        applied = set()
    pending = sorted(
        node
        for node, replaces in migrations_on_disk().items()
        # migrate records a squashed migration's replaced ones, not itself.
        if node not in applied and not (replaces and applied.issuperset(replaces))
    )
    if not pending:
        return {"status": "ok"}
    return {
        "status": "fail",
        "pending": len(pending),
        "first_pending": [f"{app}.{name}" for app, name in pending[:PENDING_SHOWN]],
    }


def check_redis() -> Check:
    url = settings.REDIS_URL
    if not url:
        return {"status": "skipped", "reason": "REDIS_URL not set"}
    _redis_client(url).ping()
    return {"status": "ok"}


@functools.cache
def migrations_on_disk() -> dict[tuple[str, str], frozenset[tuple[str, str]]]:
    """Every migration of this release, with what it replaces (if squashed)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {
        node: frozenset(migration.replaces)
        for node, migration in loader.graph.nodes.items()
    }


@functools.cache
def _redis_client(url: str) -> redis.Redis:
    # One client (and connection pool) per process; short timeouts so a probe
    # never hangs on a dead Redis.
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )


def _timed(check: Callable[[], Check]) -> Check:
    started = time.perf_counter()
    try:
        result = check()
    except (DatabaseError, redis.RedisError, OSError) as error:
        logger.warning("Readiness check %s failed: %s", check.__name__, error)
        result = {"status": "fail", "error": type(error).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


@shared_task(bind=True, name="shop.health.ping", ignore_result=True)
def ping(self, token: str) -> None:
    """Proves a worker takes tasks: records which worker ran it, in the cache
    (``deploy/bin/smoke`` sends one and waits for the key)."""
    cache.set(PING_KEY.format(token=token), self.request.hostname or "?", 300)
