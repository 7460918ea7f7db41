"""Read-only admin: cards change only through ``lovecards.services``."""

from django.contrib import admin

from lovecards.models import CardBatch, CardEvent, CardTransaction, LoveCard
from shop.admin_views import ReadOnlyAdmin


@admin.register(CardBatch)
class CardBatchAdmin(ReadOnlyAdmin):
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
class LoveCardAdmin(ReadOnlyAdmin):
    list_display = ["masked_number", "batch", "balance", "status", "failed_attempts"]
    list_filter = ["status"]
    search_fields = ["number"]
    exclude = ["pin_hash"]


@admin.register(CardTransaction)
class CardTransactionAdmin(ReadOnlyAdmin):
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
class CardEventAdmin(ReadOnlyAdmin):
    list_display = ["card", "kind", "note", "actor", "created_at"]
    list_filter = ["kind"]
