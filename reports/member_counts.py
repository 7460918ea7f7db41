"""Households reached and orders counted from the period members by PostgreSQL.

The same counts as ``selectors._count_members`` computes in Python (which SQLite
uses), but without shipping the members to Python: a year has ~55,000 household
members and ~1 million order members, each with its maps. The maps are expanded
with ``jsonb_each_text`` only when a grouping or a filter reads them. Rules, as
there: a member counts where its net yuan — in the filter's ids when a dimension is
filtered — is above zero; grouped by a map, in each group where its net yuan is
above zero; across several periods, a member is counted once in the totals.
"""

from django.db import connection

CATEGORIES = (
    "(SELECT DISTINCT pc.product_id, anc.id AS category_id "
    "FROM catalogue_productcategory pc "
    "JOIN catalogue_category cc ON cc.id = pc.category_id "
    "JOIN catalogue_category anc ON cc.path LIKE anc.path || '%%')"
)
# A map's key as the group it belongs to, and the join that needs.
MAP_GROUPS = {
    "channel": ("kv.key::bigint", ""),
    "cooperative": ("kv.key::bigint", ""),
    "product": ("kv.key::bigint", ""),
    "channel-kind": ("c.kind", "JOIN channels_channel c ON c.id = kv.key::bigint"),
    "canteen": (
        "o.id",
        "JOIN canteens_organisation o ON o.channel_id = kv.key::bigint",
    ),
    # A product counts in its categories and every category above them.
    "category": (
        "pc.category_id",
        f"JOIN {CATEGORIES} pc ON pc.product_id = kv.key::bigint",
    ),
}
PLACES = {"village": "pm.village_id", "town": "v.town_id", "county": "t.county_id"}
PLACE_JOINS = (
    "LEFT JOIN suppliers_village v ON v.id = pm.village_id "
    "LEFT JOIN suppliers_town t ON t.id = v.town_id"
)


def count_members(
    *,
    kind: str,
    periods: list[str],
    places: dict,
    map_name: str | None,
    keep: set[str] | None,
    grouping: str | None,
    group_map: str | None,
) -> tuple[dict, int]:
    """(count by group key — period keys for the period grouping —, the total)."""
    where = ["pm.kind = %s", "pm.period = ANY(%s)"]
    params: list = [kind, list(periods)]
    for name, value in places.items():
        where.append(f"{PLACES[name]} = %s")
        params.append(value)
    if map_name:
        where.append(
            "(SELECT coalesce(sum(x.value::numeric), 0) "
            f"FROM jsonb_each_text(pm.{map_name}) x WHERE x.key = ANY(%s)) > 0"
        )
        params.append(sorted(keep))
    else:
        where.append("pm.yuan > 0")
    base = f"FROM ledger_periodmember pm {PLACE_JOINS} WHERE {' AND '.join(where)}"
    distinct = "count(*)" if len(periods) == 1 else "count(DISTINCT pm.member)"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {distinct} {base}", params)
        total = cursor.fetchone()[0]
        groups = {}
        if grouping == "period":
            cursor.execute(f"SELECT pm.period, count(*) {base} GROUP BY 1", params)
            groups = dict(cursor.fetchall())
        elif grouping in PLACES:
            cursor.execute(
                f"SELECT {PLACES[grouping]}, count(DISTINCT pm.member) {base} "
                "GROUP BY 1",
                params,
            )
            groups = dict(cursor.fetchall())
        elif group_map:
            group, join = MAP_GROUPS[grouping]
            condition, extra = "kv.value::numeric > 0", []
            if keep is not None and group_map == map_name:
                condition += " AND kv.key = ANY(%s)"
                extra = [sorted(keep)]
            cursor.execute(
                f"SELECT {group}, count(DISTINCT pm.id) "
                f"FROM ledger_periodmember pm {PLACE_JOINS} "
                f"CROSS JOIN LATERAL jsonb_each_text(pm.{group_map}) kv {join} "
                f"WHERE {' AND '.join(where)} AND {condition} GROUP BY 1",
                params + extra,
            )
            groups = dict(cursor.fetchall())
    return {k: v for k, v in groups.items() if k is not None}, total
