"""Routes of the settlement API; ``shop.api.urls`` registers them on the one
/api/v1/ router."""

from settlement.api.views import StatementViewSet

ROUTES = [
    ("settlement-statements", StatementViewSet, "settlement-statement"),
]


def register(router) -> None:
    for prefix, viewset, basename in ROUTES:
        router.register(prefix, viewset, basename=basename)
