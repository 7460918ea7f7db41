from rest_framework import serializers

from settlement.models import Statement, StatementHousehold, StatementLine
from settlement.selectors import household_lines


class StatementLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatementLine
        fields = ["product", "channel", "adjustment", "kg", "yuan"]


class StatementHouseholdSerializer(serializers.ModelSerializer):
    archive_number = serializers.CharField(source="household.archive_number")
    paid = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    outstanding = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True
    )

    class Meta:
        model = StatementHousehold
        fields = ["household", "archive_number", "kg", "yuan", "paid", "outstanding"]


class StatementSerializer(serializers.ModelSerializer):
    period_start = serializers.DateField(source="period.start")
    period_end = serializers.DateField(source="period.end")
    cooperative_name = serializers.CharField(source="cooperative.name")
    paid_at = serializers.SerializerMethodField()
    payout_reference = serializers.SerializerMethodField()

    class Meta:
        model = Statement
        fields = [
            "id",
            "number",
            "period_start",
            "period_end",
            "cooperative",
            "cooperative_name",
            "issued_at",
            "goods_kg",
            "goods_yuan",
            "adjustments_yuan",
            "fee_rate",
            "fee_yuan",
            "payout_yuan",
            "paid_at",
            "payout_reference",
        ]

    def _payout(self, obj):
        return getattr(obj, "payout", None)

    def get_paid_at(self, obj) -> str | None:
        payout = self._payout(obj)
        return payout.paid_at.isoformat() if payout else None

    def get_payout_reference(self, obj) -> str:
        payout = self._payout(obj)
        return payout.reference if payout else ""


class StatementDetailSerializer(StatementSerializer):
    lines = StatementLineSerializer(many=True, read_only=True)
    households = serializers.SerializerMethodField()

    class Meta(StatementSerializer.Meta):
        fields = [*StatementSerializer.Meta.fields, "lines", "households"]

    def get_households(self, obj) -> list[dict]:
        return StatementHouseholdSerializer(
            household_lines(statement=obj), many=True
        ).data
