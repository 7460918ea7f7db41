"""The backup restore drill (``deploy/bin/restore-drill``, docs/operations.md) run
for real on the test database: dumped, restored into a scratch database, every
table's rows counted back. PostgreSQL only (pg_dump has nothing to do on SQLite)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import ProductFactory, make_cooperative, make_lot

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the drill dumps PostgreSQL"
)


def database_url() -> str:
    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


def test_the_drill_restores_a_copy_with_every_row(transactional_db, tmp_path):
    cooperative = make_cooperative()
    product = ProductFactory()
    make_lot(cooperative=cooperative, product=product, kg="10")
    make_lot(cooperative=cooperative, product=product, kg="20")
    scratch = f"{connection.settings_dict['NAME']}_drill"

    result = subprocess.run(
        [
            sys.executable,
            "deploy/bin/restore-drill",
            "--source",
            database_url(),
            "--scratch",
            scratch,
            "--dump-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed: the restored copy matches the dump" in result.stdout
    lots = re.search(r"suppliers_stocklot\s+(\d+)\s+(\d+)\s+ok", result.stdout)
    assert lots is not None, result.stdout
    assert lots.groups() == ("2", "2")
    assert len(list(tmp_path.glob("*.dump"))) == 1
    with connection.cursor() as cursor:  # the scratch copy was dropped
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [scratch])
        assert cursor.fetchone() is None
