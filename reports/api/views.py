"""The officials' reports API: the headline, a report per grouping, the ledger
entries behind any figure, and the households at risk — JSON, or a file with
``?format=csv`` or ``?format=xlsx``.

Thin adapters: ``reports.params`` reads and checks the query string,
``reports.access`` narrows it to what the user may see (a cooperative or a canteen
its own figures), the selectors compute. Nothing here writes.
"""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse

from reports import at_risk, tables
from reports.access import report_scope, scoped
from reports.api.renderers import CSVRenderer, XLSXRenderer
from reports.api.serializers import (
    AtRiskSerializer,
    EntrySerializer,
    HeadlineSerializer,
    ReportSerializer,
)
from reports.headline import headline
from reports.params import query_from_params, row_params
from reports.query import GROUPINGS, INTERVALS
from reports.selectors import entries_of, sales_report
from shop.api.pagination import Pagination

MAX_ENTRIES_IN_A_FILE = tables.MAX_ENTRIES_IN_A_FILE
FILE_FORMATS = ("csv", "xlsx")
FILE_ACTIONS = {"retrieve", "entries", "households_at_risk"}
FILE_RENDERERS = (CSVRenderer, XLSXRenderer)

PERIOD = [
    OpenApiParameter("from", OpenApiTypes.DATE, required=True),
    OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="inclusive"),
]
FILTERS = [
    OpenApiParameter(
        name,
        OpenApiTypes.STR if name == "channel-kind" else OpenApiTypes.INT,
        description=_("Only this %(name)s") % {"name": name},
    )
    for name in GROUPINGS
    if name != "period"
]
FORMAT = OpenApiParameter("format", OpenApiTypes.STR, enum=["json", *FILE_FORMATS])
INTERVAL = OpenApiParameter(
    "interval", OpenApiTypes.STR, enum=list(INTERVALS), description="period only"
)


def _json_or_file(serializer) -> dict:
    """The schema of a table: JSON, or a file with ``?format=csv`` or ``xlsx``.
    The JSON key comes first in drf-spectacular's order, so a list keeps its
    pages and its operation id."""
    return {
        (200, "application/json"): serializer,
        **{(200, r.media_type): OpenApiTypes.BINARY for r in FILE_RENDERERS},
    }


class Negotiation(DefaultContentNegotiation):
    """An unknown ``?format=`` is a 400 naming the parameter, not DRF's 404."""

    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = format_suffix or request.query_params.get("format")
        if wanted and wanted not in {r.format for r in renderers}:
            # The browsable API ("api") is for browsers, not offered to clients.
            offered = ", ".join(r.format for r in renderers if r.format != "api")
            raise serializers.ValidationError(
                {"format": [_("Choose one of: %(formats)s.") % {"formats": offered}]}
            )
        return super().select_renderer(request, renderers, format_suffix)


