"""Where each figure on the report pages leads: the same report's ledger entries,
or a finer grouping with the figure's group as a filter (county → town → village
→ household → entries; a year → its quarters → months → days → entries).

The query strings come from ``reports.params`` (``params_of``, ``row_params``), the
same the API's drill-down links use, so a page and the API open the same rows.
"""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from reports.params import params_of, row_params
from reports.query import ReportQuery

# Labels of the groupings (also the names of the filters).
GROUPING_LABELS = {
    "period": _("Period"),
    "channel": _("Channel"),
    "channel-kind": _("Kind of channel"),
    "cooperative": _("Cooperative"),
    "household": _("Household"),
    "village": _("Village"),
    "town": _("Town"),
    "county": _("County"),
    "product": _("Product"),
    "category": _("Category"),
    "canteen": _("Canteen"),
}
INTERVAL_LABELS = {
    "day": _("Day"),
    "week": _("Week"),
    "month": _("Month"),
    "quarter": _("Quarter"),
    "year": _("Year"),
}
# The grouping a row of each grouping opens (the row's key becomes a filter).
FINER = {
    "county": "town",
    "town": "village",
    "village": "household",
    "channel-kind": "channel",
    "category": "product",
    "canteen": "product",
}
FINER_INTERVAL = {"year": "quarter", "quarter": "month", "month": "day", "week": "day"}


def page_url(name: str, params: dict, **kwargs) -> str:
    """A report page's URL (``reports:<name>``) with a query string."""
    url = reverse(f"reports:{name}", kwargs=kwargs or None)
    return f"{url}?{urlencode(params)}" if params else url


def report_url(grouping: str, params: dict, *, interval: str | None = None) -> str:
    if grouping == "period":
        params = {**params, "interval": interval or "month"}
    return page_url("report", params, grouping=grouping)


def query_params(query: ReportQuery) -> dict:
    """A query's string, with its interval when grouped by period."""
    params = params_of(query)
    if query.grouping == "period":
        params["interval"] = query.interval
    return params


def entries_url(params: dict) -> str:
    return page_url("entries", params)


def row_entries_url(query: ReportQuery, key) -> str:
    """The ledger entries behind one row."""
    return entries_url(row_params(query, key))


def row_open_url(query: ReportQuery, key) -> str:
    """What a row's label opens: a finer grouping filtered to the row's group,
    or, when there is none finer, the row's entries."""
    params = row_params(query, key)
    if query.grouping == "period":
        finer = FINER_INTERVAL.get(query.interval)
        if finer:
            return report_url("period", params, interval=finer)
    elif query.grouping in FINER:
        return report_url(FINER[query.grouping], params)
    return entries_url(params)
