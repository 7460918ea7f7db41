#!/usr/bin/env python3
"""Deployment smoke test: the real start scripts, on this machine's PostgreSQL and
Redis, the way the compose file runs them.

    .venv/bin/python deploy/bin/smoke.py        (make deploy-smoke)

On a scratch database (``nongjia_deploy_smoke``, made afresh and dropped after) and
Redis database 14 it: collects the static files as the image build does; starts two
web processes at once (gunicorn, each migrating on start: the advisory lock lets
only one migrate), two Celery workers, beat, the task outbox's relay, and Caddy in
front when the ``caddy`` binary is there (deploy/Caddyfile, TLS from Caddy's own
local CA); waits for /readyz; fetches /healthz, /readyz, the home page and the API
schema; round-trips ping tasks through the workers, sent both straight to Redis and
as outbox rows the relay publishes; runs every health check; times /readyz; then
stops everything with SIGTERM and checks every process exited cleanly.

Everything it starts is its own child, in its own process group, stopped by that
id (``harness.processes``). Logs are in var/deploy-smoke/logs/. SMOKE_KEEP=1 keeps
the database and Redis keys.
"""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from harness.processes import Processes, ProcessExited, fetch  # noqa: E402

WORK = ROOT / "var" / "deploy-smoke"
LOGS = WORK / "logs"
DB_NAME = os.environ.get("SMOKE_DB", "nongjia_deploy_smoke")
PG = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
REDIS_DB = "14"
WEB_PORTS = (18001, 18002)
CADDY_HTTPS, CADDY_HTTP, CADDY_ADMIN = 18443, 18080, 12019
READY_TIMEOUT = 300
STOP_TIMEOUT = 30
PINGS = 8

PING_SNIPPET = """
import json, sys, time, uuid
import django
django.setup()
from django.core.cache import cache
from django.utils import timezone
from outbox.models import OutboxMessage
from shop.health import PING_KEY, ping
tokens = [uuid.uuid4().hex for _ in range(int(sys.argv[1]))]
for token in tokens:
    if sys.argv[2] == "outbox":  # a row due now, for the relay to publish
        OutboxMessage.objects.create(
            task=ping.name, args=[token], kwargs={}, available_at=timezone.now()
        )
    else:
        ping.delay(token)
deadline = time.monotonic() + 60
answers = {}
while time.monotonic() < deadline and len(answers) < len(tokens):
    for token in tokens:
        hostname = cache.get(PING_KEY.format(token=token))
        if hostname:
            answers[token] = hostname
    time.sleep(0.2)
print(json.dumps(answers))
"""


class SmokeFailed(Exception):
    pass


def say(message: str) -> None:
    print(f"[smoke] {message}", flush=True)


def run(*args: str, env: dict | None = None, check: bool = True) -> str:
    result = subprocess.run(
        args, env=env, capture_output=True, text=True, cwd=ROOT, check=False
    )
    if check and result.returncode != 0:
        raise SmokeFailed(f"{' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def base_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CELERY_", "NONGJIA_"))
    }
    venv = ROOT / ".venv" / "bin"
    if venv.is_dir():
        env["PATH"] = f"{venv}:{env.get('PATH', '')}"
    env.update(
        DJANGO_SETTINGS_MODULE="shop.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        STATIC_ROOT=str(WORK / "static"),
        MEDIA_ROOT=str(WORK / "media"),
        LOG_LEVEL="WARNING",
        NONGJIA_MIGRATE_ON_START="1",
        WEB_CONCURRENCY="2",
        CELERY_WORKER_CONCURRENCY="1",
        CELERY_BEAT_SCHEDULE_FILE=str(WORK / "celerybeat-schedule"),
        CELERY_BEAT_PIDFILE=str(WORK / "celerybeat.pid"),
        OUTBOX_RELAY_HEARTBEAT=str(WORK / "relay.heartbeat"),
    )
    return env


def expect(what: str, condition: bool, detail: str = "") -> None:
    if not condition:
        raise SmokeFailed(f"{what}: {detail}")
    say(f"ok  {what}")


def wait_ready(processes: Processes, port: int) -> float:
    started = time.monotonic()
    last = b""
    while time.monotonic() - started < READY_TIMEOUT:
        processes.check_alive()
        try:
            status, _, last = fetch(f"http://127.0.0.1:{port}/readyz")
            if status == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(1)
    raise SmokeFailed(f"web on {port} not ready after {READY_TIMEOUT} s: {last!r}")


