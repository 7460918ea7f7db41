"""Staff's canteen-account pages, included at ``/dashboard/canteen-accounts/`` by
``shop.urls`` and guarded as Oscar guards its dashboard: staff only, visitors
to the dashboard's login, anyone else signed in 403."""

from django.urls import path, reverse_lazy
from oscar.views.decorators import permissions_required

from . import views

app_name = "billing-dashboard"

staff_only = permissions_required(
    ["is_staff"], login_url=reverse_lazy("dashboard:login")
)

urlpatterns = [
    path("", staff_only(views.AccountListView.as_view()), name="account-list"),
    path("open/", staff_only(views.AccountOpenView.as_view()), name="account-open"),
    path(
        "<int:pk>/",
        staff_only(views.AccountDetailView.as_view()),
        name="account-detail",
    ),
    path(
        "<int:pk>/terms/",
        staff_only(views.TermsView.as_view()),
        name="account-terms",
    ),
    path(
        "<int:pk>/payments/",
        staff_only(views.BankPaymentView.as_view()),
        name="account-payment",
    ),
    path(
        "<int:pk>/credit-notes/",
        staff_only(views.CreditNoteView.as_view()),
        name="account-credit-note",
    ),
    path(
        "<int:pk>/statement/",
        staff_only(views.StatementView.as_view()),
        name="account-statement",
    ),
    path(
        "invoices/<int:pk>.pdf",
        staff_only(views.InvoicePdfView.as_view()),
        name="invoice-pdf",
    ),
]
