"""``python -m bench.ledger``: fill ``nongjia_bench_reports`` with a year of ledger.

Refuses any other database (``bench.settings`` checks the name). With data already
there it stops, unless ``--reset``, which drops and recreates that database and
migrates it first.
"""

import argparse
import json
import os
import subprocess
import sys

import django

from bench.reports import GENERATION

DATABASE = "nongjia_bench_reports"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--households", type=int, default=54_866)
    parser.add_argument("--cooperatives", type=int, default=300)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--reset", action="store_true", help="start from empty")
    return parser


def _recreate() -> None:
    """Drop and recreate the benchmark database (and only it), then migrate."""
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DATABASE}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"], check=True
    )


def main(argv=None) -> None:
    args = _parser().parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    if not os.environ.get("DATABASE_URL", "").endswith(f"/{DATABASE}"):
        sys.exit(f"Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/{DATABASE}")
    if args.reset:
        print(f"Recreating {DATABASE}...", flush=True)
        _recreate()
    django.setup()
    from dataclasses import asdict

    from bench.ledger.generate import PREFIX, generate
    from ledger.models import CounterSaleBatch

    if CounterSaleBatch.objects.filter(reference__startswith=PREFIX).exists():
        print(f"{DATABASE} has the benchmark year already (--reset to rebuild).")
        return
    summary = generate(
        entries=args.entries,
        households=args.households,
        cooperatives=args.cooperatives,
        year=args.year,
        seed=args.seed,
        fast_load=True,
        say=lambda message: print(message, flush=True),
    )
    print(summary)
    GENERATION.parent.mkdir(exist_ok=True)
    GENERATION.write_text(
        json.dumps({**asdict(summary), "argv": " ".join(argv or sys.argv[1:])}),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
