"""Which canteens a user acts for, and in which role; which plans a user sees."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from canteens.models import Member, Organisation, ProcurementPlan, Role
from suppliers.access import sees_all_supply


def organisations_for(
    *, user: User | AnonymousUser, role: str | None = None
) -> QuerySet[Organisation]:
    """Active canteens where the user holds ``role`` (any role when ``None``)."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    members = Member.objects.filter(user=user)
    if role is not None:
        members = members.filter(role=role)
    return Organisation.objects.filter(
        is_active=True, pk__in=members.values("organisation_id")
    )


def organisation_ids(*, user: User | AnonymousUser, role: str | None = None) -> set:
    """Ids of ``organisations_for``, cached on the user for the request."""
    if not user.is_authenticated:
        return set()
    cache = user.__dict__.setdefault("_nongjia_canteens", {})
    if role not in cache:
        cache[role] = set(
            organisations_for(user=user, role=role).values_list("pk", flat=True)
        )
    return cache[role]


def is_buyer(*, user: User | AnonymousUser, organisation_id: int) -> bool:
    return organisation_id in organisation_ids(user=user, role=Role.BUYER)


def is_approver(*, user: User | AnonymousUser, organisation_id: int) -> bool:
    return organisation_id in organisation_ids(user=user, role=Role.APPROVER)


def plans_visible(*, user: User | AnonymousUser) -> QuerySet[ProcurementPlan]:
    """Staff and officials: every canteen's procurement plans; a canteen's members:
    its plans; anyone else: none."""
    plans = ProcurementPlan.objects.select_related("organisation")
    if sees_all_supply(user):
        return plans
    return plans.filter(organisation_id__in=organisation_ids(user=user))
