"""The officials' report pages: the headline with its charts, a report per
grouping, the ledger entries behind any figure, and the households at risk.

Thin adapters over what the API uses: ``reports.params`` reads and checks the
query string (a bad one is a 400 page naming each error), ``reports.access``
narrows it to what the user may see (a cooperative or a canteen its own figures),
the selectors compute and ``reports.tables`` writes the CSV/XLSX files. Nothing
here writes: GET only.
"""

from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from reports import at_risk, tables
from reports.access import report_scope, scoped
from reports.at_risk import households_at_risk
from reports.headline import headline
from reports.params import params_of, query_from_params
from reports.query import GROUPINGS, ReportQuery
from reports.selectors import FEN, GRAM, Row, entries_of, sales_report

from .charts import headline_charts
from .forms import ReportForm
from .links import (
    GROUPING_LABELS,
    entries_url,
    page_url,
    query_params,
    report_url,
    row_entries_url,
    row_open_url,
)
from .periods import default_period, quick_periods

# Above this many entries a file is a background export, not a download
# (the API's limit: the same figures give the same answer on both).
MAX_ENTRIES_IN_A_FILE = tables.MAX_ENTRIES_IN_A_FILE
FILE_FORMATS = ("csv", "xlsx")
ENTRIES_PER_PAGE = 50
AT_RISK_PER_PAGE = 100


def page_params(query_string) -> dict:
    """The query string as single values, without the form's empty selects; with
    no period at all, this year to today."""
    params = {name: query_string.get(name) for name in query_string}
    params = {name: value for name, value in params.items() if value.strip()}
    if "from" not in params and "to" not in params:
        start, end = default_period(timezone.localdate())
        params.update({"from": start.isoformat(), "to": end.isoformat()})
    return params


def _file(table: tables.Table, file_format: str) -> HttpResponse:
    response = HttpResponse(
        tables.file_bytes(table, file_format),
        content_type=tables.CONTENT_TYPES[file_format],
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{table.name}.{file_format}"'
    )
    return response


