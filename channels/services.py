"""Write services for channels.

Rules live here once; the dashboard and the API call these and show their
``ValidationError`` field by field. A channel's code and kind never change: uploads
and reports name the channel by its code, and its sales were counted under its kind.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from channels.models import Channel, ChannelKind

ONLINE_STORE = "online-store"
CHANGEABLE = ("name", "operator", "city", "district")


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
    audit.record(
        "channel.opened",
        channel,
        {field: getattr(channel, field) for field in ("code", "kind", *CHANGEABLE)}
        | {"opened_on": opened_on},
    )
    return channel


@transaction.atomic
def update_channel(*, channel_id: int, **fields) -> Channel:
    """Change a channel's name, operator, city or district.

    Every field is checked before anything is written, and the errors come back
    field by field; naming any other field (the code, the kind) is an error, not
    silently ignored.
    """
    unknown = sorted(set(fields) - set(CHANGEABLE))
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be changed.") for name in unknown}
        )
    channel = Channel.objects.select_for_update().get(pk=channel_id)
    changed = []
    before = {field: getattr(channel, field) for field in CHANGEABLE}
    for field, value in fields.items():
        value = (value or "").strip()
        if getattr(channel, field) != value:
            setattr(channel, field, value)
            changed.append(field)
    if changed:
        channel.full_clean(validate_unique=False, validate_constraints=False)
        channel.save(update_fields=changed)
        audit.record(
            "channel.updated",
            channel,
            {field: [before[field], getattr(channel, field)] for field in changed},
        )
    return channel


@transaction.atomic
def close_channel(*, channel_id: int, closed_on: datetime.date) -> Channel:
    """Stop a channel: no new sales are recorded in it after ``closed_on``."""
    channel = Channel.objects.select_for_update().get(pk=channel_id)
    if not channel.is_active:
        raise ValidationError(_("This channel is already closed."))
    if closed_on < channel.opened_on:
        raise ValidationError(
            {"closed_on": _("A channel cannot close before it opened.")}
        )
    if closed_on > timezone.localdate():
        raise ValidationError({"closed_on": _("A channel cannot close in the future.")})
    channel.closed_on = closed_on
    channel.is_active = False
    channel.save(update_fields=["closed_on", "is_active"])
    audit.record(
        "channel.closed",
        channel,
        {"closed_on": [None, closed_on], "is_active": [True, False]},
    )
    return channel


@transaction.atomic
def reopen_channel(*, channel_id: int) -> Channel:
    """Take a closed channel back into use; its closing date is cleared."""
    channel = Channel.objects.select_for_update().get(pk=channel_id)
    if channel.is_active:
        raise ValidationError(_("This channel is open."))
    audit.record(
        "channel.reopened",
        channel,
        {"closed_on": [channel.closed_on, None], "is_active": [False, True]},
    )
    channel.closed_on = None
    channel.is_active = True
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
