"""Report exports in the API: start one, follow its progress, download its file.

``POST /api/v1/report-exports/`` with ``{report, params, format}`` answers 202 and
the export; the worker writes the file (``reports.export_runs``) while
``GET .../{id}/`` shows its progress; ``GET .../{id}/download/`` gives the file
once done. Thin adapters over ``reports.exports``: the same checks and narrowing
as the reports themselves; another user's export is not found.
"""

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse

from reports import exports
from reports.access import report_scope
from reports.models import ExportStatus, FileFormat, ReportExport
from reports.tables import CONTENT_TYPES


class ExportStartSerializer(serializers.Serializer):
    """The shape only; ``reports.exports`` checks the report and parameters."""

    report = serializers.CharField(
        help_text="A grouping (channel, county, period …), entries or "
        "households-at-risk"
    )
    params = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text="The report's query string: from, to, interval, filters",
    )
    format = serializers.ChoiceField(choices=FileFormat.values)


class ExportSerializer(serializers.ModelSerializer):
    format = serializers.CharField(source="file_format")
    status_display = serializers.CharField(source="get_status_display")
    percent = serializers.IntegerField()
    scheduled = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()

    class Meta:
        model = ReportExport
        fields = [
            "id",
            "url",
            "report",
            "params",
            "format",
            "scheduled",
            "month",
            "status",
            "status_display",
            "percent",
            "rows_done",
            "rows_total",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "download",
        ]

    def get_scheduled(self, export) -> bool:
        return export.user_id is None

    def get_url(self, export) -> str:
        return reverse(
            "report-export-detail", args=[export.pk], request=self.context["request"]
        )

    def get_download(self, export) -> str | None:
        if export.status != ExportStatus.DONE:
            return None
        return reverse(
            "report-export-download",
            args=[export.pk],
            request=self.context["request"],
        )


NOT_DONE = OpenApiResponse(description="The file is not written yet (or failed)")


class ReportExportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Reports as CSV or XLSX files written in the background, with progress.

    Anyone who sees reports may start one (narrowed to what they see); each sees
    their own exports, and staff and officials the scheduled monthly ones too."""

    serializer_class = ExportSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's generation
            return ReportExport.objects.none()
        report_scope(self.request.user)  # 403 for those who see no reports
        return exports.exports_visible(user=self.request.user)

    @extend_schema(
        request=ExportStartSerializer,
        responses={
            202: ExportSerializer,
            400: OpenApiResponse(description="Field by field"),
            403: OpenApiResponse(description="Not your figures"),
        },
    )
    def create(self, request):
        """Start an export; its file is written in the background."""
        body = ExportStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        export = exports.start_export(
            user=request.user,
            report=body.validated_data["report"],
            params=body.validated_data["params"],
            file_format=body.validated_data["format"],
        )
        export.refresh_from_db()  # run in-process already when there is no broker
        data = self.get_serializer(export).data
        return Response(data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            (200, CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.BINARY,
            409: NOT_DONE,
        }
    )
    @action(detail=True)
    def download(self, request, pk=None):
        """The export's file, once done."""
        export = self.get_object()
        if export.status != ExportStatus.DONE:
            return Response(
                {
                    "status": [
                        _("The file is not ready: the export is %(status)s.")
                        % {"status": export.get_status_display()}
                    ],
                    "code": "not_ready",
                },
                status=status.HTTP_409_CONFLICT,
            )
        exports.record_download(export=export, user=request.user)
        return FileResponse(
            export.file.open("rb"),
            as_attachment=True,
            filename=export.filename,
            content_type=CONTENT_TYPES[export.file_format],
        )
