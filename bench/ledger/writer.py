"""Rows into the database, fast: PostgreSQL ``COPY`` in chunks, else ``bulk_create``.

Ids are given by the generator (reversals name the entries they cancel), from
each table's current maximum, and the sequences are moved past them at the end.
On PostgreSQL the big tables' secondary indexes and foreign keys can be dropped
for the load and recreated (and so checked) after it, all in the caller's
transaction: a load that fails leaves the database as it was.
"""

import json
from collections.abc import Sequence

from django.db import connection
from django.db.models import Max

CHUNK_ROWS = 100_000
SQLITE_BATCH = 2000


def _text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    if isinstance(value, dict):
        return _text(json.dumps(value, ensure_ascii=False))
    return str(value)


class Table:
    """One table being written: ``add`` rows (tuples in ``fields`` order)."""

    def __init__(self, model, fields: Sequence[str]):
        self.model = model
        self.fields = list(fields)
        self.copy = connection.vendor == "postgresql"
        self.buffer: list = []
        self.written = 0
        top = model.objects.aggregate(top=Max("pk"))["top"] or 0
        self._next = top + 1

    def next_id(self) -> int:
        value = self._next
        self._next += 1
        return value

    def add(self, row: tuple) -> None:
        if self.copy:
            self.buffer.append("\t".join([_text(v) for v in row]))
        else:
            self.buffer.append(self.model(**dict(zip(self.fields, row, strict=True))))
        if len(self.buffer) >= (CHUNK_ROWS if self.copy else SQLITE_BATCH):
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        if self.copy:
            columns = ", ".join(
                connection.ops.quote_name(self.model._meta.get_field(f).column)
                for f in self.fields
            )
            table = connection.ops.quote_name(self.model._meta.db_table)
            statement = f"COPY {table} ({columns}) FROM STDIN"
            with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
                copy.write("\n".join(self.buffer) + "\n")
        else:
            self.model.objects.bulk_create(self.buffer)
        self.written += len(self.buffer)
        self.buffer = []

    def reset_sequence(self) -> None:
        """Move the id sequence past the ids given here (PostgreSQL; SQLite's
        follows the largest id by itself)."""
        if not self.copy:
            return
        table = self.model._meta.db_table
        quoted = connection.ops.quote_name(table)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {quoted}))",
                [table],
            )


def drop_secondary(models) -> list[str]:
    """Drop the tables' foreign keys, unique constraints and secondary indexes
    (PostgreSQL); the statements that recreate them."""
    if connection.vendor != "postgresql":
        return []
    restore, drop = [], []
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') "
                "ORDER BY conname",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.tablename = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conrelid = %s::regclass AND c.conname = i.indexname) "
                "ORDER BY i.indexname",
                [table, table],
            )
            indexes = cursor.fetchall()
            for name, definition in constraints:
                drop.append(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                restore.append(
                    f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
                )
            for name, definition in indexes:
                drop.append(f'DROP INDEX "{name}"')
                restore.insert(0, definition)  # indexes first, then constraints
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the rows so far
        for statement in drop:
            cursor.execute(statement)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return restore


def restore_secondary(statements: Sequence[str], say) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for statement in statements:
            say(f"  {statement[:110]}")
            cursor.execute(statement)
