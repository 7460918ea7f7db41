"""Reads of channels."""

from django.db.models import QuerySet

from channels.models import Channel


def channels_list(*, active: bool | None = None, kind: str | None = None) -> QuerySet:
    """Channels by code; ``active`` and ``kind`` narrow the list when given."""
    channels = Channel.objects.order_by("code")
    if active is not None:
        channels = channels.filter(is_active=active)
    if kind:
        channels = channels.filter(kind=kind)
    return channels
