"""Role-level access for the bulk-order API.

Which *orders and allocations* a user may act on is decided by the scoped querysets
of ``fulfilment.selectors`` and by the services (others' objects answer 404). This
module only refuses whole roles: a user who holds no role that ever does a write
(officials, shoppers, a cooperative placing an order) gets 403 for every id, so the
refusal says nothing about which ids exist.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from canteens.models import Role
from canteens.selectors import organisation_ids
from suppliers.access import is_staff
from suppliers.selectors import managed_cooperative_ids


def buys(user) -> bool:
    return bool(organisation_ids(user=user, role=Role.BUYER))


def approves(user) -> bool:
    return bool(organisation_ids(user=user, role=Role.APPROVER))


def plans_procurement(user) -> bool:
    return is_staff(user) or approves(user)


def answers_allocations(user) -> bool:
    return is_staff(user) or bool(managed_cooperative_ids(user=user))


BUYERS = (buys, _("Only a canteen's buyers can do this."))
APPROVERS = (approves, _("Only a canteen's approvers can do this."))
STAFF = (is_staff, _("Only platform staff can do this."))
PLANNERS = (
    plans_procurement,
    _("Only platform staff and a canteen's approvers can set procurement plans."),
)
COOPERATIVES = (
    answers_allocations,
    _("Only cooperative managers and staff can answer allocations."),
)


class ReadOrRoleWriter(BasePermission):
    """Reads for anyone signed in; each write for the roles the view names.

    The view's ``writers`` maps an action to ``(check, message)``.
    """

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS or view.action is None:
            return True  # reads; an unknown method then answers 405
        check, message = view.writers.get(view.action, (None, None))
        if check is None:
            return False  # a write nobody was given
        self.message = message
        return check(request.user)
