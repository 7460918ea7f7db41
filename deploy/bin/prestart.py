"""What the start scripts do before their process starts (see deploy/README.md).

    python deploy/bin/prestart.py wait            the database (and Redis) answer
    python deploy/bin/prestart.py migrate         wait, then migrate under a lock
    python deploy/bin/prestart.py wait-migrated   wait until migrations are applied

``migrate`` holds a PostgreSQL session advisory lock on a connection of its own while
``manage.py migrate`` runs, so web processes starting together (compose --scale, a
Job beside a rollout) never run two migrations at once: the second waits, then finds
nothing to do. Timeouts (seconds) come from the environment: DB_WAIT_TIMEOUT (60),
MIGRATE_LOCK_TIMEOUT (900), MIGRATE_WAIT_TIMEOUT (900).
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.production")

import django

# Any fixed 64-bit number, the same in every process of every release.
MIGRATE_LOCK_KEY = 0x6E6F6E676A6961  # "nongjia"
POLL_SECONDS = 1.0


def log(message: str) -> None:
    print(f"[prestart] {message}", file=sys.stderr, flush=True)


def timeout(name: str, default: int) -> float:
    return float(os.environ.get(name) or default)


def wait_for_services() -> None:
    import redis
    from django.conf import settings
    from django.db import DatabaseError, connection

    from shop.health import check_redis

    def database() -> None:
        try:
            connection.ensure_connection()
        except DatabaseError:
            connection.close()
            raise

    checks = [("database", database)]
    if settings.REDIS_URL:
        checks.append(("redis", check_redis))
    deadline = time.monotonic() + timeout("DB_WAIT_TIMEOUT", 60)
    for name, check in checks:
        while True:
            try:
                check()
                break
            except (DatabaseError, redis.RedisError, OSError) as error:
                if time.monotonic() > deadline:
                    log(f"gave up waiting for the {name}: {type(error).__name__}")
                    sys.exit(1)
            time.sleep(POLL_SECONDS)
        log(f"{name} is up")


def migrate() -> None:
    from django.core.management import call_command
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        log(f"{connection.vendor}: no advisory lock, migrating directly")
        call_command("migrate", interactive=False)
        return
    lock = connections.create_connection("default")
    try:
        deadline = time.monotonic() + timeout("MIGRATE_LOCK_TIMEOUT", 900)
        waiting = False
        with lock.cursor() as cursor:
            while True:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATE_LOCK_KEY])
                if cursor.fetchone()[0]:
                    break
                if time.monotonic() > deadline:
                    log("gave up waiting for the migration lock")
                    sys.exit(1)
                if not waiting:
                    log("another process is migrating; waiting for its lock")
                    waiting = True
                time.sleep(POLL_SECONDS)
        log("migration lock taken")
        call_command("migrate", interactive=False)
    finally:
        # Closing the session releases the lock, even if migrate failed.
        lock.close()
    log("migrations applied; lock released")


def wait_for_migrations() -> None:
    from django.db import connection

    from shop.health import check_migrations

    deadline = time.monotonic() + timeout("MIGRATE_WAIT_TIMEOUT", 900)
    said = False
    while (result := check_migrations())["status"] != "ok":
        if not said:
            log(f"waiting for {result['pending']} migrations to be applied")
            said = True
        if time.monotonic() > deadline:
            log(f"gave up: still unapplied: {', '.join(result['first_pending'])}")
            sys.exit(1)
        connection.close()
        time.sleep(POLL_SECONDS * 2)
    log("migrations are applied")


def main(argv: list[str]) -> None:
    actions = {
        "wait": [wait_for_services],
        "migrate": [wait_for_services, migrate],
        "wait-migrated": [wait_for_services, wait_for_migrations],
    }
    if len(argv) != 1 or argv[0] not in actions:
        sys.exit(f"usage: prestart.py {{{'|'.join(actions)}}}")
    django.setup()
    for action in actions[argv[0]]:
        action()
    # Nothing of ours stays open into the process that replaces this one.
    from django.db import connections

    connections.close_all()


if __name__ == "__main__":
    main(sys.argv[1:])
