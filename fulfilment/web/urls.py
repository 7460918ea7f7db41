"""The canteen pages, included at ``/canteen/`` by ``shop.urls``."""

from django.urls import path

from . import progress, views

app_name = "canteen"

urlpatterns = [
    path("order/", views.QuickOrderView.as_view(), name="quick-order"),
    path("order/upload/", views.UploadOrderView.as_view(), name="upload"),
    path("order/upload/template.csv", views.upload_template, name="upload-template"),
    path("availability/", views.AvailabilityView.as_view(), name="availability"),
    path("orders/", views.OrderListView.as_view(), name="order-list"),
    path("orders/<str:number>/", views.OrderDetailView.as_view(), name="order-detail"),
    path(
        "orders/<str:number>/cancel/",
        views.CancelOrderView.as_view(),
        name="order-cancel",
    ),
    path(
        "orders/<str:number>/approve/",
        views.ApproveOrderView.as_view(),
        name="order-approve",
    ),
    path(
        "orders/<str:number>/decline/",
        views.DeclineOrderView.as_view(),
        name="order-decline",
    ),
    path(
        "orders/<str:number>/confirm/",
        views.ConfirmDraftView.as_view(),
        name="order-confirm",
    ),
    path("orders/<str:number>/receipt/", views.ReceiptView.as_view(), name="receipt"),
    path(
        "orders/<str:number>/save-as-weekly/",
        views.SaveAsStandingView.as_view(),
        name="order-save-standing",
    ),
    path("standing/", views.StandingOrderListView.as_view(), name="standing-list"),
    path(
        "standing/<int:pk>/stop/",
        views.StopStandingOrderView.as_view(),
        name="standing-stop",
    ),
    path("progress/", progress.ProgressView.as_view(), name="progress"),
    path("progress/plan/", progress.SetPlanView.as_view(), name="progress-plan"),
]
