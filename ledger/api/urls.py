"""Routes of the counter-sales API; ``shop.api.urls`` registers them on the one
/api/v1/ router, so the API root lists every endpoint."""

from ledger.api.views import CounterSaleBatchViewSet

ROUTES = [
    ("counter-sales", CounterSaleBatchViewSet, "counter-sale-batch"),
]


def register(router) -> None:
    for prefix, viewset, basename in ROUTES:
        router.register(prefix, viewset, basename=basename)
