"""Officials' reports: kg, yuan, orders and households reached, grouped and
filtered, from the summaries kept with the ledger (``docs/reports-design.md``).

- kg and yuan are summed from ``SalesFact``: monthly rows for the whole months of
  the period, daily rows for the days at its edges (or daily rows throughout when
  grouped by day or week).
- Households reached and orders are distinct counts. When the period is one
  calendar month, quarter or year (grouped by anything, by months, quarters or
  years inside it) with no filter — or one on the grouping's own dimension —
  they are read from ``MemberCount`` (kept with the ledger, ``ledger.counts``),
  and by household from the household period members (kg, yuan, reached,
  orders). Other calendar-period queries with filters on the household's place
  and on at most one of channel / cooperative / product count ``PeriodMember``
  rows; the rest read the ledger itself (exact, slower). Each report says whether
  summaries or the ledger (``distinct_from``). A member counts where its net yuan
  is above zero, so sales that were reversed reach nobody. PostgreSQL counts the
  members itself (``reports.member_counts``); elsewhere they are counted here.
  Counts of a derived dimension (channel kind, canteen, category, town, county)
  are used only while the look-ups they were kept with still hold.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db import connection
from django.db.models import F, Q, Sum
from django.db.models.functions import Trunc

from channels.models import Channel, ChannelKind
from ledger.counts import DERIVED, TOTAL, basis_holds, load_lookups
from ledger.models import LedgerEntry, MemberCount, PeriodMember, SalesFact
from ledger.summaries import HOUSEHOLD, ORDER, period_bounds, periods
from reports.member_counts import count_members
from reports.query import ReportQuery
from suppliers.models import Cooperative, County, Household, Town, Village

ZERO = Decimal(0)
GRAM, FEN = Decimal("0.001"), Decimal("0.01")

# Where each grouping/filter is on a summary fact (and, same names, on an entry).
FIELD = {
    "channel": "channel_id",
    "channel-kind": "channel__kind",
    "cooperative": "cooperative_id",
    "household": "household_id",
    "village": "village_id",
    "town": "village__town_id",
    "county": "village__town__county_id",
    "product": "product_id",
    "category": "product__categories",
    "canteen": "channel__canteen",
}
GEOGRAPHY = ("village", "town", "county")
# Which of a period member's maps answers a dimension.
MAP = {
    "channel": "channels",
    "channel-kind": "channels",
    "canteen": "channels",
    "cooperative": "cooperatives",
    "product": "products",
    "category": "products",
}


@dataclass
class Row:
    key: object
    label: str
    kg: Decimal = ZERO
    yuan: Decimal = ZERO
    orders: int = 0
    households: int = 0

    @property
    def tonnes(self) -> Decimal:
        return (self.kg / 1000).quantize(GRAM)

    @property
    def income_per_household(self) -> Decimal | None:
        if not self.households:
            return None
        return (self.yuan / self.households).quantize(FEN)


@dataclass
class Report:
    query: ReportQuery
    rows: list[Row]
    totals: Row
    distinct_from: str  # "summaries" or "ledger"


# --- filters ---------------------------------------------------------------------


def _category_ids(category_id: int) -> list[int]:
    """The category and every category below it."""
    Category = apps.get_model("catalogue", "Category")
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        return []
    return list(
        Category.objects.filter(path__startswith=category.path).values_list(
            "pk", flat=True
        )
    )


def _product_categories() -> dict[int, set[int]]:
    """Each product's categories and the categories above them: a product in
    大米 counts in 粮油 too, so that a category's row equals the category filter
    (which takes the categories below it)."""
    Category = apps.get_model("catalogue", "Category")
    Product = apps.get_model("catalogue", "Product")
    by_path = dict(Category.objects.values_list("path", "pk"))
    step = Category.steplen
    groups = defaultdict(set)
    for product, path in Product.categories.through.objects.values_list(
        "product_id", "category__path"
    ):
        for end in range(step, len(path) + 1, step):
            groups[product].add(by_path[path[:end]])
    return groups


def _filter_q(filters: dict) -> Q:
    """The filters as a condition on facts or entries (same field names)."""
    condition = Q()
    for name, value in filters.items():
        if name == "category":
            Product = apps.get_model("catalogue", "Product")
            in_category = Product.objects.filter(categories__in=_category_ids(value))
            condition &= Q(product_id__in=in_category.values("pk"))
        else:
            condition &= Q(**{FIELD[name]: value})
    return condition


# --- kg and yuan from the facts --------------------------------------------------


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


ONE_DAY = datetime.timedelta(days=1)


def _whole_months(start: datetime.date, end: datetime.date):
    """First days of the first and last whole months inside [start, end], or None."""
    first = start if start.day == 1 else _next_month(start)
    last = _month_start(end)
    if _next_month(last) - ONE_DAY != end:
        last = _month_start(last - ONE_DAY)
    return (first, last) if first <= last else None


def _fact_period_q(query: ReportQuery) -> Q:
    """Monthly rows for the whole months inside the period, daily rows for the days
    at its edges (daily rows throughout when grouped by day or week)."""
    months = None
    if not (query.grouping == "period" and query.interval in ("day", "week")):
        months = _whole_months(query.start, query.end)
    if months is None:
        return Q(grain="day", day__range=(query.start, query.end))
    first, last = months
    condition = Q(grain="month", day__range=(first, last))
    if query.start < first:
        condition |= Q(grain="day", day__range=(query.start, first - ONE_DAY))
    if query.end >= _next_month(last):
        condition |= Q(grain="day", day__range=(_next_month(last), query.end))
    return condition


def facts_of(query: ReportQuery):
    """The summary facts of the query's period and filters."""
    return SalesFact.objects.filter(_fact_period_q(query), _filter_q(query.filters))


