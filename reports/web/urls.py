"""The officials' report pages, included at ``/reports/`` by ``shop.urls``
(after ``/reports/canteens/``, the canteens' reserved share)."""

from django.urls import path, re_path

from reports.query import GROUPINGS

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.HeadlineView.as_view(), name="headline"),
    path("entries/", views.EntriesView.as_view(), name="entries"),
    path("households-at-risk/", views.AtRiskView.as_view(), name="at-risk"),
    re_path(
        rf"^sales/(?P<grouping>{'|'.join(GROUPINGS)})/$",
        views.SalesReportView.as_view(),
        name="report",
    ),
]
