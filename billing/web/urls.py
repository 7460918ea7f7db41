"""The canteen's account pages, included at ``/canteen/account/`` by
``shop.urls`` (beside fulfilment's canteen pages, whose tabs link here)."""

from django.urls import path

from . import views

app_name = "canteen-account"

urlpatterns = [
    path("", views.AccountPageView.as_view(), name="account"),
    path(
        "<int:pk>/statement/",
        views.StatementView.as_view(),
        name="statement",
    ),
    path(
        "invoices/<int:pk>.pdf",
        views.InvoicePdfView.as_view(),
        name="invoice-pdf",
    ),
]
