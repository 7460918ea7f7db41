"""The background report exports' pages, included at ``/reports/exports/`` by
``shop.urls`` (before ``/reports/``, the report pages)."""

from django.urls import path

from . import exports

app_name = "report-exports"

urlpatterns = [
    path("", exports.ExportListView.as_view(), name="list"),
    path("start/", exports.StartView.as_view(), name="start"),
    path("<int:pk>/", exports.ExportDetailView.as_view(), name="detail"),
    path("<int:pk>/status/", exports.ExportStatusView.as_view(), name="status"),
    path("<int:pk>/download/", exports.DownloadView.as_view(), name="download"),
]
