"""Shapes of the reports API's answers (for the OpenAPI schema and the output)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

KG = {"max_digits": 14, "decimal_places": 3}
YUAN = {"max_digits": 14, "decimal_places": 2}


class FiguresSerializer(serializers.Serializer):
    kg = serializers.DecimalField(**KG)
    tonnes = serializers.DecimalField(**KG)
    yuan = serializers.DecimalField(**YUAN)
    orders = serializers.IntegerField()
    households = serializers.IntegerField(help_text=_("Households reached"))
    income_per_household = serializers.DecimalField(
        allow_null=True,
        help_text=_("Yuan per household reached (null when none was reached)"),
        **YUAN,
    )


class RowSerializer(FiguresSerializer):
    key = serializers.CharField(
        help_text=_("The group's id (a date for periods, a code for channel kinds)")
    )
    label = serializers.CharField()
    entries = serializers.URLField(help_text=_("The ledger entries behind the row"))


class ReportSerializer(serializers.Serializer):
    grouping = serializers.CharField()
    interval = serializers.CharField(allow_null=True)
    period_from = serializers.DateField()
    period_to = serializers.DateField()
    filters = serializers.DictField()
    distinct_from = serializers.ChoiceField(
        choices=["summaries", "ledger"],
        help_text=_("Where households and orders were counted from"),
    )
    rows = RowSerializer(many=True)
    totals = FiguresSerializer()


class ChangeSerializer(serializers.Serializer):
    tonnes = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    yuan = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    channels_active = serializers.DecimalField(
        max_digits=8, decimal_places=1, allow_null=True
    )
    households = serializers.DecimalField(
        max_digits=8, decimal_places=1, allow_null=True
    )
    orders = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)


class PeriodFiguresSerializer(serializers.Serializer):
    period_from = serializers.DateField()
    period_to = serializers.DateField()
    tonnes = serializers.DecimalField(**KG)
    yuan = serializers.DecimalField(**YUAN)
    channels_active = serializers.IntegerField()
    households = serializers.IntegerField(help_text=_("Households reached"))
    orders = serializers.IntegerField()


class HeadlineSerializer(PeriodFiguresSerializer):
    filters = serializers.DictField()
    previous = PeriodFiguresSerializer()
    change_percent = ChangeSerializer(
        help_text=_("Percent change from the previous period of the same length")
    )


class AtRiskSerializer(serializers.Serializer):
    household = serializers.IntegerField(source="household.pk")
    archive_number = serializers.CharField(source="household.archive_number")
    status = serializers.CharField(source="household.status")
    village = serializers.CharField(source="household.village.name")
    town = serializers.CharField(source="household.village.town.name")
    county = serializers.CharField(source="household.village.town.county.name")
    yuan = serializers.DecimalField(**YUAN)
    previous_yuan = serializers.DecimalField(**YUAN)


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sale_date = serializers.DateField()
    channel = serializers.CharField(source="channel.name")
    cooperative = serializers.CharField(source="cooperative.partner.name")
    product = serializers.CharField(source="product.title")
    lot = serializers.CharField(source="lot.code")
    village = serializers.CharField(source="village.name")
    household = serializers.CharField(source="household.archive_number")
    kg = serializers.DecimalField(**KG)
    yuan = serializers.DecimalField(**YUAN)
    order = serializers.CharField(source="order_ref")
    source_kind = serializers.CharField()
    source_id = serializers.IntegerField()
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True)
