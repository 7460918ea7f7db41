"""Routes of the supply API; ``shop.api.urls`` registers them on the one /api/v1/
router, so the API root lists every endpoint."""

from suppliers.api.lot_views import LotViewSet
from suppliers.api.views import (
    CooperativeViewSet,
    HouseholdViewSet,
    MovementViewSet,
    VillageViewSet,
)

ROUTES = [
    ("villages", VillageViewSet, "village"),
    ("cooperatives", CooperativeViewSet, "cooperative"),
    ("households", HouseholdViewSet, "household"),
    ("lots", LotViewSet, "lot"),
    ("stock-movements", MovementViewSet, "stock-movement"),
]


def register(router) -> None:
    for prefix, viewset, basename in ROUTES:
        router.register(prefix, viewset, basename=basename)
