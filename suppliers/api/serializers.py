"""Representations and request bodies of villages, cooperatives, households and
stock movements. Bodies only check shape and types; the rules are the services'.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from shop.api.fields import ScopedIdField
from suppliers.api.fields import ChangesOnlySerializer, ForCooperativeSerializer
from suppliers.models import (
    Cooperative,
    Household,
    HouseholdStatus,
    HouseholdStatusChange,
    StockMovement,
    Village,
)
from suppliers.selectors import villages_list


def _villages(*, user):
    return villages_list()


# --- places and cooperatives --------------------------------------------------------


class VillageSerializer(serializers.ModelSerializer):
    town = serializers.CharField(source="town.name", read_only=True)
    county = serializers.CharField(source="town.county.name", read_only=True)

    class Meta:
        model = Village
        fields = ["id", "name", "town", "county", "is_designated_poor"]


class CooperativeSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    name = serializers.CharField(source="partner.name", read_only=True)
    county = serializers.CharField(source="village.town.county.name", read_only=True)
    town = serializers.CharField(source="village.town.name", read_only=True)
    village = serializers.CharField(source="village.name", read_only=True)

    class Meta:
        model = Cooperative
        fields = [
            "id",
            "name",
            "registration_code",
            "county",
            "town",
            "village",
            "address",
            "contact_name",
            "contact_phone",
        ]
        read_only_fields = fields


class CooperativeUpdateSerializer(ChangesOnlySerializer):
    """A cooperative's own contact details; name and registration are staff's."""

    address = serializers.CharField(max_length=255, allow_blank=True, required=False)
    contact_name = serializers.CharField(
        max_length=64, allow_blank=True, required=False
    )
    contact_phone = serializers.CharField(
        max_length=32, allow_blank=True, required=False
    )


# --- households ---------------------------------------------------------------------


class StatusChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.CharField(
        source="changed_by.username", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = HouseholdStatusChange
        fields = ["status", "year_lifted_out", "note", "changed_at", "changed_by"]
        read_only_fields = fields


class HouseholdSerializer(serializers.ModelSerializer):
    village_name = serializers.CharField(source="village.name", read_only=True)
    town = serializers.CharField(source="village.town.name", read_only=True)
    county = serializers.CharField(source="village.town.county.name", read_only=True)
    status_history = StatusChangeSerializer(
        source="status_changes", many=True, read_only=True
    )

    class Meta:
        model = Household
        fields = [
            "id",
            "archive_number",
            "village",
            "village_name",
            "town",
            "county",
            "size",
            "status",
            "year_lifted_out",
            "created_at",
            "status_history",
        ]
        read_only_fields = fields


class HouseholdCreateSerializer(ForCooperativeSerializer):
    """Registers a household into one of the user's cooperatives (or adds the
    membership when the archive number is already on file)."""

    archive_number = serializers.CharField(max_length=32)
    village = ScopedIdField(scope=_villages)
    size = serializers.IntegerField(help_text=_("1 to 30 members"))
    status = serializers.ChoiceField(
        choices=HouseholdStatus.choices, default=HouseholdStatus.REGISTERED
    )
    year_lifted_out = serializers.IntegerField(required=False, allow_null=True)


class HouseholdUpdateSerializer(ChangesOnlySerializer):
    """Only the size is corrected here; status has its own endpoint, with history."""

    size = serializers.IntegerField(required=False, help_text=_("1 to 30 members"))


class HouseholdStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=HouseholdStatus.choices)
    year_lifted_out = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(max_length=255, allow_blank=True, default="")


# --- stock movements ----------------------------------------------------------------


class MovementSerializer(serializers.ModelSerializer):
    lot_code = serializers.CharField(source="lot.code", read_only=True)
    cooperative = serializers.IntegerField(source="lot.cooperative_id", read_only=True)
    product = serializers.IntegerField(source="lot.product_id", read_only=True)
    actor = serializers.CharField(
        source="actor.username", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "lot",
            "lot_code",
            "cooperative",
            "product",
            "kind",
            "on_hand_delta_kg",
            "reserved_delta_kg",
            "on_hand_after_kg",
            "reserved_after_kg",
            "reason",
            "reference",
            "actor",
            "created_at",
        ]
        read_only_fields = fields
