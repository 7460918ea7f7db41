"""A report's query string (the API's and the pages') read into a checked query.

``from`` and ``to`` are ISO dates (both in the period); ``interval`` goes with the
``period`` grouping; every other grouping's name is also a filter
(``?county=3&channel-kind=canteen``). Unknown parameters are refused rather than
ignored, so a misspelt filter never widens a report silently.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from reports.query import GROUPINGS, ReportQuery, build_query

# Parameters that are neither a period nor a filter.
PRESENTATION = ("format", "page", "page_size", "group", "interval", "from", "to")


def _date(params, name: str, errors: dict) -> datetime.date | None:
    value = params.get(name, "").strip()
    if not value:
        errors[name] = [_("Give the date as YYYY-MM-DD.")]
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        errors[name] = [_("Give the date as YYYY-MM-DD.")]
        return None


def query_from_params(params, *, grouping: str | None = None) -> ReportQuery:
    """The checked query of a query string, or ``ValidationError`` naming each
    bad parameter (dates, interval, filters, unknown names)."""
    errors = {}
    start, end = _date(params, "from", errors), _date(params, "to", errors)
    filters = {}
    for name in params:
        if name in PRESENTATION:
            continue
        if name in GROUPINGS and name != "period":
            filters[name] = params.get(name)
        else:
            errors[name] = [_("Unknown parameter.")]
    try:
        query = build_query(
            start=start,
            end=end,
            grouping=grouping,
            interval=params.get("interval") or "month",
            filters=filters,
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            if name not in errors:  # a missing date is already said once
                errors[name] = messages
        query = None
    if errors:
        raise ValidationError(errors)
    return query


def params_of(query: ReportQuery) -> dict:
    """The query string of a query (its period and filters)."""
    params = {"from": query.start.isoformat(), "to": query.end.isoformat()}
    params.update({name: str(value) for name, value in query.filters.items()})
    return params


def period_end(interval: str, first: datetime.date) -> datetime.date:
    """The last day of the interval starting on ``first``."""
    if interval == "day":
        return first
    if interval == "week":
        return first + datetime.timedelta(days=6)
    months = {"month": 1, "quarter": 3, "year": 12}[interval]
    month = first.month - 1 + months
    after = datetime.date(first.year + month // 12, month % 12 + 1, 1)
    return after - datetime.timedelta(days=1)


def row_params(query: ReportQuery, key) -> dict:
    """The query string of the figures behind one row of a grouped report: the
    row's group as one more filter, or, for a period, the period within the
    report's."""
    params = params_of(query)
    if query.grouping == "period":
        first = key.date() if isinstance(key, datetime.datetime) else key
        last = period_end(query.interval, first)
        params["from"] = max(first, query.start).isoformat()
        params["to"] = min(last, query.end).isoformat()
    elif query.grouping:
        params[query.grouping] = str(key)
    return params