class ReportViewSet(viewsets.ViewSet):
    """Officials' reports: kg, yuan, orders and households reached.

    Staff and officials see every figure; a cooperative's managers their
    cooperative's, a canteen's members their canteen's; nobody else any."""

    lookup_field = "grouping"
    lookup_value_regex = "|".join(g for g in GROUPINGS)
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer, XLSXRenderer]
    content_negotiation_class = Negotiation
    # Read by the schema: entries and households at risk are answered in pages.
    pagination_class = Pagination

    def get_renderers(self):
        # Only the tables have a file form. The index, the headline and OPTIONS
        # are JSON whatever ``?format=`` says: a file renderer cannot write them.
        if self.action in FILE_ACTIONS:
            return super().get_renderers()
        return [JSONRenderer(), BrowsableAPIRenderer()]

    def handle_exception(self, exc):
        # Errors are JSON whatever file was asked for.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    def _query(self, grouping=None):
        try:
            query = query_from_params(self.request.query_params, grouping=grouping)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return scoped(query, report_scope(self.request.user))

    def _file_format(self) -> str | None:
        wanted = self.request.accepted_renderer.format
        return wanted if wanted in FILE_FORMATS else None

    def _file(self, table: tables.Table, file_format: str) -> Response:
        response = Response(table)
        response["Content-Disposition"] = (
            f'attachment; filename="{table.name}.{file_format}"'
        )
        return response

    def _entries_url(self, params: dict) -> str:
        url = reverse("report-entries", request=self.request)
        return f"{url}?{urlencode(params)}"

    @extend_schema(operation_id="v1_reports_index", responses=OpenApiTypes.OBJECT)
    def list(self, request):
        """The reports there are, and where to find them."""
        report_scope(request.user)
        names = {
            "headline": reverse("report-headline", request=request),
            "entries": reverse("report-entries", request=request),
            "households-at-risk": reverse("report-households-at-risk", request=request),
        }
        for grouping in GROUPINGS:
            names[grouping] = reverse(
                "report-detail", kwargs={"grouping": grouping}, request=request
            )
        return Response(names)

    @extend_schema(
        parameters=[*PERIOD, INTERVAL, *FILTERS, FORMAT],
        responses=_json_or_file(ReportSerializer),
    )
    def retrieve(self, request, grouping=None):
        """kg, yuan, orders and households reached per group, in the period and
        under the filters, and a totals row (which counts each household and order
        once). ``period`` groups by ``interval``."""
        report = sales_report(self._query(grouping))
        file_format = self._file_format()
        if file_format:
            return self._file(tables.report_table(report), file_format)
        query = report.query
        rows = [
            {
                **_figures(row),
                "key": str(row.key),
                "label": row.label,
                "entries": self._entries_url(row_params(query, row.key)),
            }
            for row in report.rows
        ]
        body = {
            "grouping": grouping,
            "interval": query.interval if grouping == "period" else None,
            "period_from": query.start,
            "period_to": query.end,
            "filters": query.filters,
            "distinct_from": report.distinct_from,
            "rows": rows,
            "totals": _figures(report.totals),
        }
        return Response(ReportSerializer(body).data)

    @extend_schema(parameters=[*PERIOD, *FILTERS], responses=HeadlineSerializer)
    @action(detail=False)
    def headline(self, request):
        """The period's tonnes, yuan, channels active, households reached and
        orders, with the period of the same length before it and the change in
        percent (null when the period before had nothing)."""
        figures = headline(self._query())
        names = ("tonnes", "yuan", "channels_active", "households", "orders")
        body = {
            **_headline_figures(figures),
            "filters": figures.query.filters,
            "previous": _headline_figures(figures.previous),
            "change_percent": {name: figures.change(name) for name in names},
        }
        return Response(HeadlineSerializer(body).data)

    @extend_schema(
        parameters=[*PERIOD, *FILTERS, FORMAT],
        responses=_json_or_file(EntrySerializer(many=True)),
    )
    @action(detail=False)
    def entries(self, request):
        """The ledger entries behind a figure (a row's ``entries`` link), newest
        first, paged; as a file up to 50,000 entries (start a background export
        for more)."""
        query = self._query()
        entries = entries_of(query)
        file_format = self._file_format()
        if file_format:
            if entries.count() > MAX_ENTRIES_IN_A_FILE:
                raise serializers.ValidationError(
                    {
                        "format": [
                            _(
                                "More than %(max)s entries: start an export "
                                "(POST /api/v1/report-exports/) instead."
                            )
                            % {"max": f"{MAX_ENTRIES_IN_A_FILE:,}"}
                        ]
                    }
                )
            return self._file(tables.entries_table(query, entries), file_format)
        paginator = self.paginator
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(EntrySerializer(page, many=True).data)

    @extend_schema(
        parameters=[
            *PERIOD,
            OpenApiParameter("village", OpenApiTypes.INT),
            OpenApiParameter("town", OpenApiTypes.INT),
            OpenApiParameter("county", OpenApiTypes.INT),
            OpenApiParameter("cooperative", OpenApiTypes.INT),
            FORMAT,
        ],
        responses=_json_or_file(AtRiskSerializer(many=True)),
    )
    @action(detail=False, url_path="households-at-risk")
    def households_at_risk(self, request):
        """Registered households with no consumption-assistance income in the
        period, or less than in the period of the same length before, by village
        (staff, officials, and a cooperative for its member households)."""
        at_risk.refuse_canteens(report_scope(request.user))
        query = self._query()
        try:
            at_risk.check_filters(query)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        rows = at_risk.households_at_risk(query)
        file_format = self._file_format()
        if file_format:
            return self._file(tables.at_risk_table(query, rows), file_format)
        page = self.paginator.paginate_queryset(rows, request, view=self)
        return self.paginator.get_paginated_response(
            AtRiskSerializer(page, many=True).data
        )

    @property
    def paginator(self) -> Pagination:
        if not hasattr(self, "_paginator"):
            self._paginator = self.pagination_class()
        return self._paginator


def _figures(row) -> dict:
    return {
        "kg": row.kg,
        "tonnes": row.tonnes,
        "yuan": row.yuan,
        "orders": row.orders,
        "households": row.households,
        "income_per_household": row.income_per_household,
    }


def _headline_figures(figures) -> dict:
    return {
        "period_from": figures.query.start,
        "period_to": figures.query.end,
        "tonnes": figures.tonnes,
        "yuan": figures.yuan,
        "channels_active": figures.channels_active,
        "households": figures.households,
        "orders": figures.orders,
    }
