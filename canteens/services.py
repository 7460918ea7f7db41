"""Write services for canteen organisations, their members and their plans."""

import uuid
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canteens.models import (
    NATIONAL_FLOOR,
    Member,
    Organisation,
    ProcurementPlan,
    Role,
    Weekday,
    as_percent,
)
from canteens.selectors import is_approver
from channels.models import ChannelKind
from channels.services import open_channel
from suppliers.access import is_staff

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


FIRST_PLAN_YEAR = 2000
LAST_PLAN_YEAR = 2099


class PlanSaved(NamedTuple):
    plan: ProcurementPlan
    created: bool


def _plan_errors(*, year: int, food_budget: Decimal, reserved_ratio: Decimal) -> dict:
    errors = {}
    if not FIRST_PLAN_YEAR <= year <= LAST_PLAN_YEAR:
        errors["year"] = [
            _("Choose a year between %(first)s and %(last)s.")
            % {"first": FIRST_PLAN_YEAR, "last": LAST_PLAN_YEAR}
        ]
    if food_budget < 0:
        errors["food_budget"] = [_("The food budget cannot be negative.")]
    if reserved_ratio < NATIONAL_FLOOR:
        errors["reserved_ratio"] = [
            _(
                "The reserved share cannot be below the national floor of "
                "%(floor)s of the food budget."
            )
            % {"floor": as_percent(NATIONAL_FLOOR)}
        ]
    elif reserved_ratio > 1:
        errors["reserved_ratio"] = [
            _("The reserved share cannot be more than the whole budget (1.00).")
        ]
    return errors


@transaction.atomic
def set_procurement_plan(
    *,
    organisation_id: int,
    year: int,
    food_budget: Decimal,
    reserved_ratio: Decimal,
    actor,
) -> PlanSaved:
    """Record a canteen's food-procurement budget and reserved share for a year,
    creating the year's plan or replacing it.

    Staff and the canteen's approvers set plans; for anyone else the canteen does
    not exist (``Organisation.DoesNotExist``, so the refusal says nothing about
    which canteens do). ``actor=None`` is a trusted caller (the demo, a shell).
    A share below the national floor (10%) is refused; below Guangdong's 30% it is
    allowed, and the progress reports show it.
    """
    if actor is not None and not (
        is_staff(actor) or is_approver(user=actor, organisation_id=organisation_id)
    ):
        raise Organisation.DoesNotExist
    # Locking the canteen serialises two writers of the same plan.
    organisation = Organisation.objects.select_for_update().get(
        pk=organisation_id, is_active=True
    )
    plan = ProcurementPlan.objects.filter(organisation=organisation, year=year).first()
    created = plan is None
    if created:
        plan = ProcurementPlan(organisation=organisation, year=year)
    plan.food_budget = food_budget
    plan.reserved_ratio = reserved_ratio
    plan.updated_by = actor
    errors = _plan_errors(
        year=year, food_budget=food_budget, reserved_ratio=reserved_ratio
    )
    try:
        plan.clean_fields(exclude=["organisation", "updated_by", *errors])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    plan.save()
    return PlanSaved(plan, created)