def _group(query: ReportQuery, date_field: str):
    """The grouping as an expression on facts or entries."""
    if query.grouping == "period":
        return Trunc(date_field, query.interval)
    if query.grouping == "category":
        return F("product_id")  # folded into categories by the caller
    return F(FIELD[query.grouping])


def _sums(query: ReportQuery) -> tuple[dict, tuple]:
    """kg and yuan by group, and in all."""
    if query.grouping == "household" or "household" in query.filters:
        # Facts have no household: a household's entries are few, read them.
        rows = LedgerEntry.objects.filter(sale_date__range=(query.start, query.end))
        date_field = "sale_date"
    else:
        rows = SalesFact.objects.filter(_fact_period_q(query))
        date_field = "day"
    facts = rows.filter(_filter_q(query.filters))
    total = facts.aggregate(kg=Sum("kg"), yuan=Sum("yuan"))
    groups = {}
    if query.grouping:
        sums = (
            facts.annotate(group=_group(query, date_field))
            .values("group")
            .annotate(kg=Sum("kg"), yuan=Sum("yuan"))
            .values_list("group", "kg", "yuan")
        )
        if query.grouping == "category":
            sums = _by_category(sums)
        for key, kg, yuan in sums:
            if key is not None:
                groups[key] = _exact(kg, yuan)
    return groups, _exact(total["kg"], total["yuan"])


def _by_category(product_sums) -> list[tuple]:
    """Sums by product folded into each category the product falls under."""
    categories = _product_categories()
    kg, yuan = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
    for product, product_kg, product_yuan in product_sums:
        for category in categories.get(product, ()):
            kg[category] += Decimal(product_kg or 0)
            yuan[category] += Decimal(product_yuan or 0)
    return [(category, kg[category], yuan[category]) for category in kg]


def _exact(kg, yuan) -> tuple[Decimal, Decimal]:
    """SQLite sums decimals as floats: back to grams and fen."""
    return (
        Decimal(kg or 0).quantize(GRAM),
        Decimal(yuan or 0).quantize(FEN),
    )


# --- distinct counts: households reached, orders -----------------------------------


def _calendar_periods(query: ReportQuery) -> list[str] | None:
    """The calendar period keys the query covers exactly, or None."""
    if query.grouping == "period":
        if query.interval not in ("month", "quarter", "year"):
            return None
        level = {"year": 0, "quarter": 1, "month": 2}[query.interval]
    else:
        level = None
    keys, day = [], query.start
    while day <= query.end:
        year, quarter, month = periods(day)
        if level is None:
            # One calendar period must cover the query exactly.
            for key, first, after in _covering(day):
                if first == query.start and after - ONE_DAY == query.end:
                    return [key]
            return None
        key = (year, quarter, month)[level]
        first, after = period_bounds(key)
        if first != day or after - ONE_DAY > query.end:
            return None
        keys.append(key)
        day = after
    return keys


def _covering(day: datetime.date):
    for key in periods(day):
        yield (key, *period_bounds(key))


def _dimension_groups(query: ReportQuery) -> dict | None:
    """For a grouping answered by a member's map: map id -> group keys (None when
    the map's ids are the groups themselves)."""
    grouping = query.grouping
    if grouping in ("channel", "cooperative", "product"):
        return None
    if grouping == "channel-kind":
        return {
            str(pk): [kind] for pk, kind in Channel.objects.values_list("pk", "kind")
        }
    if grouping == "canteen":
        Organisation = apps.get_model("canteens", "Organisation")
        return {
            str(channel): [pk]
            for pk, channel in Organisation.objects.values_list("pk", "channel_id")
        }
    if grouping == "category":
        return {str(pk): list(c) for pk, c in _product_categories().items()}
    return None


