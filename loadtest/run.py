#!/usr/bin/env python3
"""The load test, end to end (``make loadtest``):

    .venv/bin/python loadtest/run.py [--users 40] [--spawn-rate 4] [--run-time 2m]

1. Makes the PostgreSQL database ``nongjia_load`` afresh (it never touches another
   one) and empties Redis database 7.
2. Migrates, loads the demo (``manage.py load_demo``, with the H1 2020 ledger the
   officials' reports read) and adds the load test's canteens, managers,
   officials and stock through the services (``loadtest/prepare.py``), which
   also writes the fixture of tokens and URLs locust reads.
3. Starts the shop as production does, on 127.0.0.1 only: ``deploy/bin/web``
   (gunicorn, ``deploy/gunicorn.conf.py``, exactly 2 worker processes,
   ``shop.settings.production``) and ``deploy/bin/worker`` (one Celery worker), on
   that database and Redis db 7, and the task outbox's relay (``deploy/bin/relay``);
   API rate limits raised by the environment.
4. Runs locust headless against it (``loadtest/locustfile.py``), bounded by
   ``--run-time``, statistics to CSV.
5. Stops everything it started, by process id, whatever happened.
6. Passes only if no request type has a failure (locust counts any unexpected
   status; the business conflicts the locustfile expects are counted apart), the
   web log has no 5xx and the worker logged no error. Then it rewrites the "Load
   test" section of docs/benchmarks.md from locust's CSV; a failed run leaves the
   document alone and prints what failed.

Defaults come from the environment too: LOADTEST_USERS, LOADTEST_SPAWN_RATE,
LOADTEST_RUN_TIME, LOADTEST_PORT. Logs and CSV files: var/loadtest/.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.doc import loadavg, write_section  # noqa: E402
from harness.processes import Processes, ProcessExited, wait_for_url  # noqa: E402

WORK = ROOT / "var" / "loadtest"
LOGS = WORK / "logs"
FIXTURE = WORK / "fixture.json"
OUTCOMES = WORK / "outcomes.json"
CSV_PREFIX = WORK / "locust"
DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "# Load test: canteens, cooperatives, officials and shoppers at once"
BIN = ROOT / ".venv" / "bin"
PG = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "nongjia_load"
REDIS_URL = "redis://127.0.0.1:6379/7"
WEB_PROCESSES = 2
READY_TIMEOUT = 300
STOP_TIMEOUT = 40
# High enough that no user of the run is ever throttled: the run measures the
# shop, not its rate limits (a 429 would still count as a failure).
NO_THROTTLE = "1000000/minute"
ACCESS_STATUS = re.compile(r'"[A-Z]+ [^"]*" (\d{3}) ')


class RunFailed(Exception):
    pass


def say(message: str) -> None:
    print(f"[loadtest] {message}", flush=True)


def options(argv: list[str]) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=int(env("LOADTEST_USERS") or 40))
    parser.add_argument(
        "--spawn-rate", type=float, default=float(env("LOADTEST_SPAWN_RATE") or 4)
    )
    parser.add_argument("--run-time", default=env("LOADTEST_RUN_TIME") or "2m")
    parser.add_argument("--port", type=int, default=int(env("LOADTEST_PORT") or 18301))
    parser.add_argument(
        "--no-history",
        action="store_true",
        help="load the demo without its H1 2020 ledger (faster; the reports "
        "then read an almost empty period)",
    )
    parser.add_argument(
        "--no-doc", action="store_true", help="leave docs/benchmarks.md alone"
    )
    parser.add_argument(
        "--section",
        default="",
        help="write the run under its own heading ('Load test: …: SECTION') rather "
        "than the default run's, e.g. a heavier run beside the usual one",
    )
    return parser.parse_args(argv)


def heading(args: argparse.Namespace) -> str:
    return f"{HEADING}: {args.section}" if args.section else HEADING


# --- environment and processes -----------------------------------------------------


def common_env(secret_key: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CELERY_", "NONGJIA_", "API_THROTTLE_"))
        and k not in {"DATABASE_URL", "REDIS_URL", "EMAIL_BACKEND"}
    }
    env.update(
        PATH=f"{BIN}:{env.get('PATH', '')}",
        DATABASE_URL=f"{PG}/{DB_NAME}",
        DJANGO_SECRET_KEY=secret_key,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(WORK / "static"),
        MEDIA_ROOT=str(WORK / "media"),
        LOG_LEVEL="WARNING",
        # The orders' e-mails are rendered and handed to a backend that drops them.
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    return env


def loading_env(common: dict[str, str]) -> dict[str, str]:
    """The demo loader refuses production settings: base settings, tasks run in
    process (no REDIS_URL) while loading."""
    return {
        **common,
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "NONGJIA_ALLOW_DEMO_DATA": "1",
        "REDIS_URL": "",
    }


def serving_env(common: dict[str, str], port: int) -> dict[str, str]:
    return {
        **common,
        "DJANGO_SETTINGS_MODULE": "shop.settings.production",
        "REDIS_URL": REDIS_URL,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(WEB_PROCESSES),
        # As compose does: the web process applies any migration still missing
        # under its advisory lock before serving (the worker waits for it).
        "NONGJIA_MIGRATE_ON_START": "1",
        "CELERY_WORKER_NAME": "loadtest",
        "CELERY_WORKER_CONCURRENCY": "1",
        "OUTBOX_RELAY_HEARTBEAT": str(WORK / "relay.heartbeat"),
        "API_THROTTLE_USER": NO_THROTTLE,
        "API_THROTTLE_ANON": NO_THROTTLE,
    }


def step(name: str, args: list[str], env: dict[str, str]) -> None:
    """Run one preparation step, its output in logs/<name>.log."""
    started = time.monotonic()
    with (LOGS / f"{name}.log").open("w") as log:
        result = subprocess.run(
            args, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, check=False
        )
    if result.returncode != 0:
        tail = (LOGS / f"{name}.log").read_text().splitlines()[-20:]
        raise RunFailed(f"{name} failed ({result.returncode}):\n" + "\n".join(tail))
    say(f"{name}: {time.monotonic() - started:.0f} s")


def reset_stores() -> None:
    import psycopg
    import redis

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DB_NAME}"')
    redis.Redis.from_url(REDIS_URL).flushdb()
    say(f"fresh database {DB_NAME}; Redis db 7 emptied")


def wait_ready(processes: Processes, port: int) -> None:
    started = time.monotonic()
    url = f"http://127.0.0.1:{port}/readyz"
    if not wait_for_url(url, READY_TIMEOUT, processes=processes):
        raise RunFailed(f"web not ready after {READY_TIMEOUT} s")
    say(f"web ready after {time.monotonic() - started:.0f} s")


def warm_up(port: int) -> None:
    """A few store pages for each web process before measuring, as a shop that
    has been running has: templates compiled, caches filled. Not measured."""
    shop = json.loads(FIXTURE.read_text("utf-8"))["shop"]
    term = urllib.parse.quote(shop["search_terms"][0])
    urls = ["/catalogue/", shop["categories"][0], shop["products"][0]]
    urls.append(f"/search/?q={term}")
    for _round in range(2 * WEB_PROCESSES):
        for url in urls:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{url}", headers={"X-Forwarded-Proto": "https"}
            )
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
            except (urllib.error.URLError, OSError) as error:
                raise RunFailed(f"warm-up: {url}: {error}") from error


def run_locust(args: argparse.Namespace, env: dict[str, str]) -> int:
    command = [
        str(BIN / "locust"),
        "--locustfile",
        "loadtest/locustfile.py",
        "--headless",
        "--host",
        f"http://127.0.0.1:{args.port}",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        args.run_time,
        "--stop-timeout",
        "10",
        "--csv",
        str(CSV_PREFIX),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    say(f"locust: {args.users} users, spawn rate {args.spawn_rate}/s, {args.run_time}")
    locust_env = {
        **env,
        "LOADTEST_FIXTURE": str(FIXTURE),
        "LOADTEST_OUTCOMES": str(OUTCOMES),
    }
    with (LOGS / "locust.log").open("w") as log:
        return subprocess.run(
            command, env=locust_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        ).returncode


# --- results -------------------------------------------------------------------------


def read_stats() -> list[dict]:
    with open(f"{CSV_PREFIX}_stats.csv", encoding="utf-8") as stats:
        return list(csv.DictReader(stats))


def read_failures() -> list[dict]:
    path = Path(f"{CSV_PREFIX}_failures.csv")
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as failures:
        return list(csv.DictReader(failures))


def server_errors() -> Counter:
    """5xx answers in the web processes' access log, by status."""
    found: Counter = Counter()
    for line in (LOGS / "web-0.log").read_text(errors="replace").splitlines():
        match = ACCESS_STATUS.search(line)
        if match and match.group(1).startswith("5"):
            found[match.group(1)] += 1
    return found


