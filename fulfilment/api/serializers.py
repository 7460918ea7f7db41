"""Bulk orders, allocations and availability: representations and request bodies.

Bodies check shape and types only (whole units, kg exact to the gram, ids in range);
whether an order may be placed, cancelled or received is decided by the services.
Errors of nested bodies are named as the services name them (``lines[2].quantity``),
so a client reads one shape whichever layer refused the request.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from canteens.models import Role, Weekday
from canteens.selectors import organisation_ids, organisations_for
from fulfilment.models import AllocationStatus, OrderStatus, StandingOrderMode
from fulfilment.selectors import explain
from fulfilment.standing import next_delivery
from fulfilment.validation import OrderInvalid
from shop.api.fields import IdField, KgField, ScopedIdField

MAX_NOTE = 2000
# The service's names of line fields, where the API names them otherwise.
LINE_FIELDS = {"units": "quantity"}


def flat_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors, flattened to ``lines[2].quantity``-style names."""
    flat: dict[str, list[str]] = {}

    def add(name, messages):
        flat.setdefault(name or api_settings.NON_FIELD_ERRORS_KEY, []).extend(
            str(message) for message in messages
        )

    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            elif key == api_settings.NON_FIELD_ERRORS_KEY and prefix:
                name = prefix
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for inner, messages in flat_errors(value, name).items():
                add(inner, messages)
    elif isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            if detail:
                add(prefix, detail)
        else:
            for index, item in enumerate(detail):
                for inner, messages in flat_errors(item, f"{prefix}[{index}]").items():
                    add(inner, messages)
    else:
        add(prefix, [detail])
    return flat


def order_errors(exc: OrderInvalid) -> dict[str, list[str]]:
    """A refused order's errors under the API's field names."""
    errors = {name: list(messages) for name, messages in exc.field_errors.items()}
    for error in exc.line_errors:
        field = LINE_FIELDS.get(error.field, error.field)
        errors.setdefault(f"lines[{error.index}].{field}", []).append(error.message)
    return errors


def _buyer_canteens(*, user):
    return organisations_for(user=user, role=Role.BUYER)


def _with_canteen(attrs, user):
    """``organisation`` as ``organisation_id``; a buyer of exactly one canteen
    may leave it out."""
    organisation = attrs.pop("organisation", None)
    if organisation is not None:
        attrs["organisation_id"] = organisation.pk
        return attrs
    ids = organisation_ids(user=user, role=Role.BUYER)
    if len(ids) != 1:
        raise serializers.ValidationError(
            {"organisation": [_("Say which canteen the order is for.")]}
        )
    attrs["organisation_id"] = next(iter(ids))
    return attrs


def _limit_lines(fields) -> None:
    """At most as many lines as an order may have (read at request time)."""
    fields["lines"].max_length = settings.NONGJIA_MAX_ORDER_LINES


# --- request bodies ------------------------------------------------------------------


class IdempotencyKeySerializer(serializers.Serializer):
    idempotency_key = serializers.CharField(
        max_length=255, allow_blank=True, required=False
    )


class OrderLineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(
        help_text=_("Whole units of sale (crates, bags), not kilograms")
    )


class BulkOrderCreateSerializer(serializers.Serializer):
    organisation = ScopedIdField(
        scope=_buyer_canteens,
        required=False,
        help_text=_(
            "The canteen ordering; may be omitted by a buyer of exactly one canteen."
        ),
    )
    delivery_date = serializers.DateField()
    lines = OrderLineInputSerializer(many=True)
    note = serializers.CharField(
        max_length=MAX_NOTE, allow_blank=True, required=False, default=""
    )
    all_or_nothing = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Refuse the whole order (409) rather than accept a shortfall"),
    )

    def get_fields(self):
        fields = super().get_fields()
        _limit_lines(fields)
        return fields

    def validate(self, attrs):
        return _with_canteen(super().validate(attrs), self.context["request"].user)


def _days_ahead():
    return serializers.IntegerField(
        help_text=_(
            "Each order is created this many days before its delivery: from the "
            "canteen's lead time to the days ahead it may order"
        )
    )