def _filter_ids(query: ReportQuery) -> tuple[str | None, set[str] | None]:
    """The one map a query's dimension filter reads, and the ids it keeps."""
    dims = {name: value for name, value in query.filters.items() if name in MAP}
    if not dims:
        return None, None
    [(name, value)] = dims.items()
    if name in ("channel", "cooperative", "product"):
        return MAP[name], {str(value)}
    if name == "channel-kind":
        ids = Channel.objects.filter(kind=value).values_list("pk", flat=True)
    elif name == "canteen":
        Organisation = apps.get_model("canteens", "Organisation")
        ids = Organisation.objects.filter(pk=value).values_list("channel_id", flat=True)
    else:
        Product = apps.get_model("catalogue", "Product")
        ids = Product.objects.filter(categories__in=_category_ids(value)).values_list(
            "pk", flat=True
        )
    return MAP[name], {str(pk) for pk in ids}


def _summaries_answer(query: ReportQuery, kind: str) -> bool:
    """Whether period members can count this query exactly."""
    if _calendar_periods(query) is None or "household" in query.filters:
        return False
    if query.grouping == "household":
        return False
    geography = [n for n in query.filters if n in GEOGRAPHY]
    if kind == ORDER and (geography or query.grouping in GEOGRAPHY):
        return False  # an order's households may live in several villages
    maps = {MAP[n] for n in query.filters if n in MAP}
    if query.grouping in MAP:
        maps.add(MAP[query.grouping])
    return len(maps) <= 1 and len([n for n in query.filters if n in MAP]) <= 1


# Groupings whose count rows are keyed by their own ids (or, for channel kinds,
# codes); a filter on the same dimension reads that one key.
COUNTED = (
    "channel",
    "channel-kind",
    "canteen",
    "cooperative",
    "product",
    "category",
    "village",
    "town",
    "county",
)


def _whole_period(query: ReportQuery) -> str | None:
    """The calendar period key the query's dates are exactly, or None."""
    for key, first, after in _covering(query.start):
        if first == query.start and after - ONE_DAY == query.end:
            return key
    return None


def _counts_answer(query: ReportQuery) -> bool:
    """Whether the member counts answer the query exactly: its dates one calendar
    period (grouped by periods, by months, quarters or years inside it), with no
    filter but one on the grouping's own dimension (not category: its filter
    takes the categories below)."""
    if _whole_period(query) is None:
        return False
    if query.grouping == "period" and _period_keys(query) is None:
        return False
    if query.grouping in DERIVED and not basis_holds(query.grouping, load_lookups()):
        return False  # a look-up changed since: until the counts are rebuilt
    if not query.filters:
        return True
    return (
        query.grouping in COUNTED
        and query.grouping != "category"
        and list(query.filters) == [query.grouping]
    )


LEVEL = {"year": 0, "quarter": 1, "month": 2}


def _period_keys(query: ReportQuery) -> list[str] | None:
    """Grouped by period: the calendar periods of the groups — those inside the
    query's, or the one holding it when the interval is as long or longer (a
    month by quarter is one group, the month's figures)."""
    keys = _calendar_periods(query)
    if keys is not None or query.interval not in LEVEL:
        return keys
    whole = _whole_period(query)
    if LEVEL[query.interval] <= {4: 0, 6: 1, 7: 2}[len(whole)]:
        return [periods(query.start)[LEVEL[query.interval]]]
    return None


def _count_key(grouping: str, key: str):
    return key if grouping == "channel-kind" else int(key)


def _count_summaries(query: ReportQuery, kind: str) -> tuple[dict, int]:
    """Counts read from ``MemberCount``: a few rows per group."""
    whole, grouping = _whole_period(query), query.grouping
    keys = _period_keys(query) if grouping == "period" else [whole]
    holding = None  # the one longer period holding the query's, as its group
    if grouping == "period" and keys != [whole] and len(keys) == 1:
        (holding,), keys = keys, [whole]
    dimension = grouping if grouping in COUNTED else TOTAL
    rows = MemberCount.objects.filter(
        kind=kind, period__in={whole, *keys}, dimension__in={TOTAL, dimension}
    )
    if query.filters:
        [value] = query.filters.values()
        rows = rows.filter(dimension=dimension, key=str(value))
    groups, total = {}, 0
    for period, row_dimension, key, count in rows.values_list(
        "period", "dimension", "key", "count"
    ):
        if row_dimension == TOTAL:
            if period == whole:
                total = count
            if grouping == "period" and period in keys:
                groups[period_bounds(period)[0]] = count
        elif period == whole:
            groups[_count_key(grouping, key)] = count
    if query.filters:
        total = sum(groups.values())
    if holding is not None:
        groups = {period_bounds(holding)[0]: total} if total else {}
    return groups, total


