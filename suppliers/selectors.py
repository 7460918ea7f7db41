"""Read-side queries, each scoped to what the user may see.

Scoping here (not in views) is what makes other cooperatives' objects answer 404:
adapters look objects up in these querysets only.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from suppliers.access import is_staff, sees_all_supply
from suppliers.models import (
    Cooperative,
    Household,
    StockLot,
    StockMovement,
    Village,
)


def managed_cooperatives(*, user: User | AnonymousUser) -> QuerySet[Cooperative]:
    """Cooperatives the user may change: all for staff, their own for managers."""
    qs = Cooperative.objects.select_related("partner", "village__town__county")
    if is_staff(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(partner__users=user)


def cooperatives_list(*, user: User | AnonymousUser) -> QuerySet[Cooperative]:
    """Cooperatives are public suppliers: anyone signed in may list them."""
    return Cooperative.objects.select_related("partner", "village__town__county")


def managed_cooperative_ids(*, user: User | AnonymousUser) -> list[int]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_nongjia_cooperative_ids", None)
    if cached is None:
        cached = list(
            Cooperative.objects.filter(partner__users=user).values_list("pk", flat=True)
        )
        user._nongjia_cooperative_ids = cached
    return cached


def households_visible(*, user: User | AnonymousUser) -> QuerySet[Household]:
    """Staff, officials, and the household's own cooperatives see a household."""
    qs = Household.objects.select_related("village__town__county")
    if sees_all_supply(user):
        return qs
    ids = managed_cooperative_ids(user=user)
    if not ids:
        return qs.none()
    return qs.filter(memberships__cooperative_id__in=ids).distinct()


def lots_visible(*, user: User | AnonymousUser) -> QuerySet[StockLot]:
    qs = StockLot.objects.select_related(
        "cooperative__partner", "product", "created_by"
    )
    if sees_all_supply(user):
        return qs
    return qs.filter(cooperative_id__in=managed_cooperative_ids(user=user))


def lots_changeable(*, user: User | AnonymousUser) -> QuerySet[StockLot]:
    """Officials read; only staff and the lot's own managers change lots."""
    qs = lots_visible(user=user)
    if is_staff(user):
        return qs
    return qs.filter(cooperative_id__in=managed_cooperative_ids(user=user))


def households_changeable(*, user: User | AnonymousUser) -> QuerySet[Household]:
    qs = households_visible(user=user)
    if is_staff(user):
        return qs
    ids = managed_cooperative_ids(user=user)
    return qs.filter(memberships__cooperative_id__in=ids).distinct()


def movements_visible(*, user: User | AnonymousUser) -> QuerySet[StockMovement]:
    qs = StockMovement.objects.select_related(
        "lot__cooperative__partner", "lot__product", "actor"
    )
    if sees_all_supply(user):
        return qs
    return qs.filter(lot__cooperative_id__in=managed_cooperative_ids(user=user))


def villages_list() -> QuerySet[Village]:
    return Village.objects.select_related("town__county")
