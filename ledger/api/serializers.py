"""Representations and request bodies of counter sales.

Bodies only check shape and types (a date, decimals, text); whether a channel,
product, cooperative or lot exists, the amounts' range and precision, and whether
a batch was recorded before are ``record_counter_sales``'s rules.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ledger.counter_sale_upload import MAX_ROWS
from ledger.models import CounterSale, CounterSaleBatch

REFERENCE_LENGTH = CounterSaleBatch._meta.get_field("reference").max_length
REASON_LENGTH = CounterSaleBatch._meta.get_field("withdrawn_reason").max_length


def _kg(**kwargs):
    return serializers.DecimalField(max_digits=None, decimal_places=3, **kwargs)


def _yuan(**kwargs):
    return serializers.DecimalField(max_digits=None, decimal_places=2, **kwargs)


# --- what the API answers -------------------------------------------------------------


class CounterSaleLotSerializer(serializers.Serializer):
    """The kg and yuan of a sale that one harvest lot accounts for."""

    lot = serializers.IntegerField(source="lot_id")
    lot_code = serializers.CharField()
    cooperative = serializers.IntegerField(source="cooperative_id")
    cooperative_name = serializers.CharField()
    harvest_date = serializers.DateField()
    kg = _kg()
    yuan = _yuan()


class CounterSaleSerializer(serializers.ModelSerializer):
    """A sale as reported, and how its kg were attributed to lots."""

    date = serializers.DateField(source="sale_date")
    channel = serializers.CharField(source="channel.code")
    sku = serializers.CharField(source="product.upc")
    product = serializers.CharField(source="product.title")
    cooperative = serializers.CharField(
        source="cooperative.registration_code",
        default=None,
        allow_null=True,
        help_text=_("The cooperative the operator named (registration code)"),
    )
    lot = serializers.CharField(
        source="lot.code",
        default=None,
        allow_null=True,
        help_text=_("The lot the operator named"),
    )
    attribution_display = serializers.CharField(source="get_attribution_display")
    lots = CounterSaleLotSerializer(
        source="lot_parts",
        many=True,
        help_text=_("The lots the kg came from, oldest harvest first"),
    )

    class Meta:
        model = CounterSale
        fields = [
            "line",
            "date",
            "channel",
            "sku",
            "product",
            "kg",
            "yuan",
            "cooperative",
            "lot",
            "attribution",
            "attribution_display",
            "lots",
        ]
        read_only_fields = fields


class CounterSaleBatchSerializer(serializers.ModelSerializer):
    """A batch: its reference, file, totals as reported, who recorded it and
    whether it was withdrawn."""

    rows = serializers.IntegerField()
    kg = _kg()
    yuan = _yuan()
    recorded_by = serializers.CharField(
        source="uploaded_by.username", default=None, allow_null=True
    )
    withdrawn = serializers.SerializerMethodField()

    class Meta:
        model = CounterSaleBatch
        fields = [
            "id",
            "reference",
            "filename",
            "rows",
            "kg",
            "yuan",
            "created_at",
            "recorded_by",
            "withdrawn",
            "withdrawn_at",
            "withdrawn_reason",
        ]
        read_only_fields = fields

    def get_withdrawn(self, batch) -> bool:
        return batch.withdrawn_at is not None


class CounterSaleBatchDetailSerializer(CounterSaleBatchSerializer):
    """A batch with its sales, each with the lots it was attributed to."""

    sales = CounterSaleSerializer(source="sale_rows", many=True, read_only=True)

    class Meta(CounterSaleBatchSerializer.Meta):
        fields = [*CounterSaleBatchSerializer.Meta.fields, "sales"]
        read_only_fields = fields


class CounterSaleRowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        help_text=_(
            "An upload's line in the file (1: the header), or the sale's place in "
            "sales (from 1); 0: the batch as a whole"
        )
    )
    field = serializers.CharField()
    message = serializers.CharField()


class CounterSaleErrorsSerializer(serializers.Serializer):
    """Nothing was recorded: every problem, at its line."""

    errors = CounterSaleRowErrorSerializer(many=True)


# --- what the API is sent -------------------------------------------------------------


class CounterSaleInputSerializer(serializers.Serializer):
    date = serializers.DateField(help_text=_("The day of the sale"))
    channel = serializers.CharField(help_text=_("The channel's code"))
    sku = serializers.CharField(help_text=_("The product's SKU"))
    kg = serializers.DecimalField(max_digits=None, decimal_places=None)
    yuan = serializers.DecimalField(max_digits=None, decimal_places=None)
    cooperative = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The cooperative's registration code, when known"),
    )
    lot = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The lot's code, when known"),
    )


class CounterSalesCreateSerializer(serializers.Serializer):
    reference = serializers.CharField(
        max_length=REFERENCE_LENGTH,
        allow_blank=True,
        help_text=_("The batch's reference; a reference is recorded once"),
    )
    sales = CounterSaleInputSerializer(many=True, max_length=MAX_ROWS)


class CounterSaleUploadSerializer(serializers.Serializer):
    reference = serializers.CharField(
        max_length=REFERENCE_LENGTH,
        allow_blank=True,
        help_text=_("The batch's reference; a reference is recorded once"),
    )
    # An empty file is the parser's to refuse, in its line-numbered error shape.
    file = serializers.FileField(
        allow_empty_file=True,
        help_text=_(
            "CSV (UTF-8 or GB18030) or XLSX: date, channel, sku, kg, yuan, and "
            "optionally cooperative, lot; a file is recorded once"
        ),
    )


class CounterSaleWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_LENGTH, allow_blank=True)
