"""What the canteen pages show, read and shaped for the templates.

Reads only: the products a buyer can pick, their live availability for a delivery
date (``fulfilment.selectors.availability``, priced by the partner strategy like
the store), an order's lines with their allocations and receipt, and the
canteen's standing orders with the next delivery each will order.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from oscar.templatetags.currency_filters import currency

from canteens.models import Weekday
from canteens.selectors import is_buyer
from fulfilment.buyer_side import CANCELLABLE
from fulfilment.models import (
    ACTIVE_ALLOCATIONS,
    AllocationStatus,
    BulkOrder,
    OrderStatus,
    ReceiptLine,
    StandingOrder,
)
from fulfilment.selectors import availability
from fulfilment.standing import created_on, next_delivery
from fulfilment.validation import why_not_orderable
from shop.apps.catalogue.models import certified_on
from shop.apps.partner.strategy import Selector

ZERO = Decimal(0)
PICKER_LIMIT = 1000


def _orderable_products():
    Product = apps.get_model("catalogue", "Product")
    return (
        Product.objects.filter(is_public=True, net_weight_kg__gt=0)
        .exclude(structure=Product.PARENT)
        .exclude(upc__isnull=True)
        .exclude(upc="")
    )


def picker_products() -> list[dict]:
    """SKU, title and unit of the products certified for sale today (datalist)."""
    return list(
        _orderable_products()
        .filter(certified_on(timezone.localdate()))
        .order_by("title", "upc")
        .values("upc", "title", "unit_of_sale")[:PICKER_LIMIT]
    )


def availability_by_sku(*, skus, delivery_date: datetime.date) -> dict[str, dict]:
    """For each SKU: the product's title, unit and price, and whether (and how many
    units) can be ordered for the date. Unknown SKUs say so."""
    skus = list(dict.fromkeys(sku.strip() for sku in skus if sku.strip()))
    products = {
        p.upc: p
        for p in _orderable_products()
        .filter(upc__in=skus)
        .select_related("product_class", "parent__product_class")
        .prefetch_related("stockrecords")
    }
    units = availability(
        product_ids=[p.pk for p in products.values()], delivery_date=delivery_date
    )
    strategy = Selector().strategy()
    result = {}
    for sku in skus:
        product = products.get(sku)
        if product is None:
            result[sku] = {
                "known": False,
                "orderable": False,
                "message": _("Unknown SKU %(sku)s.") % {"sku": sku},
            }
            continue
        price = strategy.fetch_for_product(product).price
        available = units[product.pk]["units"]
        why_not = why_not_orderable(
            product=product, price=price, delivery_date=delivery_date
        )
        message = why_not or ngettext(
            "%(n)s unit available", "%(n)s units available", available
        ) % {"n": available}
        result[sku] = {
            "known": True,
            "orderable": why_not is None,
            "title": product.get_title(),
            "unit_of_sale": product.unit_of_sale,
            "net_weight_kg": str(product.net_weight_kg),
            "price": str(price.excl_tax) if price.exists else None,
            "price_display": (
                currency(price.excl_tax, price.currency) if price.exists else ""
            ),
            "units_available": available,
            "message": message,
        }
    return result


def status_label(status: str) -> str:
    try:
        return OrderStatus(status).label
    except ValueError:
        return status


@dataclass
class CooperativeShare:
    name: str
    kg: Decimal = ZERO
    shipped_kg: Decimal | None = None
    statuses: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        labels = (str(AllocationStatus(s).label) for s in dict.fromkeys(self.statuses))
        return ", ".join(labels)


@dataclass
class LineRow:
    line: object  # BulkLine
    shares: list[CooperativeShare]
    allocated_kg: Decimal
    delivered_kg: Decimal
    receipt: ReceiptLine | None

    @property
    def is_short(self) -> bool:
        return self.line.short_kg > 0


def line_rows(bulk_order: BulkOrder) -> list[LineRow]:
    """Each line (prefetched by ``selectors.with_lines``) with its active
    allocations summed per cooperative, and its receipt line if received."""
    receipts = {
        r.line_id: r for r in ReceiptLine.objects.filter(receipt__bulk_order=bulk_order)
    }
    rows = []
    for line in bulk_order.bulk_lines.all():
        shares: dict[int, CooperativeShare] = {}
        delivered = ZERO
        for allocation in line.allocations.all():
            if allocation.status not in ACTIVE_ALLOCATIONS:
                continue
            share = shares.setdefault(
                allocation.cooperative_id,
                CooperativeShare(name=allocation.cooperative.name),
            )
            share.kg += allocation.kg
            share.statuses.append(allocation.status)
            if allocation.shipped_kg is not None:
                share.shipped_kg = (share.shipped_kg or ZERO) + allocation.shipped_kg
            if allocation.status == AllocationStatus.DELIVERED:
                delivered += allocation.shipped_kg or ZERO
        rows.append(
            LineRow(
                line=line,
                shares=list(shares.values()),
                allocated_kg=sum((s.kg for s in shares.values()), ZERO),
                delivered_kg=delivered,
                receipt=receipts.get(line.pk),
            )
        )
    return rows


@dataclass(frozen=True)
class Actions:
    """What the user may do with the order now, for its buttons."""

    cancel: bool
    approve: bool
    confirm: bool
    receive: bool


def actions(*, bulk_order: BulkOrder, rows, buyer: bool, approver: bool) -> Actions:
    status = bulk_order.order.status
    shipped = any(
        s in (AllocationStatus.SHIPPED, AllocationStatus.DELIVERED)
        for row in rows
        for share in row.shares
        for s in share.statuses
    )
    return Actions(
        cancel=buyer and status in CANCELLABLE and not shipped,
        approve=approver and status == OrderStatus.AWAITING_APPROVAL,
        confirm=buyer and status == OrderStatus.DRAFT,
        receive=buyer and status == OrderStatus.DELIVERED,
    )


def delivered_rows(rows) -> list[LineRow]:
    """The lines a receipt asks about: those with delivered kg."""
    return [row for row in rows if row.delivered_kg > 0]


def weekday_label(weekday: int) -> str:
    return str(Weekday(weekday).label)


@dataclass(frozen=True)
class StandingRow:
    """A standing order as the weekly-orders page lists it."""

    standing: StandingOrder
    weekday: str
    lines: list  # StandingOrderLine, with their products
    next_delivery: datetime.date | None
    created_on: datetime.date | None
    can_stop: bool


def standing_rows(standing_orders, *, user, today: datetime.date) -> list[StandingRow]:
    """Each standing order (prefetched by ``selectors.with_standing_lines``) with
    the next delivery it will create an order for, and whether the user may
    stop it (a buyer of its canteen, while it is active)."""
    rows = []
    for standing in standing_orders:
        day = next_delivery(standing, today=today)
        rows.append(
            StandingRow(
                standing=standing,
                weekday=weekday_label(standing.weekday),
                lines=list(standing.lines.all()),
                next_delivery=day,
                created_on=None
                if day is None
                else created_on(standing, day, today=today),
                can_stop=standing.is_active
                and is_buyer(user=user, organisation_id=standing.organisation_id),
            )
        )
    return rows
