"""Django admin for staff: report exports, read-only (they change only through
``reports.exports`` and the worker, which write their events)."""

from django.contrib import admin

from reports.models import ExportEvent, ReportExport
from shop.admin_views import ReadOnlyAdmin


class ExportEventInline(admin.TabularInline):
    model = ExportEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "actor", "detail", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReportExport)
class ReportExportAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "report",
        "file_format",
        "user",
        "month",
        "status",
        "rows_done",
        "rows_total",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "report", "file_format"]
    list_select_related = ["user"]
    search_fields = ["user__username", "report"]
    inlines = [ExportEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]
