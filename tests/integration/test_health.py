"""/healthz and /readyz: JSON for probes, no session or login, 503 with the failing
check named (and nothing secret) when the database, Redis or a migration is not
there."""

from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import CaptureQueriesContext

from shop.health import migrations_on_disk


def test_healthz_answers_ok_without_touching_the_database(client):
    # No db fixture: any query would fail the test.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    assert not response.cookies


def test_readyz_answers_ok_when_every_check_passes(client, db, settings):
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["migrations"]["status"] == "ok"
    redis_status = "ok" if settings.REDIS_URL else "skipped"
    assert body["checks"]["redis"]["status"] == redis_status
    assert not response.cookies


def test_readyz_answers_503_when_the_database_is_down(client, settings):
    settings.REDIS_URL = ""
    error = OperationalError('connection to "10.9.8.7" failed for user "shopadmin"')
    with mock.patch.object(connection, "cursor", side_effect=error):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "fail",
        "checks": {
            "database": {
                "status": "fail",
                "error": "OperationalError",
                "ms": response.json()["checks"]["database"]["ms"],
            },
            "migrations": {"status": "skipped", "reason": "database unavailable"},
            "redis": {
                "status": "skipped",
                "reason": "REDIS_URL not set",
                "ms": response.json()["checks"]["redis"]["ms"],
            },
        },
    }
    assert b"10.9.8.7" not in response.content
    assert b"shopadmin" not in response.content


def test_readyz_answers_503_when_a_migration_is_unapplied(client, db):
    latest = MigrationRecorder.Migration.objects.filter(app="suppliers").latest("id")
    latest.delete()

    response = client.get("/readyz")

    assert response.status_code == 503
    migrations = response.json()["checks"]["migrations"]
    assert migrations["status"] == "fail"
    assert migrations["pending"] == 1
    assert migrations["first_pending"] == [f"suppliers.{latest.name}"]
    assert response.json()["checks"]["database"]["status"] == "ok"


def test_a_squashed_migration_counts_as_applied_when_what_it_replaces_is(client, db):
    # migrate records the migrations a squashed one replaces, not always itself.
    squashed, replaces = next(
        (node, replaces) for node, replaces in migrations_on_disk().items() if replaces
    )
    MigrationRecorder.Migration.objects.filter(
        app=squashed[0], name=squashed[1]
    ).delete()
    for app, name in replaces:
        MigrationRecorder.Migration.objects.get_or_create(app=app, name=name)

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["migrations"]["status"] == "ok"


def test_readyz_answers_503_when_redis_is_unreachable(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["status"] == "fail"
    assert response.json()["checks"]["redis"]["error"] == "ConnectionError"
    assert response.json()["checks"]["database"]["status"] == "ok"


def test_readyz_with_optional_redis_is_degraded_not_failing(client, db, settings):
    """The Kubernetes web probe: a Redis outage must not pull every web pod."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/readyz?optional=redis")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["redis"]["status"] == "fail"
    assert response.json()["checks"]["database"]["status"] == "ok"


def test_readyz_with_optional_redis_is_ok_when_redis_answers(client, db, settings):
    response = client.get("/readyz?optional=redis")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("optional", ["database", "database,redis", "migrations"])
def test_readyz_never_makes_the_database_or_migrations_optional(
    client, settings, optional
):
    settings.REDIS_URL = ""
    error = OperationalError("connection refused")
    with mock.patch.object(connection, "cursor", side_effect=error):
        response = client.get(f"/readyz?optional={optional}")

    assert response.status_code == 503
    assert response.json()["status"] == "fail"


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_endpoints_answer_head_and_refuse_writes(client, db, path):
    assert client.head(path).status_code == 200
    assert client.post(path).status_code == 405


def test_readyz_asks_the_database_once_per_request(client, db, settings):
    """The migration graph is read from disk once per process, not per request."""
    settings.REDIS_URL = ""
    client.get("/readyz")  # warms the per-process cache
    rebuilt = AssertionError("the migration graph was rebuilt")
    with (
        mock.patch("shop.health.MigrationLoader", side_effect=rebuilt),
        CaptureQueriesContext(connection) as queries,
    ):
        response = client.get("/readyz")

    assert response.status_code == 200
    assert [q["sql"] for q in queries.captured_queries] == [
        "SELECT 1",
        "SELECT app, name FROM django_migrations",
    ]
