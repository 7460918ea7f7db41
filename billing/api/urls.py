"""Routes of the canteen-account API; ``shop.api.urls`` registers them on the
one /api/v1/ router."""

from billing.api.views import BankPaymentViewSet, CanteenAccountViewSet, InvoiceViewSet

ROUTES = [
    ("canteen-accounts", CanteenAccountViewSet, "canteen-account"),
    ("invoices", InvoiceViewSet, "invoice"),
    ("bank-payments", BankPaymentViewSet, "bank-payment"),
]


def register(router) -> None:
    for prefix, viewset, basename in ROUTES:
        router.register(prefix, viewset, basename=basename)