class ReportPage(TemplateView):
    """Signed-in users with a report scope; the query string checked, scoped,
    and either answered or refused with a 400 page naming each error."""

    http_method_names = ["get", "head"]
    grouping: str | None = None
    tab = ""
    filters = None  # the form's selects; None: every filter
    files = True  # whether the page offers CSV/XLSX downloads

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.scope = report_scope(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        self.params = page_params(request.GET)
        try:
            query = self.checked_query()
            file_format = self.file_format()
        except ValidationError as exc:
            return self.refuse(exc.message_dict)
        return self.answer(query, file_format)

    def checked_query(self) -> ReportQuery:
        query = query_from_params(self.params, grouping=self.grouping)
        return scoped(query, self.scope)

    def file_format(self) -> str | None:
        wanted = self.params.get("format")
        if wanted is None:
            return None
        if not self.files:
            raise ValidationError(
                {"format": [_("This page has no file: download a report instead.")]}
            )
        if wanted not in FILE_FORMATS:
            raise ValidationError({"format": [_("Choose csv or xlsx.")]})
        return wanted

    def answer(self, query: ReportQuery, file_format: str | None):
        raise NotImplementedError

    def refuse(self, errors: dict, **context):
        labels = {"from": _("From"), "to": _("To"), **GROUPING_LABELS}
        context["errors"] = [
            (str(labels.get(name, name)), message)
            for name, messages in errors.items()
            for message in messages
        ]
        return self.render_to_response(self.get_context_data(**context), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form_kwargs = {"scope": self.scope, "interval": self.grouping == "period"}
        if self.filters is not None:
            form_kwargs["filters"] = self.filters
        context.update(
            tab=self.tab,
            scope=self.scope,
            form=ReportForm(self.params, **form_kwargs),
            groupings=[(g, GROUPING_LABELS[g]) for g in GROUPINGS],
            grouping=self.grouping,
            grouping_label=GROUPING_LABELS.get(self.grouping, ""),
            nav_params=urlencode(self._nav_params()),
            period_params=urlencode(
                {k: v for k, v in self.params.items() if k in ("from", "to")}
            ),
        )
        return context

    def _nav_params(self) -> dict:
        """The period and filters the navigation keeps from page to page."""
        keep = {"from", "to", *GROUPINGS} - {"period"}
        return {k: v for k, v in self.params.items() if k in keep}

    def downloads(self, params: dict, report: str) -> dict:
        """The page's CSV/XLSX links and the background export's fields."""
        here = self.request.path
        return {
            "csv_url": f"{here}?{urlencode({**params, 'format': 'csv'})}",
            "xlsx_url": f"{here}?{urlencode({**params, 'format': 'xlsx'})}",
            "export_report": report,
            "export_params": urlencode(params),
        }


def _change(figures, name: str) -> dict:
    return {
        "now": getattr(figures, name),
        "before": getattr(figures.previous, name),
        "change": figures.change(name),
    }


class HeadlineView(ReportPage):
    """The period's tonnes, yuan, active channels, households reached and
    orders, with the change from the period before, and the charts."""

    template_name = "reports/headline.html"
    tab = "headline"
    files = False

    def answer(self, query, file_format):
        figures = headline(query)
        params = params_of(query)
        previous = params_of(figures.previous.query)
        names = ("tonnes", "yuan", "channels_active", "households", "orders")
        cards = {name: _change(figures, name) for name in names}
        links = {
            "tonnes": report_url("product", params),
            "yuan": report_url("channel", params),
            "channels_active": report_url("channel", params),
            "households": report_url("village", params),
            "orders": entries_url(params),
        }
        for name, url in links.items():
            cards[name]["url"] = url
        charts = headline_charts(query)
        filters = {k: v for k, v in params.items() if k not in ("from", "to")}
        quick = [
            (
                period,
                page_url(
                    "headline",
                    {"from": period.start, "to": period.end, **filters},
                ),
            )
            for period in quick_periods(timezone.localdate())
        ]
        context = self.get_context_data(
            query=query,
            figures=figures,
            cards=cards,
            previous_url=page_url("headline", previous),
            charts=charts,
            chart_data=[chart.data for chart in charts],
            quick_periods=quick,
        )
        return self.render_to_response(context)


@dataclass
class ShownRow:
    row: Row
    open_url: str
    entries_url: str


class SalesReportView(ReportPage):
    """One grouping's rows and totals; each row opens the rows that make it."""

    template_name = "reports/report.html"
    tab = "report"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.grouping = kwargs["grouping"]

    def answer(self, query, file_format):
        report = sales_report(query)
        if file_format:
            return _file(tables.report_table(report), file_format)
        params = query_params(query)
        rows = [
            ShownRow(row, row_open_url(query, row.key), row_entries_url(query, row.key))
            for row in report.rows
        ]
        context = self.get_context_data(
            query=query,
            report=report,
            rows=rows,
            totals_url=entries_url(params_of(query)),
            **self.downloads(params, query.grouping),
        )
        return self.render_to_response(context)


def entry_totals(entries) -> dict:
    """How many entries, and their net kg and yuan (the figure they make)."""
    sums = entries.order_by().aggregate(
        count=Count("pk"), kg=Sum("kg"), yuan=Sum("yuan")
    )
    return {
        "count": sums["count"],
        "kg": Decimal(str(sums["kg"] or 0)).quantize(GRAM),
        "yuan": Decimal(str(sums["yuan"] or 0)).quantize(FEN),
    }


class EntriesView(ReportPage):
    """The ledger entries behind a figure, newest first, paged."""

    template_name = "reports/entries.html"
    tab = "entries"

    def answer(self, query, file_format):
        entries = entries_of(query)
        totals = entry_totals(entries)
        too_many = totals["count"] > MAX_ENTRIES_IN_A_FILE
        if file_format and too_many:
            return self.refuse({"format": [self.too_many_message()]})
        if file_format:
            return _file(tables.entries_table(query, entries), file_format)
        params = params_of(query)
        page = Paginator(entries, ENTRIES_PER_PAGE).get_page(self.params.get("page"))
        context = self.get_context_data(
            query=query,
            page_obj=page,
            totals=totals,
            too_many=too_many,
            too_many_message=self.too_many_message() if too_many else "",
            page_params=urlencode(params),
            **self.downloads(params, "entries"),
        )
        return self.render_to_response(context)

    @staticmethod
    def too_many_message() -> str:
        return _(
            "More than %(max)s entries: too many for a download. "
            "Export them in the background instead."
        ) % {"max": f"{MAX_ENTRIES_IN_A_FILE:,}"}


class AtRiskView(ReportPage):
    """Registered households with no or falling income in the period, by village
    (officials, staff and cooperatives; not canteens)."""

    template_name = "reports/at_risk.html"
    tab = "at-risk"
    filters = at_risk.FILTERS

    def checked_query(self):
        at_risk.refuse_canteens(self.scope)
        query = super().checked_query()
        at_risk.check_filters(query)
        return query

    def answer(self, query, file_format):
        rows = households_at_risk(query)
        if file_format:
            return _file(tables.at_risk_table(query, rows), file_format)
        params = params_of(query)
        villages = [
            (village, len(list(households)))
            for village, households in groupby(rows, key=lambda r: r.household.village)
        ]
        page = Paginator(rows, AT_RISK_PER_PAGE).get_page(self.params.get("page"))
        context = self.get_context_data(
            query=query,
            previous=query.previous(),
            villages=[
                (village, count, page_url("at-risk", {**params, "village": village.pk}))
                for village, count in villages
            ],
            households=len(rows),
            page_obj=page,
            page_params=urlencode(params),
            **self.downloads(params, "households-at-risk"),
        )
        return self.render_to_response(context)