def _mode():
    return serializers.ChoiceField(
        choices=StandingOrderMode.choices,
        help_text=_("draft: a draft for a buyer to confirm; place: placed at once"),
    )


class StandingOrderCreateSerializer(serializers.Serializer):
    organisation = ScopedIdField(
        scope=_buyer_canteens,
        required=False,
        help_text=_(
            "The canteen ordering; may be omitted by a buyer of exactly one canteen."
        ),
    )
    name = serializers.CharField(max_length=128)
    weekday = serializers.IntegerField(
        min_value=1,
        max_value=7,
        help_text=_("The delivery day, ISO weekday: 1 = Monday ... 7 = Sunday"),
    )
    days_ahead = _days_ahead()
    mode = _mode()
    lines = OrderLineInputSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        _limit_lines(fields)
        return fields

    def validate(self, attrs):
        return _with_canteen(super().validate(attrs), self.context["request"].user)


class SaveAsStandingSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=128)
    days_ahead = _days_ahead()
    mode = _mode()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=255, allow_blank=True, required=False, default=""
    )


class ReceivedLineInputSerializer(serializers.Serializer):
    line = IdField(help_text=_("The order line's id"))
    received_kg = KgField()
    note = serializers.CharField(
        max_length=255, allow_blank=True, required=False, default=""
    )


class ReceiptInputSerializer(serializers.Serializer):
    lines = ReceivedLineInputSerializer(many=True)
    note = serializers.CharField(
        max_length=MAX_NOTE, allow_blank=True, required=False, default=""
    )

    def get_fields(self):
        fields = super().get_fields()
        _limit_lines(fields)
        return fields


class ShipInputSerializer(serializers.Serializer):
    kg = KgField(help_text=_("What left the cooperative; may differ from the kg"))


class AvailabilityQuerySerializer(serializers.Serializer):
    delivery_date = serializers.DateField()
    sku = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        default=list,
        help_text=_("Repeat for several products; none: every public product"),
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["sku"].max_length = settings.NONGJIA_MAX_ORDER_LINES
        return fields


# --- representations -----------------------------------------------------------------


class CanteenRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class AllocatedCooperativeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="partner.name")


class AllocatedLotSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    code = serializers.CharField()


def _kg(**kwargs):
    return serializers.DecimalField(max_digits=12, decimal_places=3, **kwargs)


def _yuan(**kwargs):
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


class OrderAllocationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    cooperative = AllocatedCooperativeSerializer()
    lot = AllocatedLotSerializer()
    kg = _kg()
    status = serializers.CharField(help_text=", ".join(AllocationStatus.values))


class OrderLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    sku = serializers.CharField(source="product.upc")
    title = serializers.CharField(source="line.title")
    units = serializers.IntegerField()
    unit_kg = _kg()
    ordered_kg = _kg()
    short_kg = _kg(help_text=_("Not (yet) routed to any lot"))
    unit_price = _yuan()
    received_kg = _kg(allow_null=True)
    allocations = OrderAllocationSerializer(many=True)


class ReceiptLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(source="line_id")
    shipped_kg = _kg()
    received_kg = _kg()
    amount = _yuan(help_text=_("Received kg at the line's price"))
    flagged = serializers.BooleanField(help_text=_("Outside the weight tolerance"))
    note = serializers.CharField()


class ReceiptSerializer(serializers.Serializer):
    received_at = serializers.DateTimeField(source="created_at")
    note = serializers.CharField()
    lines = ReceiptLineSerializer(many=True)


class BulkOrderSerializer(serializers.Serializer):
    number = serializers.CharField(source="order.number")
    # Plain strings, not enums: a second enum named "status" makes spectacular warn.
    status = serializers.CharField(
        source="order.status",
        help_text=", ".join(OrderStatus.values),
    )
    status_display = serializers.SerializerMethodField()
    delivery_date = serializers.DateField()
    organisation = CanteenRefSerializer()
    all_or_nothing = serializers.BooleanField()
    placed_at = serializers.DateTimeField(source="order.date_placed")
    total = _yuan(source="order.total_incl_tax")
    lines = OrderLineSerializer(source="bulk_lines", many=True)
    receipt = serializers.SerializerMethodField()

    def get_status_display(self, bulk_order) -> str:
        return str(dict(OrderStatus.choices).get(bulk_order.order.status, ""))

    @extend_schema_field(ReceiptSerializer(allow_null=True))
    def get_receipt(self, bulk_order):
        receipt = getattr(bulk_order, "receipt", None)
        return None if receipt is None else ReceiptSerializer(receipt).data


