"""The officials' report of canteens' reserved share, included at
``/reports/canteens/`` by ``shop.urls``."""

from django.urls import path

from . import progress

app_name = "canteen-reports"

urlpatterns = [
    path("", progress.CanteenReportView.as_view(), name="progress"),
]
