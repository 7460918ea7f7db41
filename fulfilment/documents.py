"""What the distribution centre prints for a delivery date: reads only.

Three documents, each built by one selector into small frozen values that the HTML
pages and the PDFs render alike:

* a **pick list** per cooperative: its allocations for the date (product, lot, kg,
  canteen) — what to pack and send to the centre;
* the **consolidation sheet** for the centre: what arrives from which cooperative
  for which canteen;
* a **delivery note** per canteen: its lines, kg ordered and shipped, and space for
  the canteen's signature.

Every selector reads in a fixed number of queries whatever the number of rows.
They do not scope by user: adapters first look the cooperative or canteen up in
what the user may see, then call these.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from fulfilment.models import (
    ACTIVE_ALLOCATIONS,
    Allocation,
    AllocationStatus,
    BulkLine,
    BulkOrder,
    Disposition,
    OrderStatus,
    ReceiptLine,
)

ZERO = Decimal("0.000")  # sums print to the gram
GRAM = Decimal("0.001")
SHIPPED = (AllocationStatus.SHIPPED, AllocationStatus.DELIVERED)
# Orders that go (or went) out on their delivery date.
DELIVERING = (
    OrderStatus.PLACED,
    OrderStatus.ROUTED,
    OrderStatus.ROUTED_SHORT,
    OrderStatus.ACCEPTED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.RECEIVED,
)


def status_label(status: str) -> str:
    """An order status in words (Oscar's order keeps only the value)."""
    return str(dict(OrderStatus.choices).get(status, status))


def _allocations(**filters):
    """Active allocations for a date, with all a document prints: one query."""
    return (
        Allocation.objects.filter(status__in=ACTIVE_ALLOCATIONS, **filters)
        .select_related(
            "lot",
            "cooperative__partner",
            "line__product",
            "line__bulk_order__order",
            "line__bulk_order__organisation",
        )
        .order_by(
            "line__bulk_order__organisation__name",
            "line__bulk_order__order__number",
            "line_id",
            "pk",
        )
    )


def _shipped(allocation: Allocation) -> Decimal | None:
    return allocation.shipped_kg if allocation.status in SHIPPED else None


# --- pick list ----------------------------------------------------------------------


@dataclass(frozen=True)
class PickRow:
    allocation_id: int
    order_number: str
    canteen: str
    product: str
    unit_of_sale: str
    lot_code: str
    best_before: datetime.date
    kg: Decimal
    shipped_kg: Decimal | None
    status: str
    status_label: str


@dataclass(frozen=True)
class ProductTotal:
    product: str
    kg: Decimal


@dataclass(frozen=True)
class PickList:
    delivery_date: datetime.date
    cooperative_id: int
    cooperative: str
    address: str
    rows: tuple[PickRow, ...]
    totals: tuple[ProductTotal, ...]
    total_kg: Decimal


def pick_list(*, cooperative, delivery_date: datetime.date) -> PickList:
    """A cooperative's allocations for the date, by canteen and order: 1 query."""
    rows = []
    by_product: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for a in _allocations(cooperative_id=cooperative.pk, delivery_date=delivery_date):
        product = a.line.product.get_title()
        rows.append(
            PickRow(
                allocation_id=a.pk,
                order_number=a.line.bulk_order.order.number,
                canteen=a.line.bulk_order.organisation.name,
                product=product,
                unit_of_sale=a.line.product.unit_of_sale,
                lot_code=a.lot.code,
                best_before=a.lot.best_before,
                kg=a.kg,
                shipped_kg=_shipped(a),
                status=a.status,
                status_label=a.get_status_display(),
            )
        )
        by_product[product] += a.kg
    return PickList(
        delivery_date=delivery_date,
        cooperative_id=cooperative.pk,
        cooperative=cooperative.name,
        address=cooperative.address,
        rows=tuple(rows),
        totals=tuple(ProductTotal(p, kg) for p, kg in sorted(by_product.items())),
        total_kg=sum(by_product.values(), ZERO),
    )


# --- consolidation sheet --------------------------------------------------------------


@dataclass(frozen=True)
class ArrivalRow:
    cooperative: str
    order_number: str
    product: str
    lot_code: str
    kg: Decimal
    shipped_kg: Decimal | None
    status: str
    status_label: str


@dataclass(frozen=True)
class CanteenArrivals:
    organisation_id: int
    canteen: str
    address: str
    rows: tuple[ArrivalRow, ...]
    kg: Decimal
    shipped_kg: Decimal


@dataclass(frozen=True)
class CooperativeArrivals:
    cooperative_id: int
    cooperative: str
    allocations: int
    kg: Decimal
    shipped_kg: Decimal


@dataclass(frozen=True)
class ConsolidationSheet:
    delivery_date: datetime.date
    canteens: tuple[CanteenArrivals, ...]
    cooperatives: tuple[CooperativeArrivals, ...]
    kg: Decimal
    shipped_kg: Decimal


def consolidation_sheet(*, delivery_date: datetime.date) -> ConsolidationSheet:
    """What arrives at the centre from whom for which canteen: 1 query."""
    canteens: dict[int, dict] = {}
    cooperatives: dict[int, dict] = {}
    for a in _allocations(delivery_date=delivery_date):
        organisation = a.line.bulk_order.organisation
        shipped = _shipped(a)
        canteen = canteens.setdefault(
            organisation.pk,
            {"organisation": organisation, "rows": [], "kg": ZERO, "shipped": ZERO},
        )
        canteen["rows"].append(
            ArrivalRow(
                cooperative=a.cooperative.name,
                order_number=a.line.bulk_order.order.number,
                product=a.line.product.get_title(),
                lot_code=a.lot.code,
                kg=a.kg,
                shipped_kg=shipped,
                status=a.status,
                status_label=a.get_status_display(),
            )
        )
        canteen["kg"] += a.kg
        canteen["shipped"] += shipped or ZERO
        source = cooperatives.setdefault(
            a.cooperative_id,
            {"name": a.cooperative.name, "count": 0, "kg": ZERO, "shipped": ZERO},
        )
        source["count"] += 1
        source["kg"] += a.kg
        source["shipped"] += shipped or ZERO
    return ConsolidationSheet(
        delivery_date=delivery_date,
        canteens=tuple(
            CanteenArrivals(
                organisation_id=pk,
                canteen=c["organisation"].name,
                address=c["organisation"].delivery_address,
                rows=tuple(c["rows"]),
                kg=c["kg"],
                shipped_kg=c["shipped"],
            )
            for pk, c in canteens.items()
        ),
        cooperatives=tuple(
            CooperativeArrivals(
                cooperative_id=pk,
                cooperative=c["name"],
                allocations=c["count"],
                kg=c["kg"],
                shipped_kg=c["shipped"],
            )
            for pk, c in sorted(cooperatives.items(), key=lambda i: i[1]["name"])
        ),
        kg=sum((c["kg"] for c in canteens.values()), ZERO),
        shipped_kg=sum((c["shipped"] for c in canteens.values()), ZERO),
    )


# --- delivery note --------------------------------------------------------------------


@dataclass(frozen=True)
class NoteLine:
    order_number: str
    product: str
    unit_of_sale: str
    units: int
    ordered_kg: Decimal
    shipped_kg: Decimal
    lot_codes: tuple[str, ...]


@dataclass(frozen=True)
class DeliveryNote:
    delivery_date: datetime.date
    organisation_id: int
    canteen: str
    address: str
    contact: str
    window: str
    order_numbers: tuple[str, ...]
    lines: tuple[NoteLine, ...]
    ordered_kg: Decimal
    shipped_kg: Decimal


def delivery_note(*, organisation, delivery_date: datetime.date) -> DeliveryNote:
    """The canteen's lines for the date with what was shipped of each: 2 queries."""
    lines = list(
        BulkLine.objects.filter(
            bulk_order__organisation=organisation,
            bulk_order__delivery_date=delivery_date,
            bulk_order__order__status__in=DELIVERING,
        )
        .select_related("product", "bulk_order__order")
        .order_by("bulk_order__order__number", "line_id")
    )
    shipped: dict[int, Decimal] = defaultdict(lambda: ZERO)
    lots: dict[int, list[str]] = defaultdict(list)
    for line_id, kg, code in (
        Allocation.objects.filter(line__in=[line.pk for line in lines])
        .filter(status__in=SHIPPED)
        .order_by("line_id", "lot__code")
        .values_list("line_id", "shipped_kg", "lot__code")
    ):
        shipped[line_id] += kg or ZERO
        if code not in lots[line_id]:
            lots[line_id].append(code)
    note_lines = tuple(
        NoteLine(
            order_number=line.bulk_order.order.number,
            product=line.product.get_title(),
            unit_of_sale=line.product.unit_of_sale,
            units=line.units,
            ordered_kg=line.ordered_kg,
            shipped_kg=shipped[line.pk],
            lot_codes=tuple(lots[line.pk]),
        )
        for line in lines
    )
    window = (
        f"{organisation.window_start:%H:%M}–{organisation.window_end:%H:%M}"
        if organisation.window_start and organisation.window_end
        else ""
    )
    contact = " ".join(
        part for part in (organisation.contact_name, organisation.contact_phone) if part
    )
    return DeliveryNote(
        delivery_date=delivery_date,
        organisation_id=organisation.pk,
        canteen=organisation.name,
        address=organisation.delivery_address,
        contact=contact,
        window=window,
        order_numbers=tuple(dict.fromkeys(n.order_number for n in note_lines)),
        lines=note_lines,
        ordered_kg=sum((n.ordered_kg for n in note_lines), ZERO),
        shipped_kg=sum((n.shipped_kg for n in note_lines), ZERO),
    )


# --- the day's overview ---------------------------------------------------------------


@dataclass(frozen=True)
class DayOrder:
    bulk_order: BulkOrder
    lines: int
    ordered_kg: Decimal
    status_label: str
    can_deliver: bool


@dataclass(frozen=True)
class DayCooperative:
    cooperative_id: int
    cooperative: str
    allocations: int
    kg: Decimal


@dataclass(frozen=True)
class DayOverview:
    delivery_date: datetime.date
    orders: tuple[DayOrder, ...]
    cooperatives: tuple[DayCooperative, ...]
    pending_decisions: tuple[ReceiptLine, ...]


def delivery_day(*, delivery_date: datetime.date) -> DayOverview:
    """A date's orders (to mark delivered), the cooperatives with a pick list, and
    the receipt lines whose missing kg wait for staff: 3 queries."""
    orders = (
        BulkOrder.objects.filter(
            delivery_date=delivery_date, order__status__in=DELIVERING
        )
        .select_related("order", "organisation")
        .annotate(
            line_count=Count("bulk_lines"), ordered_kg=Sum("bulk_lines__ordered_kg")
        )
        .order_by("organisation__name", "order__number")
    )
    cooperatives = (
        Allocation.objects.filter(
            delivery_date=delivery_date, status__in=ACTIVE_ALLOCATIONS
        )
        .values("cooperative_id", "cooperative__partner__name")
        .annotate(count=Count("pk"), kg=Sum("kg"))
        .order_by("cooperative__partner__name", "cooperative_id")
    )
    pending = (
        ReceiptLine.objects.filter(
            disposition=Disposition.PENDING,
            receipt__bulk_order__delivery_date=delivery_date,
        )
        .select_related(
            "line__product",
            "receipt__bulk_order__order",
            "receipt__bulk_order__organisation",
        )
        .order_by("receipt__bulk_order__order__number", "line_id")
    )
    return DayOverview(
        delivery_date=delivery_date,
        orders=tuple(
            DayOrder(
                bulk_order=o,
                lines=o.line_count,
                ordered_kg=(o.ordered_kg or ZERO).quantize(GRAM),
                status_label=status_label(o.order.status),
                can_deliver=o.order.status == OrderStatus.SHIPPED,
            )
            for o in orders
        ),
        cooperatives=tuple(
            DayCooperative(
                cooperative_id=c["cooperative_id"],
                cooperative=c["cooperative__partner__name"],
                allocations=c["count"],
                kg=c["kg"].quantize(GRAM),
            )
            for c in cooperatives
        ),
        pending_decisions=tuple(pending),
    )


@dataclass(frozen=True)
class DaySummary:
    delivery_date: datetime.date
    orders: int
    to_deliver: int
    pending_decisions: int


def delivery_days(*, since: datetime.date, limit: int = 60) -> list[DaySummary]:
    """Delivery dates from ``since`` on, and earlier ones with decisions pending:
    2 queries."""
    counts = (
        BulkOrder.objects.filter(order__status__in=DELIVERING)
        .filter(
            Q(delivery_date__gte=since)
            | Q(receipt__lines__disposition=Disposition.PENDING)
        )
        .values("delivery_date")
        .annotate(
            orders=Count("pk", distinct=True),
            to_deliver=Count(
                "pk", filter=Q(order__status=OrderStatus.SHIPPED), distinct=True
            ),
        )
        .order_by("delivery_date")[:limit]
    )
    pending = dict(
        ReceiptLine.objects.filter(disposition=Disposition.PENDING)
        .values("receipt__bulk_order__delivery_date")
        .annotate(n=Count("pk"))
        .values_list("receipt__bulk_order__delivery_date", "n")
    )
    return [
        DaySummary(
            delivery_date=row["delivery_date"],
            orders=row["orders"],
            to_deliver=row["to_deliver"],
            pending_decisions=pending.get(row["delivery_date"], 0),
        )
        for row in counts
    ]
