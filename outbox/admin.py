"""Read-only admin: operators watch pending rows here ("sent at": empty); rows
change only through the outbox's services."""

from django.contrib import admin

from outbox.models import OutboxMessage
from shop.admin_views import ReadOnlyAdmin


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "task",
        "created_at",
        "available_at",
        "sent_at",
        "attempts",
        "last_error",
    ]
    list_filter = [("sent_at", admin.EmptyFieldListFilter), "task"]
    search_fields = ["task", "last_error"]