def time_readyz(port: int, count: int = 200) -> tuple[float, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", "/readyz")
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise SmokeFailed(f"/readyz answered {response.status} under load")
    connection.close()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def prepare(env: dict[str, str]) -> None:
    if DB_NAME in {"nongjia", "nongjia_main"} or DB_NAME.startswith("nongjia_bench"):
        raise SmokeFailed(f"refusing to use the database {DB_NAME}")
    for old in LOGS.glob("*.log"):
        old.unlink()
    for stale in ("celerybeat-schedule", "celerybeat.pid", "relay.heartbeat"):
        (WORK / stale).unlink(missing_ok=True)
    run("dropdb", *PG, "--if-exists", "--force", DB_NAME)
    run("createdb", *PG, DB_NAME)
    run("redis-cli", "-n", REDIS_DB, "flushdb")
    say(f"fresh database {DB_NAME}, Redis db {REDIS_DB} flushed")
    started = time.monotonic()
    run("python", "manage.py", "collectstatic", "--noinput", "-v0", env=env)
    say(f"collectstatic (as at image build): {time.monotonic() - started:.1f} s")


def start_all(processes: Processes, env: dict[str, str]) -> bool:
    for index, port in enumerate(WEB_PORTS, start=1):
        processes.start(f"web{index}", ["deploy/bin/web"], {**env, "PORT": str(port)})
    for index in (1, 2):
        worker_env = {**env, "CELERY_WORKER_NAME": f"smoke{index}"}
        processes.start(f"worker{index}", ["deploy/bin/worker"], worker_env)
    processes.start("beat", ["deploy/bin/beat"], env)
    processes.start("relay", ["deploy/bin/relay"], env)
    caddy = shutil.which("caddy")
    if caddy:
        caddy_env = {
            **env,
            "NONGJIA_SITE_ADDRESS": f"https://127.0.0.1:{CADDY_HTTPS}",
            "NONGJIA_UPSTREAMS": " ".join(f"127.0.0.1:{p}" for p in WEB_PORTS),
            "NONGJIA_STATIC_DIR": env["STATIC_ROOT"],
            "NONGJIA_MEDIA_DIR": env["MEDIA_ROOT"],
            "CADDY_HTTP_PORT": str(CADDY_HTTP),
            "CADDY_HTTPS_PORT": str(CADDY_HTTPS),
            "CADDY_ADMIN": f"127.0.0.1:{CADDY_ADMIN}",
            "XDG_DATA_HOME": str(WORK / "caddy" / "data"),
            "XDG_CONFIG_HOME": str(WORK / "caddy" / "config"),
        }
        args = [caddy, "run", "--config", "deploy/Caddyfile", "--adapter", "caddyfile"]
        processes.start("caddy", args, caddy_env)
    else:
        say("no caddy binary: the proxy is left out (apt-get install caddy)")
    return bool(caddy)


def check_web(port: int) -> None:
    https = {"X-Forwarded-Proto": "https"}  # what the proxy says
    base = f"http://127.0.0.1:{port}"
    status, headers, body = fetch(f"{base}/healthz")
    expect(f"{port} /healthz 200", status == 200, str(status))
    expect(f"{port} /healthz body", json.loads(body) == {"status": "ok"}, body)
    expect(f"{port} /healthz sets no cookie", "Set-Cookie" not in headers)
    status, _, body = fetch(f"{base}/readyz")
    checks = json.loads(body)["checks"]
    expect(
        f"{port} /readyz 200, every check ok",
        status == 200 and all(c["status"] == "ok" for c in checks.values()),
        body,
    )
    status, headers, _ = fetch(f"{base}/")
    expect(
        f"{port} plain http redirects to https",
        status == 301 and headers["Location"].startswith("https://"),
        f"{status} {headers.get('Location')}",
    )
    status, headers, _ = fetch(f"{base}/", headers=https)
    expect(f"{port} / -> /catalogue/", status == 302, str(status))
    status, _, body = fetch(f"{base}{headers['Location']}", headers=https)
    expect(f"{port} home page 200", status == 200 and b"<html" in body, str(status))
    status, _, body = fetch(f"{base}/api/schema/?format=json", headers=https)
    expect(
        f"{port} API schema 200",
        status == 200 and json.loads(body)["info"]["title"] == "Nongjia API",
        str(status),
    )


def check_proxy(static_file: str) -> None:
    base = f"https://127.0.0.1:{CADDY_HTTPS}"
    status, _, _ = fetch(f"{base}/healthz", tls_unverified=True)
    expect("proxy /healthz 200", status == 200, str(status))
    status, headers, _ = fetch(f"{base}/", tls_unverified=True)
    expect("proxy / -> /catalogue/", status == 302, str(status))
    status, _, _ = fetch(f"{base}/catalogue/", tls_unverified=True)
    expect("proxy home page 200 over TLS", status == 200, str(status))
    status, headers, _ = fetch(f"{base}/static/{static_file}", tls_unverified=True)
    expect(
        "proxy serves /static/ itself",
        # whitenoise (gunicorn) would say "max-age=60, public"
        status == 200 and headers.get("Cache-Control") == "public, max-age=3600",
        f"{status} {dict(headers)}",
    )
    expect(
        "proxy sends nosniff with its own files",
        headers.get("X-Content-Type-Options") == "nosniff",
        str(dict(headers)),
    )
    status, _, _ = fetch(f"{base}/media/report-exports/x/y.xlsx", tls_unverified=True)
    expect("proxy refuses /media/report-exports/", status == 404, str(status))
    # What the compose health check asks (wget http://127.0.0.1:2019/config/).
    status, _, _ = fetch(f"http://127.0.0.1:{CADDY_ADMIN}/config/")
    expect("proxy admin endpoint answers (health check)", status == 200, str(status))


def check_tasks(env: dict[str, str]) -> None:
    for index in (1, 2):
        worker_env = {**env, "CELERY_WORKER_NAME": f"smoke{index}"}
        run("python", "deploy/bin/healthcheck.py", "worker", env=worker_env)
        say(f"ok  worker smoke{index} answers the healthcheck ping")
    for kind in ("beat", "relay"):
        run("python", "deploy/bin/healthcheck.py", kind, env=env)
        say(f"ok  {kind} healthcheck")
    for route in ("direct", "outbox"):
        snippet = ["python", "-c", PING_SNIPPET, str(PINGS), route]
        answers = json.loads(run(*snippet, env=env))
        by_worker: dict[str, int] = {}
        for hostname in answers.values():
            by_worker[hostname] = by_worker.get(hostname, 0) + 1
        expect(
            f"{PINGS} ping tasks ({route}) round-trip through the workers {by_worker}",
            len(answers) == PINGS,
            f"only {len(answers)} answered",
        )


def check_migration_lock(processes: Processes) -> None:
    logs = {n: processes.log_of(n).read_text() for n in ("web1", "web2")}
    pattern = re.compile(r"Applying \S+\.\S+\.\.\.")
    applied = {n: len(pattern.findall(t)) for n, t in logs.items()}
    waited = [n for n, t in logs.items() if "waiting for its lock" in t]
    expect(
        f"migrations ran once under the lock (applied {applied}, waited: {waited})",
        sorted(applied.values())[0] == 0 and max(applied.values()) > 0,
        str(applied),
    )


def main() -> int:
    env = base_env()
    processes = Processes(LOGS)
    failed = False
    try:
        prepare(env)
        with_proxy = start_all(processes, env)
        for port in WEB_PORTS:
            say(f"web on {port} ready after {wait_ready(processes, port):.1f} s")
        for port in WEB_PORTS:
            check_web(port)
        check_migration_lock(processes)
        if with_proxy:
            static = next((WORK / "static").rglob("*.css")).relative_to(WORK / "static")
            check_proxy(str(static))
        check_tasks(env)
        median, p95 = time_readyz(WEB_PORTS[0])
        say(f"/readyz over 200 requests: median {median:.1f} ms, p95 {p95:.1f} ms")
        processes.check_alive()
    except (SmokeFailed, ProcessExited) as error:
        failed = True
        say(f"FAILED: {error}")
    finally:
        codes = processes.stop_all(STOP_TIMEOUT)
        say(f"stopped: {codes}")
        unclean = {n: c for n, c in codes.items() if c not in (0, -signal.SIGTERM)}
        if unclean:
            failed = True
            say(f"FAILED: not a clean exit: {unclean}")
        if failed:
            for name, _ in processes.started:
                print(f"--- {processes.log_of(name)} (last lines)")
                print(processes.tail(name, 15))
        if os.environ.get("SMOKE_KEEP") != "1":
            run("dropdb", *PG, "--if-exists", "--force", DB_NAME, check=False)
            run("redis-cli", "-n", REDIS_DB, "flushdb", check=False)
    say("FAILED" if failed else "passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
