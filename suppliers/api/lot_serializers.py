"""Harvest lots: their representation with stock and shares, and the bodies of
receiving, adjusting, writing off and importing lots.

Bodies check shape and types only (kg exact to the gram, ids in range); whether a
lot may be received or changed is decided by ``suppliers.stock``.
"""

from django.apps import apps
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from shop.api.fields import IdField, KgField, ScopedIdField
from suppliers.api.fields import ForCooperativeSerializer
from suppliers.models import LotShare, StockLot

MAX_SHARES = 1000  # far above any lot's households; bounds the work per request


def _products(*, user):
    """The catalogue is shared by all cooperatives: any product may be stocked."""
    return apps.get_model("catalogue", "Product").objects.all()


class CooperativeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    name = serializers.CharField(read_only=True)


class ProductRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    title = serializers.CharField(read_only=True)


class ShareSerializer(serializers.ModelSerializer):
    archive_number = serializers.CharField(
        source="household.archive_number", read_only=True
    )

    class Meta:
        model = LotShare
        fields = ["household", "archive_number", "kg"]
        read_only_fields = fields


class LotSerializer(serializers.ModelSerializer):
    cooperative = CooperativeRefSerializer(read_only=True)
    product = ProductRefSerializer(read_only=True)
    available_kg = serializers.DecimalField(
        max_digits=12, decimal_places=3, read_only=True
    )
    shares = ShareSerializer(many=True, read_only=True)

    class Meta:
        model = StockLot
        fields = [
            "id",
            "code",
            "cooperative",
            "product",
            "harvest_date",
            "best_before",
            "received_kg",
            "on_hand_kg",
            "reserved_kg",
            "available_kg",
            "shares",
            "created_at",
        ]
        read_only_fields = fields


class ShareInputSerializer(serializers.Serializer):
    household = IdField(help_text=_("A member household of the lot's cooperative"))
    kg = KgField()


class LotCreateSerializer(ForCooperativeSerializer):
    """A harvest lot as received: household shares must add up to ``kg``."""

    product = ScopedIdField(scope=_products)
    code = serializers.CharField(max_length=64)
    harvest_date = serializers.DateField()
    best_before = serializers.DateField()
    kg = KgField()
    unit_price = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text=_("Yuan per unit of sale; required for a product's first lot"),
    )
    shares = ShareInputSerializer(many=True, max_length=MAX_SHARES)


class LotAdjustSerializer(serializers.Serializer):
    kg = KgField(help_text=_("Signed change of the kg on hand"))
    reason = serializers.CharField(max_length=255, allow_blank=True)


class LotWriteOffSerializer(serializers.Serializer):
    kg = KgField(
        required=False,
        allow_null=True,
        help_text=_("Omit to write off every kg not reserved"),
    )
    reason = serializers.CharField(max_length=255, allow_blank=True)


class LotImportSerializer(ForCooperativeSerializer):
    # An empty file is the importer's to refuse, in its line-numbered error shape.
    file = serializers.FileField(
        allow_empty_file=True, help_text=_("CSV (UTF-8 or GB18030) or XLSX")
    )


class LotImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    lots = LotSerializer(many=True)


class ImportRowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=_("Line in the file; 0: the file"))
    field = serializers.CharField()
    message = serializers.CharField()


class LotImportErrorsSerializer(serializers.Serializer):
    errors = ImportRowErrorSerializer(many=True)
