"""Shared by the bulk-order API tests: URLs, bodies, and what must stay unchanged."""

import datetime
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from fulfilment.models import Allocation, BulkOrder, IdempotencyKey
from suppliers.models import MovementKind, StockLot, StockMovement

ORDERS = "/api/v1/bulk-orders/"
ALLOCATIONS = "/api/v1/allocations/"
AVAILABILITY = "/api/v1/availability/"


def day(offset: int = 1) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def order_url(number: str, verb: str = "") -> str:
    return f"{ORDERS}{number}/" + (f"{verb}/" if verb else "")


def allocation_url(allocation_id: int, verb: str = "") -> str:
    return f"{ALLOCATIONS}{allocation_id}/" + (f"{verb}/" if verb else "")


def body(*lines, when=None, **fields) -> dict:
    """An order body: ``lines`` are (sku, quantity) pairs."""
    return {
        "delivery_date": (when or day()).isoformat(),
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        **fields,
    }


def post(api, user, url, data=None, **extra):
    api.force_authenticate(user)
    return api.post(url, data if data is not None else {}, format="json", **extra)


def get(api, user, url, **params):
    api.force_authenticate(user)
    return api.get(url, params)


def stock_state() -> dict:
    """Everything an order could have written, to compare before and after."""
    Order = apps.get_model("order", "Order")
    StockRecord = apps.get_model("partner", "StockRecord")
    return {
        "orders": Order.objects.count(),
        "bulk_orders": BulkOrder.objects.count(),
        "allocations": sorted(Allocation.objects.values_list("pk", "status", "kg")),
        "keys": IdempotencyKey.objects.count(),
        "lots": sorted(StockLot.objects.values_list("pk", "on_hand_kg", "reserved_kg")),
        "movements": StockMovement.objects.count(),
        "stockrecords": sorted(
            StockRecord.objects.values_list("pk", "num_in_stock", "num_allocated")
        ),
        "statuses": sorted(Order.objects.values_list("number", "status")),
    }


def reserved_movements() -> int:
    return StockMovement.objects.filter(kind=MovementKind.RESERVED).count()


def kg(value) -> str:
    """Kilograms as the API writes them."""
    return f"{Decimal(value):.3f}"
