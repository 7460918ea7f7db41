"""Routes of the audit API; ``shop.api.urls`` registers them on the one /api/v1/
router, so the API root lists every endpoint."""

from audit.api.views import AuditEntryViewSet

ROUTES = [
    ("audit-entries", AuditEntryViewSet, "audit-entry"),
]


def register(router) -> None:
    for prefix, viewset, basename in ROUTES:
        router.register(prefix, viewset, basename=basename)
