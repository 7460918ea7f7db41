"""Who sees which figures of the officials' reports.

- Platform staff and officials: every figure (officials only read; nothing in
  the reports writes).
- A cooperative's managers: their cooperative's figures only — its sales and its
  member households. A report without a ``cooperative`` filter is narrowed to
  their cooperative; asking for another cooperative's is refused.
- A canteen's members: their canteen's figures only, the same way with ``canteen``.
- Everyone else: no reports.

The narrowing is one function applied to the checked query, so the API, the pages
and the exports cannot differ on it.
"""

from dataclasses import dataclass, replace

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from canteens.selectors import organisation_ids
from reports.query import ReportQuery
from suppliers.access import sees_all_supply
from suppliers.selectors import managed_cooperative_ids


@dataclass(frozen=True)
class Scope:
    """What a user may see: everything, or one dimension's own ids."""

    everything: bool = False
    dimension: str | None = None  # "cooperative" or "canteen"
    ids: tuple[int, ...] = ()

    @property
    def own(self) -> bool:
        """Whether the user sees only their own cooperative's or canteen's."""
        return not self.everything


def report_scope(user: User | AnonymousUser) -> Scope:
    """The user's scope, or ``PermissionDenied`` when they see no reports."""
    if sees_all_supply(user):
        return Scope(everything=True)
    cooperatives = managed_cooperative_ids(user=user)
    if cooperatives:
        return Scope(dimension="cooperative", ids=tuple(sorted(cooperatives)))
    canteens = organisation_ids(user=user)
    if canteens:
        return Scope(dimension="canteen", ids=tuple(sorted(canteens)))
    raise PermissionDenied(
        _("Reports are for officials, platform staff, cooperatives and canteens.")
    )


def scoped(query: ReportQuery, scope: Scope) -> ReportQuery:
    """The query narrowed to what the scope may see.

    A cooperative's or canteen's own id is added as a filter when none is given
    (the first of theirs, by id, when they have several); another id is refused."""
    if scope.everything:
        return query
    asked = query.filters.get(scope.dimension)
    if asked is None:
        return replace(query, filters={**query.filters, scope.dimension: scope.ids[0]})
    if asked not in scope.ids:
        if scope.dimension == "cooperative":
            raise PermissionDenied(_("You can see only your cooperative's figures."))
        raise PermissionDenied(_("You can see only your canteen's figures."))
    return query
