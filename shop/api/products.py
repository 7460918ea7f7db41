"""Read-only product catalogue for API clients (canteen buyers' systems, apps).

Price and availability come from the Oscar partner strategy, exactly as on the
store's pages, never from the stock records directly. The list prefetches stock
records once for the page: the strategy picks among them in Python, so a page costs
the same few queries whatever its length.
"""

import django_filters
from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from shop.apps.catalogue.models import certified_on
from shop.apps.partner.strategy import Selector


def _product_model():
    return apps.get_model("catalogue", "Product")


class CertificateSerializer(serializers.Serializer):
    number = serializers.CharField(source="certificate_number")
    issuer = serializers.CharField(source="certificate_issuer")
    valid_until = serializers.DateField(source="certificate_valid_until")
    # A plain string, not an enum in the schema: a second enum under the property
    # name "status" (households have one) makes drf-spectacular warn.
    status = serializers.CharField(
        source="certificate_status",
        help_text=_("valid, expired or none"),
    )


class PriceSerializer(serializers.Serializer):
    exists = serializers.BooleanField()
    currency = serializers.CharField(allow_null=True)
    excl_tax = serializers.DecimalField(max_digits=12, decimal_places=2)
    incl_tax = serializers.DecimalField(max_digits=12, decimal_places=2)
    tax = serializers.DecimalField(max_digits=12, decimal_places=2)


class AvailabilitySerializer(serializers.Serializer):
    is_available_to_buy = serializers.BooleanField()
    code = serializers.CharField()
    message = serializers.CharField()
    num_available = serializers.IntegerField(allow_null=True, default=None)


class ProductSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="get_title", read_only=True)
    origin_village = serializers.CharField(
        source="origin_village.name", default=None, allow_null=True, read_only=True
    )
    certificate = serializers.SerializerMethodField()
    price = serializers.SerializerMethodField()
    availability = serializers.SerializerMethodField()

    class Meta:
        model = _product_model()
        fields = [
            "id",
            "upc",
            "title",
            "unit_of_sale",
            "net_weight_kg",
            "grade",
            "storage",
            "shelf_life_days",
            "origin_village",
            "certificate",
            "price",
            "availability",
        ]
        read_only_fields = fields

    def to_representation(self, product):
        # One strategy call per product, shared by the price and availability fields.
        self._info = self.context["strategy"].fetch_for_product(product)
        return super().to_representation(product)

    @extend_schema_field(CertificateSerializer)
    def get_certificate(self, product):
        return CertificateSerializer(product).data

    @extend_schema_field(PriceSerializer)
    def get_price(self, product):
        return PriceSerializer(self._info.price).data

    @extend_schema_field(AvailabilitySerializer)
    def get_availability(self, product):
        availability = self._info.availability
        return {
            "is_available_to_buy": availability.is_available_to_buy,
            "code": availability.code,
            "message": str(availability.message),
            "num_available": getattr(availability, "num_available", None),
        }


class ProductFilter(django_filters.FilterSet):
    certified = django_filters.BooleanFilter(
        method="filter_certified",
        label=_("Certified poverty-area produce today"),
    )

    class Meta:
        model = _product_model()
        fields = ["certified"]

    def filter_certified(self, queryset, name, value):
        valid = certified_on(timezone.localdate())
        return queryset.filter(valid) if value else queryset.exclude(valid)


class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    """Public products that can be bought (parents are only groupings)."""

    serializer_class = ProductSerializer
    filterset_class = ProductFilter

    def get_queryset(self):
        Product = _product_model()
        return (
            Product.objects.filter(is_public=True)
            .exclude(structure=Product.PARENT)
            .select_related("origin_village", "product_class", "parent__product_class")
            .prefetch_related("stockrecords")
            .order_by("title", "pk")
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        strategy = getattr(self.request, "strategy", None)
        if strategy is None:
            strategy = Selector().strategy(request=self.request)
        context["strategy"] = strategy
        return context
