"""Read-only admin: payments change only through Stripe and our services."""

from django.contrib import admin

from payments.models import Payment, PaymentChange, Refund, StripeEvent
from shop.admin_views import ReadOnlyAdmin


class ChangeInline(admin.TabularInline):
    model = PaymentChange
    extra = 0
    can_delete = False
    readonly_fields = [
        "kind",
        "from_status",
        "to_status",
        "amount",
        "source",
        "created_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    readonly_fields = ["amount", "reason", "status", "stripe_id", "created_at"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["order_number", "intent_id", "amount", "refunded", "status"]
    list_filter = ["status"]
    search_fields = ["order_number", "intent_id"]
    inlines = [ChangeInline, RefundInline]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["payment", "amount", "status", "stripe_id", "created_at"]
    list_filter = ["status"]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "received_at", "processed_at", "outcome"]
    list_filter = ["type"]
    search_fields = ["event_id"]
