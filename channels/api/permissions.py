"""Role-level access for the channels API: anyone signed in reads, only staff write.

The refusal (403) is the same for every id, existing or not, so it says nothing
about which channels exist.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from suppliers.access import is_staff


class ReadOrStaffWriter(BasePermission):
    message = _("Only platform staff can change channels.")

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS or view.action is None:
            return True  # reads; a method no action serves then answers 405
        return is_staff(request.user)