def _households_from_members(query: ReportQuery) -> tuple[dict, dict, dict]:
    """By household for a calendar period: each household's member row (kg,
    yuan, reached when its yuan is above zero, its orders) instead of the ledger."""
    sums, households, orders = {}, {}, {}
    for member, kg, yuan, count in PeriodMember.objects.filter(
        kind=HOUSEHOLD, period=_whole_period(query)
    ).values_list("member", "kg", "yuan", "orders"):
        key = int(member)
        sums[key] = _exact(kg, yuan)
        households[key] = 1 if yuan > 0 else 0
        orders[key] = count
    return sums, households, orders


def _count_members(query: ReportQuery, kind: str) -> tuple[dict, int]:
    keys = _calendar_periods(query)
    members = PeriodMember.objects.filter(kind=kind, period__in=keys)
    geography = {n: v for n, v in query.filters.items() if n in GEOGRAPHY}
    if geography:
        members = members.filter(**{FIELD[n]: v for n, v in geography.items()})
    map_name, keep = _filter_ids(query)
    grouping = query.grouping
    group_map = MAP.get(grouping)
    if connection.vendor == "postgresql":
        groups, total = count_members(
            kind=kind,
            periods=keys,
            places=geography,
            map_name=map_name,
            keep=keep,
            grouping=grouping,
            group_map=group_map,
        )
        if grouping == "period":
            groups = {period_bounds(key)[0]: n for key, n in groups.items()}
        return groups, total
    by_id = _dimension_groups(query) if group_map else None
    villages = _village_groups(grouping) if grouping in GEOGRAPHY else {}
    counted = defaultdict(set)
    total = set()
    columns = ["period", "member", "village_id", "yuan", "channels", "cooperatives"]
    for period, member, village, yuan, *maps in members.values_list(
        *columns, "products"
    ):
        named = dict(zip(("channels", "cooperatives", "products"), maps, strict=True))
        if map_name:
            net = sum(
                (Decimal(v) for k, v in named[map_name].items() if k in keep), ZERO
            )
            if net <= 0:
                continue
        elif yuan <= 0:
            continue
        total.add(member)
        if grouping == "period":
            counted[period_bounds(period)[0]].add(member)
        elif grouping in GEOGRAPHY:
            counted[villages.get(village)].add(member)
        elif group_map:
            for key, value in named[group_map].items():
                if keep is not None and group_map == map_name and key not in keep:
                    continue
                if Decimal(value) > 0:
                    groups = [int(key)] if by_id is None else by_id.get(key, [])
                    for group in groups:
                        counted[group].add((period, member))
    groups = {
        key: len(members_) for key, members_ in counted.items() if key is not None
    }
    return groups, len(total)


def _village_groups(grouping: str) -> dict:
    if grouping == "village":
        return {pk: pk for pk in Village.objects.values_list("pk", flat=True)}
    if grouping == "town":
        return dict(Village.objects.values_list("pk", "town_id"))
    return dict(Village.objects.values_list("pk", "town__county_id"))


def _members_by_category(product_nets) -> list[tuple]:
    """Net yuan by product and member folded into (category, member)."""
    categories = _product_categories()
    nets = defaultdict(lambda: ZERO)
    for product, member, yuan in product_nets:
        for category in categories.get(product, ()):
            nets[category, member] += Decimal(yuan or 0)
    return [(category, member, yuan) for (category, member), yuan in nets.items()]


def _count_ledger(query: ReportQuery, kind: str) -> tuple[dict, int]:
    """Exact distinct counts from the entries (any period, any filters)."""
    member = "household_id" if kind == HOUSEHOLD else "order_ref"
    entries = LedgerEntry.objects.filter(
        _filter_q(query.filters), sale_date__range=(query.start, query.end)
    )
    total = entries.values(member).annotate(y=Sum("yuan")).filter(y__gt=0).count()
    groups = defaultdict(int)
    if query.grouping:
        nets = (
            entries.annotate(group=_group(query, "sale_date"))
            .values("group", member)
            .annotate(y=Sum("yuan"))
            .values_list("group", member, "y")
        )
        if query.grouping == "category":
            nets = _members_by_category(nets)
        for key, _member, yuan in nets:
            if key is not None and yuan and yuan > 0:
                groups[key] += 1
    return dict(groups), total


