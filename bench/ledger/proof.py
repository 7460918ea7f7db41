"""Proof that the reports (read from the summaries) equal the raw ledger.

For a period and a grouping, the same figures straight from ``LedgerEntry`` in one
SQL statement of its own — no summary table, no report code: kg and yuan summed,
households and orders counted where their net yuan in the group is above zero.
PostgreSQL only (the benchmark's database); the reports' own tests compare them
with a brute-force recomputation on both databases.
"""

import datetime
from decimal import Decimal

from django.db import connection

# The group's expression on the entry ``e`` (joined to its channel ``c``, village
# ``v`` and town ``t``), and any join it needs.
GROUP_SQL = {
    None: ("0", ""),
    "channel": ("e.channel_id", ""),
    "channel-kind": ("c.kind", ""),
    "cooperative": ("e.cooperative_id", ""),
    "household": ("e.household_id", ""),
    "village": ("e.village_id", ""),
    "town": ("v.town_id", ""),
    "county": ("t.county_id", ""),
    "product": ("e.product_id", ""),
    # A product counts in its categories and every category above them.
    "category": (
        "pc.category_id",
        "JOIN (SELECT DISTINCT pc.product_id, anc.id AS category_id "
        "FROM catalogue_productcategory pc "
        "JOIN catalogue_category cc ON cc.id = pc.category_id "
        "JOIN catalogue_category anc ON cc.path LIKE anc.path || '%%') pc "
        "ON pc.product_id = e.product_id",
    ),
    "canteen": ("o.id", "JOIN canteens_organisation o ON o.channel_id = e.channel_id"),
}
TRUNC = "date_trunc('{interval}', e.sale_date)::date"


def ledger_figures(
    start: datetime.date, end: datetime.date, grouping, interval: str = "month"
) -> dict:
    """{group key: (kg, yuan, orders, households)} from the entries; the totals
    under the key ``None`` when ``grouping`` is None."""
    if grouping == "period":
        group, join = TRUNC.format(interval=interval), ""
    else:
        group, join = GROUP_SQL[grouping]
    sql = f"""
        WITH e AS (
            SELECT {group} AS g, e.household_id, e.order_ref, e.kg, e.yuan
            FROM ledger_ledgerentry e
            JOIN channels_channel c ON c.id = e.channel_id
            JOIN suppliers_village v ON v.id = e.village_id
            JOIN suppliers_town t ON t.id = v.town_id
            {join}
            WHERE e.sale_date BETWEEN %s AND %s
        ),
        sums AS (SELECT g, sum(kg) AS kg, sum(yuan) AS yuan FROM e GROUP BY g),
        households AS (
            SELECT g, count(*) FILTER (WHERE y > 0) AS n
            FROM (SELECT g, household_id, sum(yuan) AS y FROM e GROUP BY 1, 2) x
            GROUP BY g
        ),
        orders AS (
            SELECT g, count(*) FILTER (WHERE y > 0) AS n
            FROM (SELECT g, order_ref, sum(yuan) AS y FROM e GROUP BY 1, 2) x
            GROUP BY g
        )
        SELECT sums.g, sums.kg, sums.yuan, orders.n, households.n
        FROM sums JOIN households USING (g) JOIN orders USING (g)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, end])
        rows = cursor.fetchall()
    figures = {}
    for key, kg, yuan, orders, households in rows:
        value = (Decimal(kg), Decimal(yuan), orders, households)
        if any(value):
            figures[None if grouping is None else key] = value
    return figures


def report_figures(report) -> dict:
    """The same shape from a ``sales_report`` result."""
    if report.query.grouping is None:
        t = report.totals
        return {None: (t.kg, t.yuan, t.orders, t.households)}
    return {
        r.key: (r.kg, r.yuan, r.orders, r.households)
        for r in report.rows
        if r.kg or r.yuan or r.orders or r.households
    }


def differences(report_side: dict, ledger_side: dict) -> list[str]:
    """Every group whose figures differ, as text (none when they are equal)."""
    zero = (Decimal(0), Decimal(0), 0, 0)
    out = []
    for key in sorted(set(report_side) | set(ledger_side), key=str):
        mine, theirs = report_side.get(key, zero), ledger_side.get(key, zero)
        if mine != theirs:
            out.append(f"{key}: report {mine}, ledger {theirs}")
    return out
