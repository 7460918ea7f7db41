"""Role-level access for the counter-sales API: staff record and withdraw batches;
staff and officials read them; everybody else is refused.

The refusal (403) comes before any lookup, so it is the same for every id, existing
or not, and says nothing about which batches exist.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from suppliers.access import is_staff, sees_all_supply

READ_REFUSED = _("Only platform staff and officials can see counter sales.")
WRITE_REFUSED = _("Only platform staff can record or withdraw counter sales.")


class StaffWritesOfficialsRead(BasePermission):
    message = WRITE_REFUSED

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            self.message = READ_REFUSED
            return sees_all_supply(user)
        self.message = WRITE_REFUSED
        return is_staff(user)
