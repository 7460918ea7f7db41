"""Write services for channels."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from channels.models import Channel, ChannelKind

ONLINE_STORE = "online-store"


@transaction.atomic
def open_channel(
    *,
    code: str,
    name: str,
    kind: str,
    opened_on: datetime.date,
    operator: str = "",
    city: str = "广州市",
    district: str = "",
) -> Channel:
    """A new channel (its code is how uploads and the API name it)."""
    if kind not in ChannelKind.values:
        raise ValidationError({"kind": _("Unknown kind of channel.")})
    channel = Channel(
        code=code.strip(),
        name=name.strip(),
        kind=kind,
        operator=operator.strip(),
        city=city.strip(),
        district=district.strip(),
        opened_on=opened_on,
    )
    channel.full_clean()
    channel.save()
    return channel


@transaction.atomic
def close_channel(*, channel_id: int, closed_on: datetime.date) -> Channel:
    """Stop a channel: no new sales are recorded in it after ``closed_on``."""
    channel = Channel.objects.select_for_update().get(pk=channel_id)
    if closed_on < channel.opened_on:
        raise ValidationError(
            {"closed_on": _("A channel cannot close before it opened.")}
        )
    channel.closed_on = closed_on
    channel.is_active = False
    channel.save(update_fields=["closed_on", "is_active"])
    return channel


def online_store() -> Channel:
    """The channel of the store's own orders (created on first use)."""
    channel, _created = Channel.objects.get_or_create(
        code=ONLINE_STORE,
        defaults={
            "name": "清远农家网上商城",
            "kind": ChannelKind.ONLINE,
            "operator": "清远农家",
            "opened_on": datetime.date(2020, 1, 1),
        },
    )
    return channel
