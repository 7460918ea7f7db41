"""Django admin for staff: places and cooperatives are edited here; households, lots
and movements are read-only, because they change only through the services (which
write the history and movement rows)."""

from django.contrib import admin

from audit import services as audit
from shop.admin_views import ReadOnlyAdmin
from suppliers.models import (
    Cooperative,
    County,
    Household,
    HouseholdStatusChange,
    LotShare,
    StockLot,
    StockMovement,
    Town,
    Village,
)


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Town)
class TownAdmin(admin.ModelAdmin):
    list_display = ["name", "county"]
    list_filter = ["county"]
    search_fields = ["name"]


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["name", "town", "is_designated_poor"]
    list_filter = ["is_designated_poor", "town__county"]
    search_fields = ["name", "town__name"]
    list_select_related = ["town__county"]


@admin.register(Cooperative)
class CooperativeAdmin(admin.ModelAdmin):
    """Create the Oscar partner first (dashboard → Partners, where its users are
    managed), then link it here."""

    list_display = ["name", "registration_code", "village", "contact_name"]
    search_fields = ["partner__name", "registration_code"]
    raw_id_fields = ["partner", "village"]
    list_select_related = ["partner", "village__town__county"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and not form.changed_data:
            return
        audit.record(
            "cooperative.updated" if change else "cooperative.created",
            obj,
            audit.form_changes(form),
            actor=request.user,
        )


class StatusChangeInline(admin.TabularInline):
    model = HouseholdStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ["status", "year_lifted_out", "note", "changed_at", "changed_by"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ["archive_number", "village", "size", "status", "year_lifted_out"]
    list_filter = ["status", "village__town__county"]
    search_fields = ["archive_number"]
    list_select_related = ["village__town__county"]
    inlines = [StatusChangeInline]


class ShareInline(admin.TabularInline):
    model = LotShare
    extra = 0
    can_delete = False
    readonly_fields = ["household", "kg"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(StockLot)
class StockLotAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "cooperative",
        "product",
        "best_before",
        "received_kg",
        "on_hand_kg",
        "reserved_kg",
    ]
    list_filter = ["cooperative"]
    search_fields = ["code", "product__title"]
    list_select_related = ["cooperative__partner", "product"]
    inlines = [ShareInline]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "lot",
        "kind",
        "on_hand_delta_kg",
        "reserved_delta_kg",
        "actor",
        "reason",
        "reference",
    ]
    list_filter = ["kind"]
    search_fields = ["lot__code", "reference"]
    list_select_related = ["lot", "actor"]
