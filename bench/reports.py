"""``python -m bench.reports`` (``make bench-reports``): the officials' reports timed
on the benchmark year, proven equal to the raw ledger, written to the doc.

For each grouping (and the period grouping at each interval) and the headline,
``sales_report`` is called as the API calls it — a checked query, the report,
each row's label and figures made into plain values — once to warm up, then
``--repeat`` times, for a calendar month and for the whole year: median and p95
(nearest rank) in milliseconds. Then every one of those reports is compared, group
by group, with the same figures computed straight from ``LedgerEntry`` in SQL
(``bench.ledger.proof``); any difference fails the run (exit status 1). With
``--verify``, ``verify_ledger`` runs too, timed. Results go to the section
"Officials' reports at 10 million entries" of ``docs/benchmarks.md``; the order
benchmark's section is left as it is.
"""

import argparse
import datetime
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
GENERATION = ROOT / "var" / "bench-reports-generation.json"
AIM_MS = 300


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--month", type=int, default=6)
    parser.add_argument("--verify", action="store_true", help="run verify_ledger")
    parser.add_argument("--only", default="", help="groupings, comma-separated")
    parser.add_argument("--doc", type=Path, default=DOC)
    parser.add_argument("--no-doc", action="store_true")
    return parser


def _cases(only: str):
    from reports.query import GROUPINGS, INTERVALS

    cases = [(g, "month") for g in GROUPINGS if g != "period"]
    cases += [("period", interval) for interval in INTERVALS]
    cases.append(("headline", "month"))
    if only:
        wanted = set(only.split(","))
        cases = [c for c in cases if c[0] in wanted or f"{c[0]}:{c[1]}" in wanted]
    return cases


def _call(grouping: str, interval: str, start, end):
    """The report as the API gives it: query checked, rows labelled, values plain."""
    from reports.headline import headline
    from reports.query import build_query
    from reports.selectors import sales_report

    if grouping == "headline":
        h = headline(build_query(start=start, end=end))
        return None, [h.tonnes, h.yuan, h.channels_active, h.households, h.orders]
    report = sales_report(
        build_query(start=start, end=end, grouping=grouping, interval=interval)
    )
    rows = [
        {
            "key": str(r.key),
            "label": r.label,
            "kg": str(r.kg),
            "tonnes": str(r.tonnes),
            "yuan": str(r.yuan),
            "orders": r.orders,
            "households": r.households,
            "income_per_household": str(r.income_per_household),
        }
        for r in report.rows
    ]
    return report, rows


def _time(grouping, interval, start, end, repeat: int) -> dict:
    from bench.stats import percentile

    _call(grouping, interval, start, end)  # warm-up
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        report, rows = _call(grouping, interval, start, end)
        seconds.append(time.perf_counter() - began)
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 1),
        "rows": len(rows) if report is not None else 1,
        "via": report.distinct_from if report is not None else "summaries+facts",
        "report": report,
    }


def _prove(grouping, interval, start, end, report) -> list[str]:
    from bench.ledger.proof import differences, ledger_figures, report_figures

    if report is None:
        return []
    found = differences(
        report_figures(report), ledger_figures(start, end, grouping, interval)
    )
    totals = report.totals
    if (start, end) not in _LEDGER_TOTALS:
        _LEDGER_TOTALS[(start, end)] = ledger_figures(start, end, None)
    found += differences(
        {None: (totals.kg, totals.yuan, totals.orders, totals.households)},
        _LEDGER_TOTALS[(start, end)],
    )
    return found


_LEDGER_TOTALS: dict = {}  # the period's totals straight from the ledger, once


