"""``python -m bench`` (what ``make bench`` runs): both sides, one table, the doc.

Runs our bulk orders (``bench.orders``) and stock Oscar's checkout
(``bench.stock_oscar.checkout``) one after the other, each in its own process with
its own settings module, then prints the comparison and writes it, with the
machine it ran on, to its section of ``docs/benchmarks.md`` (the other sections
are kept). This process never sets Django up.
A side that fails is reported as failed, in the table and the doc, and the command
exits non-zero; numbers are never filled in.
"""

import argparse
import contextlib
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from bench import doc
from bench.stats import per_size

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
COMMAND = "make bench"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,50,100")
    parser.add_argument("--repeat", default="30", help="our orders per size")
    parser.add_argument(
        "--oscar-repeat",
        default="20,8,6",
        help="stock Oscar's orders per size (each needs its basket filled first)",
    )
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--doc", type=Path, default=DOC)
    parser.add_argument("--command", default=COMMAND, help="as shown in the doc")
    return parser


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def _run_side(module: str, settings: str, args: list[str], out: Path) -> dict:
    """Run one side in a fresh interpreter; its JSON, or why it failed."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings, "PYTHONPATH": str(ROOT)}
    load_before = _loadavg()
    started = datetime.datetime.now()
    process = subprocess.run(
        [sys.executable, "-m", module, *args, "--out", str(out)],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    sys.stderr.write(process.stderr)
    seconds = (datetime.datetime.now() - started).total_seconds()
    if process.returncode != 0:
        tail = "\n".join(process.stderr.strip().splitlines()[-15:])
        return {"failed": f"exit status {process.returncode}", "stderr": tail}
    report = json.loads(out.read_text(encoding="utf-8"))
    report["load_before"] = load_before
    report["load_after"] = _loadavg()
    report["seconds"] = round(seconds)
    return report


def _code_state() -> str:
    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".")
    return f"commit {commit}" + (
        " plus uncommitted changes in the working tree" if dirty else ""
    )


def _machine(ours: dict, oscar: dict) -> dict:
    cpu = "unknown"
    ram = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "code": _code_state(),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram": ram,
        "os": platform.platform(),
        "postgresql": ours.get("postgresql") or oscar.get("postgresql") or "unknown",
        "python": platform.python_version(),
        "django": metadata.version("django"),
        "oscar": metadata.version("django-oscar"),
        "drf": metadata.version("djangorestframework"),
        "psycopg": metadata.version("psycopg"),
    }


def _rows(ours: dict, oscar: dict, sizes: list[int]) -> list[dict]:
    mine = {r["lines"]: r for r in ours.get("results", [])}
    theirs = {r["lines"]: r for r in oscar.get("results", [])}
    rows = []
    for size in sizes:
        a, b = mine.get(size), theirs.get(size)
        rows.append(
            {
                "lines": size,
                "ours": a,
                "oscar": b,
                "latency_ratio": round(b["median_ms"] / a["median_ms"], 1)
                if a and b
                else None,
                "query_ratio": round(b["queries_median"] / a["queries_median"], 1)
                if a and b
                else None,
            }
        )
    return rows


def _cell(result: dict | None, key: str, failed: bool) -> str:
    if result is None:
        return "failed" if failed else "—"
    return f"{result[key]:g}"


def _queries(result: dict | None, failed: bool) -> str:
    if result is None:
        return "failed" if failed else "—"
    low, mid, high = (
        result["queries_min"],
        result["queries_median"],
        result["queries_max"],
    )
    return str(mid) if low == high else f"{mid} ({low}–{high})"


def _table(rows, ours_failed: bool, oscar_failed: bool) -> list[str]:
    lines = [
        "| lines | ours median ms | ours p95 ms | ours queries "
        "| Oscar median ms | Oscar p95 ms | Oscar queries "
        "| latency ratio | query ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        a, b = row["ours"], row["oscar"]
        ratio = row["latency_ratio"]
        qratio = row["query_ratio"]
        lines.append(
            f"| {row['lines']} "
            f"| {_cell(a, 'median_ms', ours_failed)} "
            f"| {_cell(a, 'p95_ms', ours_failed)} "
            f"| {_queries(a, ours_failed)} "
            f"| {_cell(b, 'median_ms', oscar_failed)} "
            f"| {_cell(b, 'p95_ms', oscar_failed)} "
            f"| {_queries(b, oscar_failed)} "
            f"| {f'{ratio:g}x' if ratio else '—'} "
            f"| {f'{qratio:g}x' if qratio else '—'} |"
        )
    return lines


def _failure(side: str, report: dict) -> list[str]:
    if "failed" not in report:
        return []
    return [
        "",
        f"**{side} failed** ({report['failed']}); no figures for it. "
        "The end of its output:",
        "",
        "```",
        report["stderr"],
        "```",
    ]


def _summary(rows) -> str:
    """What the ratios say, against the claim of an order of magnitude."""
    measured = [r for r in rows if r["latency_ratio"]]
    if not measured:
        return "No ratio: a side failed."
    parts = []
    for name, key in (("SQL queries", "query_ratio"), ("latency", "latency_ratio")):
        tenfold = [r["lines"] for r in measured if r[key] >= 10]
        ratios = ", ".join(f"{r[key]:g}x at {r['lines']}" for r in measured)
        if len(tenfold) == len(measured):
            verdict = "an order of magnitude or more at every size"
        elif tenfold:
            sizes = " and ".join(str(n) for n in tenfold)
            verdict = f"an order of magnitude at {sizes} lines only"
        else:
            verdict = "less than an order of magnitude at every size"
        parts.append(f"{name}: {ratios} lines — {verdict}")
    return "In short, ours against stock Oscar: " + "; ".join(parts) + "."


def _busy(ours: dict, oscar: dict, machine: dict) -> list[str]:
    """Say so when others kept the shared machine busy as a side started.

    Only the load before each side counts: while a side runs, its own Python
    process and PostgreSQL backend add one to two to the load average.
    """
    loads = []
    for report in (ours, oscar):
        with contextlib.suppress(ValueError, IndexError, AttributeError):
            loads.append(float(report.get("load_before", "").split()[0]))
    cpus = machine["nproc"] or 1
    if not loads or max(loads) < cpus / 2:
        return []
    return [
        "",
        f"The machine was busy when this run started a side (1-minute load "
        f"average up to {max(loads):g} on {cpus} CPUs, from other users' work on "
        "the same host and PostgreSQL server): absolute latencies are inflated "
        "for both sides; the ratios compare the two under the same conditions.",
    ]


def _verdict(ours: dict) -> str:
    results = ours.get("results") or []
    if not results:
        return "Not measured: our side failed."
    largest = max(results, key=lambda r: r["lines"])
    counts = {r["queries_min"] for r in results} | {r["queries_max"] for r in results}
    speed = (
        f"The {largest['lines']}-line median here is {largest['median_ms']:g} ms: "
        + ("aim met." if largest["median_ms"] < 100 else "aim **not** met.")
    )
    if len(counts) == 1:
        count = counts.pop()
        queries = f" Queries: {count} for every order of every size: " + (
            "aim met." if count <= 40 else "constant, but above ~40."
        )
    else:
        queries = (
            f" Queries: {min(counts)} to {max(counts)}, not constant: aim **not** met."
        )
    return speed + queries


def render(
    *, ours, oscar, sizes, machine, when, command, arguments, repeat, oscar_repeat
):
    rows = _rows(ours, oscar, sizes)
    ours_failed, oscar_failed = "failed" in ours, "failed" in oscar
    via = ours.get("via")
    endpoint = (
        "`POST /api/v1/bulk-orders/` (DRF `APIClient`, token authentication)"
        if via == "api"
        else "`fulfilment.placing.place_bulk_order` called directly "
        "(the API endpoint did not exist yet)"
    )
    data = ours.get("data", {})
    statuses = ", ".join(
        f"{n} {s}" for s, n in sorted(ours.get("statuses", {}).items())
    )
    out = [
        "# Benchmarks: bulk order placement against stock Oscar's checkout",
        "",
        f"Measured {when} with `{command}` (about "
        f"{ours.get('seconds', '?')} s for our side, "
        f"{oscar.get('seconds', '?')} s for stock Oscar's). "
        "Both sides ran in the same run on the same machine, against the same "
        "PostgreSQL server, one after the other, each in its own process.",
        "",
        "## Results",
        "",
        "Latency of placing one order, in milliseconds (median and p95, "
        "nearest rank), and SQL queries per order (median, with the range when "
        "it varies). Ratio = stock Oscar ÷ ours: how many times leaner ours is.",
        "",
        *_table(rows, ours_failed, oscar_failed),
        *_failure("Our side", ours),
        *_failure("Stock Oscar's side", oscar),
        "",
        _summary(rows),
        *_busy(ours, oscar, machine),
        "",
        "Orders measured per size: ours "
        + ", ".join(f"{n} of {s} lines" for s, n in zip(sizes, repeat, strict=True))
        + "; stock Oscar "
        + ", ".join(
            f"{n} of {s} lines" for s, n in zip(sizes, oscar_repeat, strict=True)
        )
        + ". Stock Oscar gets fewer because every order first needs its basket "
        "filled one product per request, and a basket-add costs queries in "
        "proportion to the lines already in the basket (a 100-line basket is "
        "~10,000 queries to build). With fewer than 20 orders, p95 (nearest rank) "
        "is the slowest of them.",
        "",
        "Project aims: a 100-line order placed and routed in under 100 ms median "
        "on PostgreSQL; SQL queries constant in the number of lines (under ~40). "
        + _verdict(ours),
        "",
        "## What is measured",
        "",
        f"- **Ours**: {endpoint}. One request places a canteen's order for "
        "tomorrow and routes every line to harvest lots: the canteen locked, "
        "lines validated and priced, the Oscar order and lines written, stock "
        "records and lots locked, lots chosen, kilograms reserved with a movement "
        "per lot, stock records re-derived, allocations written, status recorded. "
        "The e-mails to the buyer and cooperatives are queued after commit "
        "(Celery, here with the in-memory broker and no worker) and not sent "
        f"in the request. Orders' outcome: {statuses or 'n/a'}.",
        "- **Stock Oscar**: django-oscar "
        f"{machine['oscar']} unmodified (`bench/stock_oscar/settings.py`: "
        "`oscar.INSTALLED_APPS` + sorl-thumbnail, default strategy and shipping, "
        "Haystack simple backend, `ATOMIC_REQUESTS` as Oscar's guide "
        "recommends), its own database `nongjia_bench_oscar`. With Django's test "
        "`Client`, logged in: each product added through the basket-add view, "
        "then shipping address, shipping method, payment method, payment "
        "details, preview; only the final *place order* POST "
        "(`/checkout/preview/`, `action=place_order`) is timed. It creates the "
        "order, its lines and addresses, allocates stock, records the basket "
        "as submitted and renders and sends the confirmation e-mail inside the "
        "request (Django's in-memory e-mail backend: no mail server).",
        "- Both: DEBUG off, in-process test clients (no network, no web "
        "server), `time.perf_counter()` around the request, queries counted by "
        "`django.test.utils.CaptureQueriesContext` (savepoints included). "
        "Autovacuum is off on this shared PostgreSQL server, so each side runs "
        "`VACUUM ANALYZE` on its own database before each size (not timed), "
        "as autovacuum would keep statistics and dead rows in check. "
        "The same seeded draw of products (200 in each catalogue) and "
        "quantities (1–5 units) per order; "
        f"{ours.get('warmup', 3)} warm-up orders of {sizes[0]} lines on each "
        "side are not measured.",
        f"- Our data (`bench/data.py`, built through the services): 20 "
        "cooperatives, 500 households, 200 certified products of 0.5–5 kg, "
        f"{data.get('open_lots', '?')} open lots of 1,000 kg with three "
        "households' shares each (2,000 at first; products running low get ten "
        "more lots), one canteen delivering every day.",
        "",
        "## Machine",
        "",
        f"- CPU: {machine['cpu']}, {machine['nproc']} CPUs (`nproc`)",
        f"- RAM: {machine['ram']}",
        f"- OS: {machine['os']}",
        f"- PostgreSQL {machine['postgresql']} on 127.0.0.1, shared with other "
        "users' test runs (load average before/after: ours "
        f"{ours.get('load_before', '?')} / {ours.get('load_after', '?')}, "
        f"Oscar {oscar.get('load_before', '?')} / {oscar.get('load_after', '?')})",
        f"- Python {machine['python']}, Django {machine['django']}, "
        f"django-oscar {machine['oscar']}, DRF {machine['drf']}, "
        f"psycopg {machine['psycopg']}",
        "",
        "## Code measured",
        "",
        f"{machine['code']}.",
        "",
        "## Reproduce",
        "",
        "```sh",
        command,
        "```",
        "",
        f"which ran `python -m bench {arguments}`.",
        "",
        "It creates the databases `nongjia_bench` and `nongjia_bench_oscar` on "
        "127.0.0.1:5432 if missing, migrates both, builds or tops up the data, "
        "runs both sides and rewrites this file. Details: `bench/`.",
    ]
    return "\n".join(out) + "\n", rows


def main(argv=None) -> None:
    args = _parser().parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    repeat = per_size(args.repeat, sizes)
    oscar_repeat = per_size(args.oscar_repeat, sizes)
    common = ["--sizes", args.sizes, "--warmup", str(args.warmup)]
    common += ["--seed", str(args.seed)]
    with tempfile.TemporaryDirectory(prefix="nongjia-bench-") as tmp:
        ours = _run_side(
            "bench.orders",
            "bench.settings",
            [*common, "--repeat", args.repeat],
            Path(tmp) / "ours.json",
        )
        oscar = _run_side(
            "bench.stock_oscar.checkout",
            "bench.stock_oscar.settings",
            [*common, "--repeat", args.oscar_repeat],
            Path(tmp) / "oscar.json",
        )
    ours["warmup"] = args.warmup
    when = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    text, rows = render(
        ours=ours,
        oscar=oscar,
        sizes=sizes,
        machine=_machine(ours, oscar),
        when=when,
        command=args.command,
        arguments=" ".join(
            [
                f"--sizes {args.sizes} --repeat {args.repeat}",
                f"--oscar-repeat {args.oscar_repeat} --warmup {args.warmup}",
                f"--seed {args.seed}",
            ]
        ),
        repeat=repeat,
        oscar_repeat=oscar_repeat,
    )
    args.doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_section(args.doc, text.splitlines()[0], text)
    print()
    print("\n".join(_table(rows, "failed" in ours, "failed" in oscar)))
    print(f"\nwritten to {args.doc}")
    if "failed" in ours or "failed" in oscar:
        sys.exit(1)


if __name__ == "__main__":
    main()