def process_errors() -> dict[str, int]:
    """Error lines each background process logged (the web's are its 5xx)."""
    found = {}
    for name in ("worker", "relay"):
        log = LOGS / f"{name}-0.log"  # harness.processes names
        if not log.exists():
            continue
        lines = log.read_text(errors="replace").splitlines()
        errors = [line for line in lines if "ERROR" in line or "Traceback" in line]
        if errors:
            found[name] = len(errors)
    return found


def web_busy(seconds: float) -> float:
    """The share of the run the web processes spent on locust's requests: their
    durations in the access log (%(D)s, microseconds) over processes x run time.
    Near 100% the shop, not the users' think time, set the pace."""
    busy = 0
    for line in (LOGS / "web-0.log").read_text(errors="replace").splitlines():
        if ACCESS_STATUS.search(line) and '"python-requests/' in line:
            busy += int(line.rsplit(" ", 1)[1])
    return busy / 1e6 / (WEB_PROCESSES * seconds) * 100


def verdict(stats: list[dict], locust_code: int) -> list[str]:
    problems = []
    for row in stats:
        if row["Name"] != "Aggregated" and int(row["Failure Count"]):
            failed = row["Failure Count"]
            problems.append(f"{row['Type']} {row['Name']}: {failed} failed")
    total = next((r for r in stats if r["Name"] == "Aggregated"), None)
    if total is None or not int(total["Request Count"]):
        problems.append("no request was made")
    for status, count in sorted(server_errors().items()):
        problems.append(f"{count} answers {status} in the web log")
    for name, count in process_errors().items():
        problems.append(f"{count} error lines in the {name} log")
    if locust_code != 0 and not problems:
        problems.append(f"locust exited {locust_code}")
    return problems


