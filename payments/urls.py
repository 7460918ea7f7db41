"""Included at ``/payments/`` by ``shop.urls``: the Stripe webhook, a canteen's
"Pay by card" page for a bulk order, and staff's card-payment pages (guarded as
Oscar's dashboard guards its own: staff only, others to its login or 403)."""

from django.urls import path, reverse_lazy
from oscar.views.decorators import permissions_required

from payments import views
from payments.dashboard import views as dashboard
from payments.web import canteen

app_name = "payments"

staff_only = permissions_required(
    ["is_staff"], login_url=reverse_lazy("dashboard:login")
)

urlpatterns = [
    path("stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
    path(
        "canteen/<str:number>/",
        canteen.PayOrderByCardView.as_view(),
        name="canteen-pay",
    ),
    path(
        "dashboard/",
        staff_only(dashboard.PaymentListView.as_view()),
        name="dashboard-payment-list",
    ),
    path(
        "dashboard/<int:pk>/",
        staff_only(dashboard.PaymentDetailView.as_view()),
        name="dashboard-payment-detail",
    ),
    path(
        "dashboard/<int:pk>/refund/",
        staff_only(dashboard.RefundView.as_view()),
        name="dashboard-payment-refund",
    ),
]
