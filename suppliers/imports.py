"""Bulk import of harvest lots with household shares from CSV or XLSX.

Interface (implementation in progress): every row is checked first; errors come back
per row with the file's line numbers; nothing is imported unless all rows are good.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str


class ImportRejected(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


COLUMNS = [
    "lot_code",
    "sku",
    "harvest_date",
    "best_before",
    "lot_kg",
    "household_archive_number",
    "share_kg",
    "unit_price",
]


def import_lots(*, cooperative, content: bytes, filename: str, actor=None) -> list:
    """Import lots; returns the StockLots created or raises ImportRejected."""
    raise NotImplementedError