# --- the document ------------------------------------------------------------------


def _git(*args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return result.stdout.strip()


def machine() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    meminfo = Path("/proc/meminfo").read_text()
    kib = int(re.search(r"MemTotal:\s*(\d+) kB", meminfo).group(1))
    return {
        "cpu": model.group(1).strip() if model else platform.machine(),
        "cores": str(os.cpu_count()),
        "ram": f"{kib / 1024 / 1024:.1f} GiB",
        "os": platform.platform(),
    }


def versions() -> str:
    import psycopg

    with psycopg.connect(f"{PG}/{DB_NAME}") as connection:
        server = connection.execute("SHOW server_version").fetchone()[0]
    # By metadata: importing locust here would monkey-patch this process (gevent).
    return (
        f"PostgreSQL {server}, Python {platform.python_version()}, Django "
        f"{metadata.version('django')}, locust {metadata.version('locust')}"
    )


def _ms(value: str) -> str:
    return "-" if value in ("", "N/A") else f"{float(value):.0f}"


def results_table(stats: list[dict]) -> list[str]:
    lines = [
        "| type | request | requests | failures | req/s | p50 ms | p95 ms "
        "| p99 ms | max ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in stats:
        aggregated = row["Name"] == "Aggregated"
        name = "**all requests**" if aggregated else f"`{row['Name']}`"
        lines.append(
            f"| {row['Type']} | {name} | {row['Request Count']} "
            f"| {row['Failure Count']} | {float(row['Requests/s']):.2f} "
            f"| {_ms(row['50%'])} | {_ms(row['95%'])} | {_ms(row['99%'])} "
            f"| {_ms(row['Max Response Time'])} |"
        )
    return lines


def outcomes_table(outcomes: dict) -> list[str]:
    counted = outcomes.get("outcomes", {})
    expected = outcomes.get("expected", {})
    lines = ["| outcome | count | why it happens |", "|---|---:|---|"]
    for name in sorted(counted):
        why = expected.get(name, "")
        shown = f"409 `{name.split()[1]}` on {name.split()[0]}" if why else name
        lines.append(f"| {shown} | {counted[name]} | {why} |")
    return lines


def render(args, *, started, finished, stats, outcomes, load) -> str:
    users = outcomes.get("users", {})
    data = json.loads(FIXTURE.read_text("utf-8"))
    busy = web_busy((finished - started).total_seconds())
    host = machine()
    commit = _git("rev-parse", "--short", "HEAD")
    changed = len(_git("status", "--porcelain").splitlines())
    code = f"commit {commit}" + (
        f", with uncommitted changes in {changed} files" if changed else ""
    )
    split = ", ".join(f"{n} {c}" for c, n in sorted(users.items())) or "n/a"
    cpu = (
        " Locust's own process went above 90% CPU during the run, so it may have "
        "sent less than the users would have: the throughput is a lower bound."
        if outcomes.get("locust_cpu_warning")
        else ""
    )
    command = (
        f"python loadtest/run.py --users {args.users} --spawn-rate "
        f"{args.spawn_rate:g} --run-time {args.run_time}"
        + (" --no-history" if args.no_history else "")
        + (f' --section "{args.section}"' if args.section else "")
    )
    return "\n".join(
        [
            heading(args),
            "",
            f"Measured {started:%Y-%m-%d %H:%M} – {finished:%H:%M %Z} with "
            f"`make loadtest` (`{command}`). Every figure below is copied by "
            "`loadtest/run.py` from locust's statistics (`var/loadtest/"
            "locust_stats.csv`); the run passed: no request type had a failure, "
            "the web log has no 5xx, the background processes logged no error.",
            "",
            "## Setup",
            "",
            f"- Machine: {host['cpu']}, {host['cores']} cores, {host['ram']} RAM "
            f"(`/proc`), {host['os']}. Load average before / after: {load[0]} / "
            f"{load[1]}. Locust ran on the same cores as the shop, and other "
            "users' work may share them: compare runs on the same machine only." + cpu,
            f"- Code: {code}. {versions()}.",
            f"- Server: gunicorn with {WEB_PROCESSES} sync worker processes "
            "(`deploy/bin/web`, `deploy/gunicorn.conf.py`, "
            "`shop.settings.production`), one Celery worker process "
            "(`deploy/bin/worker`, concurrency 1) for the orders' e-mails and "
            "other tasks after commit, the task outbox's relay (`deploy/bin/relay`)"
            f"; PostgreSQL database `{DB_NAME}` and Redis "
            "db 7 (cache and broker), everything on 127.0.0.1; no proxy (locust "
            "sends what the proxy would, `X-Forwarded-Proto: https`).",
            f"- Load: {args.users} users ({split}), started {args.spawn_rate:g} a "
            f"second, for {args.run_time}. Think time between tasks: shoppers "
            "1–4 s, canteen buyers and cooperative managers 2–6 s, officials "
            "3–10 s (`loadtest/locustfile.py`).",
            "- Data: the demo (`load_demo`"
            + (
                " `--no-history`, without its H1 2020 ledger)"
                if args.no_history
                else ", with its H1 2020 ledger)"
            )
            + f", plus `loadtest/prepare.py`: {len(data['canteens'])} canteens "
            "delivering every day, half of them on account; "
            f"{len(data['managers'])} cooperative managers (a second one for "
            f"each cooperative); {len(data['officials'])} officials; "
            f"{data['stock']['lots']} fresh lots of {data['stock']['units']:,} "
            f"units of each of the {len(data['skus'])} certified products.",
            "",
            "## Results",
            "",
            "Per request type: requests, failures, throughput over the run, and "
            "response times in milliseconds (locust's percentiles, which it "
            "rounds to two significant digits above 100 ms).",
            "",
            *results_table(stats),
            "",
            f"The {WEB_PROCESSES} web processes were busy {busy:.0f}% of the run "
            "answering these requests (their durations in gunicorn's access log "
            "over processes times run time): near 100% the shop, not the users' "
            "think time, set the pace and the response times include waiting "
            "for a free process.",
            "",
            "## What the users did",
            "",
            "Business outcomes counted by the locustfile. A 409 listed here is a "
            "conflict the business expects under concurrency: locust counted it "
            "as a success, for the reason given. Any other 409 is a failure.",
            "",
            *outcomes_table(outcomes),
            "",
            "## Reproduce",
            "",
            "```sh",
            f'make loadtest LOADTEST_ARGS="--users {args.users} --spawn-rate '
            f'{args.spawn_rate:g} --run-time {args.run_time}"',
            "```",
            "",
            "It only ever uses the database `nongjia_load` (dropped and made "
            "again) and Redis db 7 (emptied), and stops what it started. "
            "Details: `loadtest/run.py`.",
            "",
        ]
    )


# --- the run -----------------------------------------------------------------------


def main(argv: list[str]) -> int:
    args = options(argv)
    # A TERM (make interrupted, a CI timeout) unwinds through ``finally`` too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    LOGS.mkdir(parents=True, exist_ok=True)
    for stale in (FIXTURE, OUTCOMES, *WORK.glob("locust_*.csv")):
        stale.unlink(missing_ok=True)
    common = common_env(secrets.token_urlsafe(50))
    loading = loading_env(common)
    serving = serving_env(common, args.port)
    python = str(BIN / "python")
    processes = Processes(LOGS)
    try:
        reset_stores()
        step("migrate", [python, "manage.py", "migrate", "--verbosity", "0"], loading)
        demo = [python, "manage.py", "load_demo"]
        step("load_demo", demo + (["--no-history"] if args.no_history else []), loading)
        step("prepare", [python, "loadtest/prepare.py", str(FIXTURE)], loading)
        # No collectstatic: whitenoise finds the files itself (WHITENOISE_USE_FINDERS)
        # and no user fetches them; compressing them all would take minutes.
        (WORK / "static").mkdir(exist_ok=True)
        processes.start("web", ["deploy/bin/web"], serving)
        processes.start("worker", ["deploy/bin/worker"], serving)
        processes.start("relay", ["deploy/bin/relay"], serving)
        wait_ready(processes, args.port)
        warm_up(args.port)
        load_before = loadavg()
        started = datetime.datetime.now().astimezone()
        locust_code = run_locust(args, common)
        finished = datetime.datetime.now().astimezone()
        load_after = loadavg()
        processes.check_alive()
    except (RunFailed, ProcessExited) as error:
        say(f"FAILED: {error}")
        return 1
    finally:
        codes = processes.stop_all(STOP_TIMEOUT)
        say(f"stopped: {codes}")
    stats = read_stats()
    print("\n".join(results_table(stats)), flush=True)
    outcomes = json.loads(OUTCOMES.read_text()) if OUTCOMES.exists() else {}
    print("\n".join(outcomes_table(outcomes)), flush=True)
    problems = verdict(stats, locust_code)
    if problems:
        for failure in read_failures():
            say(
                f"failure: {failure['Method']} {failure['Name']}: "
                f"{failure['Error']} (x{failure['Occurrences']})"
            )
        for problem in problems:
            say(f"FAILED: {problem}")
        say(f"logs: {LOGS}; docs/benchmarks.md left as it was")
        return 1
    if not args.no_doc:
        text = render(
            args,
            started=started,
            finished=finished,
            stats=stats,
            outcomes=outcomes,
            load=(load_before, load_after),
        )
        write_section(DOC, heading(args), text)
        say(f"wrote the section of {DOC.relative_to(ROOT)}")
    say("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
