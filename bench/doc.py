"""``docs/benchmarks.md`` holds one section per benchmark: each run rewrites its own
section (from its heading to the next top-level heading) and keeps the others."""

from pathlib import Path

REPORTS_HEADING = "# Officials' reports at 10 million entries"
NOTES = Path(__file__).resolve().parent / "reports_notes.md"
AIM_MS = 300


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def split_sections(text: str) -> list[str]:
    """The text cut before each top-level heading (``# ...``)."""
    sections, current = [], []
    for line in text.splitlines(keepends=True):
        if line.startswith("# ") and current:
            sections.append("".join(current))
            current = []
        current.append(line)
    if current:
        sections.append("".join(current))
    return sections


def section(text: str, heading: str) -> str:
    """The section under ``heading`` ("" when there is none)."""
    for part in split_sections(text):
        if part.startswith(heading + "\n"):
            return part
    return ""


def write_section(path: Path, heading: str, body: str) -> None:
    """Replace the section under ``heading`` where it is (or append it); keep the
    others as they are."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    parts = split_sections(text)
    new = body.rstrip("\n") + "\n"
    if any(p.startswith(heading + "\n") for p in parts):
        parts = [new if p.startswith(heading + "\n") else p for p in parts]
    else:
        parts.append(new)
    parts = [p.rstrip("\n") + "\n" for p in parts]
    path.write_text("\n".join(parts), encoding="utf-8")


def _cell(result: dict, key: str) -> str:
    value = result[key]
    return f"**{value}**" if key == "median_ms" and value > AIM_MS else f"{value}"


def _name(row: dict) -> str:
    if row["grouping"] == "period":
        return f"period ({row['interval']})"
    return row["grouping"]


def table_line(row: dict) -> str:
    m, y = row["month"], row["year"]
    return (
        f"| {_name(row)} | {_cell(m, 'median_ms')} | {m['p95_ms']} | {m['rows']} "
        f"| {_cell(y, 'median_ms')} | {y['p95_ms']} | {y['rows']} | {y['via']} "
        f"| {m['proof']} / {y['proof']} |"
    )


TABLE_HEAD = [
    "| report | month median ms | month p95 ms | month rows | year median ms "
    "| year p95 ms | year rows | distinct counts from | equals the ledger "
    "(month / year) |",
    "|---|---:|---:|---:|---:|---:|---:|---|---|",
]


def _machine(postgresql: str) -> dict:
    from bench.__main__ import _machine as machine

    return machine({"postgresql": postgresql}, {})


def render_reports(
    *,
    results,
    counts,
    verified,
    generation,
    repeat,
    month,
    year,
    load,
    failures,
    argv,
    cases,
) -> str:
    import datetime

    machine = _machine(counts["postgresql"])
    slow = [
        f"{_name(r)} ({p})"
        for r in results
        for p in ("month", "year")
        if r[p]["median_ms"] > AIM_MS
    ]
    when = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    out = [
        REPORTS_HEADING,
        "",
        f"Measured {when} with `make bench-reports` (`python -m bench.reports "
        f"{argv}`), on the database `nongjia_bench_reports` filled by "
        "`python -m bench.ledger` (a year of counter sales, `bench/ledger/`).",
        "",
        "## Results",
        "",
        f"Each report as the API calls it (`build_query`, `sales_report`, every row's "
        f"label and figures made plain values; the headline with its previous "
        f"period), for the month {month[0]} – {month[1]} and the year {year[0]} – "
        f"{year[1]}: one warm-up call, then {repeat} timed calls; median and p95 "
        f"(nearest rank) in milliseconds. Medians above the {AIM_MS} ms aim are in "
        "bold.",
        "",
        *TABLE_HEAD,
        *(table_line(r) for r in results),
        "",
    ]
    if len(results) < cases:
        out += [
            f"**Partial:** {len(results)} of the {cases} reports measured so far "
            "(the run writes each as it is measured).",
            "",
        ]
    if slow:
        out.append(
            f"Above {AIM_MS} ms median: {', '.join(slow)}. Why: see *What is still "
            "slow* below."
        )
    else:
        out.append(f"Every report is under {AIM_MS} ms median: aim met.")
    if slow and NOTES.exists():
        out += ["", NOTES.read_text(encoding="utf-8").strip()]
    out += ["", "## Summaries equal the raw ledger", ""]
    if failures:
        out.append(f"**{len(failures)} difference(s)** (first ones):")
        out += [f"- {f}" for f in failures[:20]]
    else:
        out.append(
            "Every report above (month and year), group by group — kg, yuan, "
            "orders and households reached — and its totals equal the same figures "
            "computed straight from `ledger_ledgerentry` in one SQL statement per "
            "report (`bench/ledger/proof.py`): no difference."
        )
    out += ["", "## verify_ledger", ""]
    if verified:
        out.append(
            f"`manage.py verify_ledger` on this database: {verified['result']} "
            f"({'passed' if verified['ok'] else '**failed**'}), in "
            f"{verified['seconds']} s, peak memory of the process "
            f"{verified['peak_mib']} MiB."
        )
    else:
        out.append("Not run in this measurement (`--verify`).")
    out += ["", "## Data", ""]
    if generation:
        out.append(
            f"Generated by `python -m bench.ledger {generation.get('argv', '')}` in "
            f"{generation['seconds']} s ({generation['seconds'] / 60:.1f} min), "
            "indexes and foreign keys rebuilt and `VACUUM ANALYZE` included."
        )
        out.append("")
    out += [
        f"- {name}: {value:,}"
        for name, value in counts.items()
        if isinstance(value, int)
    ]
    out += [f"- database size: {counts['database size']}", ""]
    out += [
        "## Machine",
        "",
        f"- CPU: {machine['cpu']}, {machine['nproc']} CPUs (`nproc`)",
        f"- RAM: {machine['ram']}",
        f"- OS: {machine['os']}",
        f"- PostgreSQL {machine['postgresql']} on 127.0.0.1, shared with other "
        f"users' test runs (load average before/after: {load[0]} / {load[1]})",
        f"- Python {machine['python']}, Django {machine['django']}, "
        f"psycopg {machine['psycopg']}",
        f"- Code: {machine['code']}.",
        "",
    ]
    return "\n".join(out)
