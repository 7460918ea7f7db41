"""Query-string filters of the supply lists.

They narrow querysets that are already scoped to the user, so filtering by another
cooperative's id simply finds nothing. Ids are parsed as integers (``?lot=1.5`` is a
400, not lot 1); bad values answer 400 through django-filter.
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from shop.api.fields import MAX_ID
from suppliers.models import (
    Household,
    HouseholdStatus,
    MovementKind,
    StockLot,
    StockMovement,
)


class IdFilter(django_filters.NumberFilter):
    """An id in the databases' range: SQLite raises on a larger one in a
    foreign-key lookup, so it is a 400 here instead of a 500."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class HouseholdFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=HouseholdStatus.choices)
    village = IdFilter(field_name="village_id")

    class Meta:
        model = Household
        fields = ["status", "village"]


class LotFilter(django_filters.FilterSet):
    product = IdFilter(field_name="product_id")
    cooperative = IdFilter(field_name="cooperative_id")
    open = django_filters.BooleanFilter(
        method="filter_open", label=_("Only lots with kg on hand")
    )

    class Meta:
        model = StockLot
        fields = ["product", "cooperative", "open"]

    def filter_open(self, queryset, name, value):
        if value:
            return queryset.filter(on_hand_kg__gt=0)
        return queryset.filter(on_hand_kg=0)


class MovementFilter(django_filters.FilterSet):
    lot = IdFilter(field_name="lot_id")
    kind = django_filters.ChoiceFilter(choices=MovementKind.choices)

    class Meta:
        model = StockMovement
        fields = ["lot", "kind"]
