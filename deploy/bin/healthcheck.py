"""Container health checks (compose ``healthcheck``), one per kind of process.

    python deploy/bin/healthcheck.py web      GET /readyz on this container's port
    python deploy/bin/healthcheck.py worker   this worker answers a Celery ping
    python deploy/bin/healthcheck.py beat     the beat process in its pidfile lives
    python deploy/bin/healthcheck.py relay    the outbox relay touched its heartbeat

Exit status 0 when healthy, 1 otherwise (the slim image has no curl).
"""

import os
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.production")

TIMEOUT_SECONDS = 8
# The relay touches its heartbeat at least every few seconds, broker up or down.
RELAY_STALE_SECONDS = 60


def allowed_host() -> str:
    """A Host header Django accepts (it refuses unknown hosts with 400)."""
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")]
    host = next((h for h in hosts if h), "localhost")
    if host == "*":
        return "localhost"
    return host.lstrip(".")


def web() -> bool:
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/readyz", headers={"Host": allowed_host()}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError) as error:
        print(f"web: {error}", file=sys.stderr)
        return False


def worker() -> bool:
    from shop.celery import app

    name = f"{os.environ.get('CELERY_WORKER_NAME', 'worker')}@{socket.gethostname()}"
    replies = app.control.ping(destination=[name], timeout=TIMEOUT_SECONDS / 2)
    if not replies:
        print(f"worker: {name} did not answer a ping", file=sys.stderr)
    return bool(replies)


def beat() -> bool:
    pidfile = Path(os.environ.get("CELERY_BEAT_PIDFILE", "/tmp/celerybeat.pid"))
    try:
        os.kill(int(pidfile.read_text().strip()), 0)
    except (OSError, ValueError) as error:
        print(f"beat: {pidfile}: {error}", file=sys.stderr)
        return False
    return True


def relay() -> bool:
    heartbeat = Path(
        os.environ.get("OUTBOX_RELAY_HEARTBEAT", "/tmp/outbox-relay.heartbeat")
    )
    try:
        age = time.time() - heartbeat.stat().st_mtime
    except OSError as error:
        print(f"relay: {heartbeat}: {error}", file=sys.stderr)
        return False
    if age > RELAY_STALE_SECONDS:
        print(f"relay: {heartbeat} untouched for {age:.0f} s", file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    checks = {"web": web, "worker": worker, "beat": beat, "relay": relay}
    if len(sys.argv) != 2 or sys.argv[1] not in checks:
        sys.exit(f"usage: healthcheck.py {{{'|'.join(checks)}}}")
    sys.exit(0 if checks[sys.argv[1]]() else 1)
