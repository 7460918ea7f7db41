"""Role-level access for the supply API.

Which *objects* a user may see or change is decided by the scoped querysets in
``suppliers.selectors`` (so other cooperatives' objects answer 404). This module only
refuses whole roles: officials and shoppers never write, whatever the id, so the
refusal (403) is the same for every id and says nothing about which ids exist.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from suppliers.access import is_staff
from suppliers.selectors import managed_cooperative_ids


def writes_supply(user) -> bool:
    """Staff and cooperative managers write supply records; nobody else does."""
    return is_staff(user) or bool(managed_cooperative_ids(user=user))


class ReadOrSupplyWriter(BasePermission):
    """Reads for anyone signed in; writes for staff and cooperative managers."""

    message = _("Only cooperative managers and staff can change supply records.")

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or writes_supply(request.user)
