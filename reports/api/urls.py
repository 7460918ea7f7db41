"""Routes of the reports API, registered on the one /api/v1/ router by
``shop.api.urls``."""

from reports.api.exports import ReportExportViewSet
from reports.api.views import ReportViewSet


def register(router) -> None:
    router.register("reports", ReportViewSet, basename="report")
    router.register("report-exports", ReportExportViewSet, basename="report-export")
