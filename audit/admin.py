"""The audit log in Django's admin: read-only, like every other view of it."""

from django.contrib import admin

from audit.models import AuditEntry
from shop.admin_views import ReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "object_type", "object_id", "ip"]
    list_filter = ["object_type"]
    search_fields = ["action", "object_id", "object_repr", "actor_label"]
    date_hierarchy = "at"
    show_full_result_count = False  # a count(*) of the whole log on every page

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]
