"""Read-only admin: cards change only through ``lovecards.services``."""

from django.contrib import admin

from lovecards.models import CardBatch, CardEvent, CardTransaction, LoveCard


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CardBatch)
class CardBatchAdmin(ReadOnly):
    list_display = [
        "organisation_name",
        "face_value",
        "count",
        "expires_on",
        "issued_by",
        "created_at",
    ]
    search_fields = ["organisation_name"]


@admin.register(LoveCard)
class LoveCardAdmin(ReadOnly):
    list_display = ["masked_number", "batch", "balance", "status", "failed_attempts"]
    list_filter = ["status"]
    search_fields = ["number"]
    exclude = ["pin_hash"]


@admin.register(CardTransaction)
class CardTransactionAdmin(ReadOnly):
    list_display = [
        "card",
        "kind",
        "amount",
        "balance_after",
        "order_number",
        "created_at",
    ]
    list_filter = ["kind"]
    search_fields = ["order_number", "card__number"]


@admin.register(CardEvent)
class CardEventAdmin(ReadOnly):
    list_display = ["card", "kind", "note", "actor", "created_at"]
    list_filter = ["kind"]
