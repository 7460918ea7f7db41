"""Routes of the bulk-order API and of canteens' procurement plans and progress;
``shop.api.urls`` registers them on the one /api/v1/ router, so the API root lists
every endpoint."""

from fulfilment.api.progress import ProcurementPlanViewSet, ProcurementProgressViewSet
from fulfilment.api.views import (
    AllocationViewSet,
    AvailabilityViewSet,
    BulkOrderViewSet,
    StandingOrderViewSet,
)

ROUTES = [
    ("bulk-orders", BulkOrderViewSet, "bulk-order"),
    ("standing-orders", StandingOrderViewSet, "standing-order"),
    ("allocations", AllocationViewSet, "allocation"),
    ("availability", AvailabilityViewSet, "availability"),
    ("procurement-plans", ProcurementPlanViewSet, "procurement-plan"),
    ("procurement-progress", ProcurementProgressViewSet, "procurement-progress"),
]


def register(router) -> None:
    for prefix, viewset, basename in ROUTES:
        router.register(prefix, viewset, basename=basename)
