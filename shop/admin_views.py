"""What the Django admin of several apps shares."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows shown, never added, changed or deleted here: they change only through
    their app's services, which write the history and audit rows (payments, love
    cards, lots, the audit log, the outbox, report exports)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
