"""Write services for canteen organisations and their members."""

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canteens.models import Member, Organisation, Role, Weekday
from channels.models import ChannelKind
from channels.services import open_channel

DISTRICT_NAMES = {
    "yuexiu": "越秀区",
    "haizhu": "海珠区",
    "liwan": "荔湾区",
    "tianhe": "天河区",
    "baiyun": "白云区",
    "huangpu": "黄埔区",
    "panyu": "番禺区",
    "huadu": "花都区",
    "nansha": "南沙区",
    "conghua": "从化区",
    "zengcheng": "增城区",
}


def _check_weekdays(weekdays) -> list[int]:
    days = sorted(set(weekdays or []))
    if not days or any(day not in Weekday.values for day in days):
        raise ValidationError(
            {"delivery_weekdays": _("Choose delivery days between 1 (Monday) and 7.")}
        )
    return days


@transaction.atomic
def create_organisation(
    *, name: str, delivery_weekdays, opened_on=None, **fields
) -> Organisation:
    """Register a canteen and open its channel (the canteen's purchases count in
    it); buyers and approvers are added with ``add_member``."""
    organisation = Organisation(
        name=name.strip(),
        delivery_weekdays=_check_weekdays(delivery_weekdays),
        **fields,
    )
    organisation.full_clean(exclude=["channel"])
    organisation.channel = open_channel(
        code=f"canteen-{uuid.uuid4().hex[:8]}",
        name=organisation.name,
        kind=ChannelKind.CANTEEN,
        operator=organisation.name,
        district=DISTRICT_NAMES[organisation.district],
        opened_on=opened_on or timezone.localdate(),
    )
    organisation.save()
    return organisation


def add_member(*, organisation: Organisation, user, role: str = Role.BUYER) -> Member:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    member, _created = Member.objects.get_or_create(
        organisation=organisation, user=user, role=role
    )
    return member
