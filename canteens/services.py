"""Write services for canteen organisations and their members."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from canteens.models import Member, Organisation, Role, Weekday


def _check_weekdays(weekdays) -> list[int]:
    days = sorted(set(weekdays or []))
    if not days or any(day not in Weekday.values for day in days):
        raise ValidationError(
            {"delivery_weekdays": _("Choose delivery days between 1 (Monday) and 7.")}
        )
    return days


@transaction.atomic
def create_organisation(*, name: str, delivery_weekdays, **fields) -> Organisation:
    """Register a canteen; its buyers and approvers are added with ``add_member``."""
    organisation = Organisation(
        name=name.strip(),
        delivery_weekdays=_check_weekdays(delivery_weekdays),
        **fields,
    )
    organisation.full_clean()
    organisation.save()
    return organisation


def add_member(*, organisation: Organisation, user, role: str = Role.BUYER) -> Member:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    member, _created = Member.objects.get_or_create(
        organisation=organisation, user=user, role=role
    )
    return member
