"""Query-string filters of the bulk-order and allocation lists.

They narrow querysets already scoped to the user (``fulfilment.selectors``); bad
values answer 400 through django-filter.
"""

import django_filters

from fulfilment.models import Allocation, AllocationStatus, BulkOrder, OrderStatus


class BulkOrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        field_name="order__status", choices=OrderStatus.choices
    )
    delivery_date = django_filters.DateFilter()

    class Meta:
        model = BulkOrder
        fields = ["status", "delivery_date"]


class AllocationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AllocationStatus.choices)
    delivery_date = django_filters.DateFilter()

    class Meta:
        model = Allocation
        fields = ["status", "delivery_date"]
