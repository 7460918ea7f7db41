"""Real Celery workers for the functional tests: each reads a queue of its own,
on the test database, so parallel test runs never take each other's tasks."""

import os
import subprocess
import sys
import time

from django.db import connection


def worker_env(**extra) -> dict:
    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
            if connection.vendor == "postgresql"
            else os.environ.get("DATABASE_URL", "")
        ),
        **extra,
    }


def start_worker(queue: str, **extra_env) -> subprocess.Popen:
    """A solo-pool worker process (its task runs in the process we may kill)."""
    return subprocess.Popen(
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
        env=worker_env(**extra_env),
    )


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=30)


def wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False
