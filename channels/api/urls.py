"""Routes of the channels API; ``shop.api.urls`` registers them on the one /api/v1/
router, so the API root lists every endpoint."""

from channels.api.views import ChannelViewSet

ROUTES = [
    ("channels", ChannelViewSet, "channel"),
]


def register(router) -> None:
    for prefix, viewset, basename in ROUTES:
        router.register(prefix, viewset, basename=basename)