# --- the report ---------------------------------------------------------------------


MANY = 5000


def _labels(query: ReportQuery, keys) -> dict:
    """Names for the groups, in one query."""
    grouping, keys = query.grouping, [k for k in keys if k is not None]
    if not grouping:
        return {}
    if grouping == "period":
        return {k: _period_label(query.interval, k) for k in keys}
    if grouping == "channel-kind":
        return {k: str(ChannelKind(k).label) for k in keys}
    models = {
        "channel": (Channel, "name"),
        "cooperative": (Cooperative, "partner__name"),
        "household": (Household, "archive_number"),
        "village": (Village, "name"),
        "town": (Town, "name"),
        "county": (County, "name"),
        "product": (apps.get_model("catalogue", "Product"), "title"),
        "category": (apps.get_model("catalogue", "Category"), "name"),
        "canteen": (apps.get_model("canteens", "Organisation"), "name"),
    }
    model, name = models[grouping]
    if len(keys) > MANY:  # tens of thousands of households: all, not a long IN
        wanted = set(keys)
        return {
            pk: label
            for pk, label in model.objects.values_list("pk", name).iterator()
            if pk in wanted
        }
    return dict(model.objects.filter(pk__in=keys).values_list("pk", name))


def _period_label(interval: str, day) -> str:
    day = day.date() if isinstance(day, datetime.datetime) else day
    if interval == "year":
        return f"{day.year}"
    if interval == "quarter":
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    if interval == "month":
        return f"{day.year}-{day.month:02d}"
    return day.isoformat()


def _normal(key):
    """Group keys as the facts, members and ledger give them, made comparable."""
    return key.date() if isinstance(key, datetime.datetime) else key


def sales_report(query: ReportQuery, *, distinct: bool = True) -> Report:
    """The report: a row per group (by yuan, or in time order for periods), and
    the totals, which count each household and order once. ``distinct=False``
    leaves households and orders at zero, for callers that show only kg and yuan
    (the charts): the counts are most of the work outside calendar periods."""
    counted = _counts_answer(query)
    summaries = counted or all(
        _summaries_answer(query, kind) for kind in (HOUSEHOLD, ORDER)
    )
    counts = {}
    for kind in (HOUSEHOLD, ORDER):
        if not distinct:
            counts[kind] = ({}, 0)
            continue
        if counted:
            count = _count_summaries
        elif _summaries_answer(query, kind):
            count = _count_members
        else:
            count = _count_ledger
        counts[kind] = count(query, kind)
    households, orders = counts[HOUSEHOLD], counts[ORDER]
    if distinct and counted and query.grouping == "household":
        groups, by_household, by_order = _households_from_members(query)
        households, orders = (by_household, households[1]), (by_order, orders[1])
        # Every entry is one household's: the members add up to the period.
        kg = sum((k for k, _y in groups.values()), ZERO)
        yuan = sum((y for _k, y in groups.values()), ZERO)
    else:
        groups, (kg, yuan) = _sums(query)
    keys = {_normal(k) for k in groups}
    for by_group, _total in (households, orders):
        keys |= {_normal(k) for k in by_group}
    labels = _labels(query, keys)
    rows = []
    for key in keys:
        row_kg, row_yuan = groups.get(key, (ZERO, ZERO))
        rows.append(
            Row(
                key=key,
                label=str(labels.get(key, key)),
                kg=row_kg,
                yuan=row_yuan,
                orders=orders[0].get(key, 0),
                households=households[0].get(key, 0),
            )
        )
    if query.grouping == "period":
        rows.sort(key=lambda r: r.key)
    else:
        rows.sort(key=lambda r: (-r.yuan, r.label))
    totals = Row(
        key=None,
        label="",
        kg=kg,
        yuan=yuan,
        orders=orders[1],
        households=households[1],
    )
    return Report(query, rows, totals, "summaries" if summaries else "ledger")


# --- drill-down ---------------------------------------------------------------------


def entries_of(query: ReportQuery, *, group=None):
    """The ledger entries behind a figure: the report's period and filters, and the
    group's key when a row was chosen. Newest first."""
    entries = LedgerEntry.objects.filter(
        _filter_q(query.filters), sale_date__range=(query.start, query.end)
    )
    if group is not None and query.grouping:
        if query.grouping == "period":
            entries = entries.annotate(group=_group(query, "sale_date")).filter(
                group=group
            )
        else:
            entries = entries.filter(**{FIELD[query.grouping]: group})
    return entries.select_related(
        "channel", "cooperative__partner", "product", "household", "village", "lot"
    ).order_by("-sale_date", "-pk")
