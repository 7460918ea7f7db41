"""Role-level access for the bank-payments API: anyone signed in reads (what
they see is scoped by the queryset); only staff record payments.

The refusal (403) is the same whatever the body names, so it says nothing
about which accounts exist.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from suppliers.access import is_staff


class StaffRecordsPayments(BasePermission):
    message = _("Only platform staff can change canteen accounts.")

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS or view.action is None:
            return True  # reads; a method no action serves then answers 405
        return is_staff(request.user)