def _counts() -> dict:
    from django.db import connection

    from channels.models import Channel
    from ledger.models import CounterSale, HouseholdIncome, LedgerEntry
    from suppliers.models import Cooperative, Household, LotShare, StockLot, Village

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT grain, count(*) FROM ledger_salesfact GROUP BY grain ORDER BY 1"
        )
        facts = dict(cursor.fetchall())
        cursor.execute(
            "SELECT kind, count(*) FROM ledger_periodmember GROUP BY kind ORDER BY 1"
        )
        members = dict(cursor.fetchall())
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return {
        "households": Household.objects.count(),
        "villages": Village.objects.count(),
        "cooperatives": Cooperative.objects.count(),
        "channels": Channel.objects.count(),
        "lots": StockLot.objects.count(),
        "lot shares": LotShare.objects.count(),
        "counter sales": CounterSale.objects.count(),
        "ledger entries": LedgerEntry.objects.count(),
        "reversing entries": LedgerEntry.objects.filter(reverses__isnull=False).count(),
        "daily sales facts": facts.get("day", 0),
        "monthly sales facts": facts.get("month", 0),
        "household period members": members.get("household", 0),
        "order period members": members.get("order", 0),
        "household incomes": HouseholdIncome.objects.count(),
        "database size": size,
        "postgresql": version,
    }


def _verify() -> dict:
    """verify_ledger, timed, with the process's peak memory."""
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    began = time.perf_counter()
    try:
        call_command("verify_ledger", stdout=out)
        result = out.getvalue().strip().splitlines()[-1]
        ok = True
    except CommandError as error:
        result = f"{error} — {out.getvalue().strip()[:500]}"
        ok = False
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "ok": ok,
        "result": result,
        "seconds": round(time.perf_counter() - began),
        "peak_mib": round(peak),
    }


def _write(args, results, failures, verified, load, argv) -> None:
    from bench import doc

    generation = (
        json.loads(GENERATION.read_text(encoding="utf-8"))
        if GENERATION.exists()
        else None
    )
    text = doc.render_reports(
        results=results,
        counts=_COUNTS or _COUNTS.update(_counts()) or _COUNTS,
        verified=verified,
        generation=generation,
        repeat=args.repeat,
        month=args.month_range,
        year=args.year_range,
        load=load,
        failures=failures,
        argv=" ".join(argv if argv is not None else sys.argv[1:]),
        cases=len(_cases(args.only)),
    )
    doc.write_section(args.doc, doc.REPORTS_HEADING, text)


_COUNTS: dict = {}


def main(argv=None) -> None:
    args = _parser().parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from bench import doc
    from bench.db import vacuum_analyze

    vacuum_analyze()
    year = datetime.date(args.year, 1, 1), datetime.date(args.year, 12, 31)
    first = datetime.date(args.year, args.month, 1)
    month = (
        first,
        (first + datetime.timedelta(days=32)).replace(day=1)
        - (datetime.timedelta(days=1)),
    )
    args.month_range, args.year_range = month, year
    load_before = doc.loadavg()
    results, failures = [], []
    for grouping, interval in _cases(args.only):
        row = {"grouping": grouping, "interval": interval}
        for name, (start, end) in (("month", month), ("year", year)):
            timing = _time(grouping, interval, start, end, args.repeat)
            row[name] = {k: v for k, v in timing.items() if k != "report"}
            wrong = _prove(grouping, interval, start, end, timing["report"])
            row[name]["proof"] = "equal" if timing["report"] is not None else "-"
            if wrong:
                row[name]["proof"] = f"{len(wrong)} difference(s)"
                failures += [f"{grouping}/{interval} {name}: {w}" for w in wrong[:5]]
        print(doc.table_line(row), flush=True)
        results.append(row)
        if not args.no_doc:  # each report as it is measured: a long run keeps them
            _write(args, results, failures, None, (load_before, doc.loadavg()), argv)
    verified = _verify() if args.verify else None
    if not args.no_doc:
        _write(args, results, failures, verified, (load_before, doc.loadavg()), argv)
        print(f"\nwritten to {args.doc}")
    if verified:
        print(f"verify_ledger: {verified['result']} ({verified['seconds']} s)")
    for failure in failures:
        print(f"DIFFERENCE {failure}", file=sys.stderr)
    if failures or (verified and not verified["ok"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