class StandingOrderLineSerializer(serializers.Serializer):
    sku = serializers.CharField(source="product.upc")
    title = serializers.CharField(source="product.get_title")
    quantity = serializers.IntegerField(
        source="units", help_text=_("Whole units of sale (crates, bags)")
    )


class StandingOrderSerializer(serializers.Serializer):
    """A weekly template. ``next_delivery_date``: the delivery of the next order
    it will create (null when stopped or when the canteen no longer delivers
    that day); the order is created ``days_ahead`` before it."""

    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    organisation = CanteenRefSerializer()
    weekday = serializers.IntegerField(help_text=_("ISO weekday, 1 = Monday"))
    weekday_display = serializers.SerializerMethodField()
    days_ahead = serializers.IntegerField()
    # Plain strings, not enums: one enum per request field is enough.
    mode = serializers.CharField(help_text=", ".join(StandingOrderMode.values))
    mode_display = serializers.CharField(source="get_mode_display")
    is_active = serializers.BooleanField()
    next_delivery_date = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    lines = StandingOrderLineSerializer(many=True)

    def get_weekday_display(self, standing) -> str:
        return str(dict(Weekday.choices).get(standing.weekday, ""))

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_next_delivery_date(self, standing):
        day = next_delivery(standing, today=self.context.get("today"))
        return None if day is None else day.isoformat()


class AllocationProductSerializer(serializers.Serializer):
    """The allocation's own line's product (never the order's other lines)."""

    id = serializers.IntegerField(source="product_id")
    sku = serializers.CharField(source="product.upc")
    title = serializers.CharField(source="line.title")


@extend_schema_field(OpenApiTypes.STR)
class ExplanationField(serializers.Field):
    """Why routing chose this lot, in words (staff only)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", required=False, **kwargs)

    def to_representation(self, allocation):
        return explain(allocation)


STAFF_FIELDS = ("explanation", "scores")


class AllocationSerializer(serializers.Serializer):
    """An allocation as its cooperative sees it; staff also get why it was routed.

    Pass ``context={"staff": True}`` for the staff fields; they are left out
    otherwise (and optional in the schema).
    """

    id = serializers.IntegerField(source="pk")
    order = serializers.CharField(source="line.bulk_order.order.number")
    delivery_date = serializers.DateField()
    canteen = serializers.CharField(source="line.bulk_order.organisation.name")
    cooperative = AllocatedCooperativeSerializer()
    product = AllocationProductSerializer(source="line")
    lot = AllocatedLotSerializer()
    kg = _kg()
    shipped_kg = _kg(allow_null=True)
    status = serializers.CharField(help_text=", ".join(AllocationStatus.values))
    respond_by = serializers.DateTimeField()
    explanation = ExplanationField(help_text=_("Staff only"))
    scores = serializers.DictField(
        required=False, help_text=_("Staff only: the routing scores")
    )

    def get_fields(self):
        fields = super().get_fields()
        if not self.context.get("staff"):
            for name in STAFF_FIELDS:
                del fields[name]
        return fields


class ProductAvailabilitySerializer(serializers.Serializer):
    sku = serializers.CharField()
    title = serializers.CharField()
    unit_of_sale = serializers.CharField()
    unit_kg = _kg(allow_null=True)
    price = _yuan(allow_null=True, help_text=_("Yuan per unit of sale"))
    units_available = serializers.IntegerField()
    kg_available = _kg()
    orderable = serializers.BooleanField(
        help_text=_("Whether an order for the date would accept the product")
    )
    reason = serializers.CharField(
        allow_null=True,
        help_text=_("Why it cannot be ordered (null when it can)"),
    )
