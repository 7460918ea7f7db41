"""Included at ``/reports/settlement/`` by ``shop.urls``."""

from django.urls import path

from . import views

app_name = "settlement"

urlpatterns = [
    path("", views.UnpaidReportView.as_view(), name="unpaid"),
    path(
        "statements/<int:pk>.pdf",
        views.StatementFileView.as_view(file_format="pdf"),
        name="statement-pdf",
    ),
    path(
        "statements/<int:pk>.xlsx",
        views.StatementFileView.as_view(file_format="xlsx"),
        name="statement-xlsx",
    ),
]
