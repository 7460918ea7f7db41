"""Placing a bulk order: one service behind the API, the quick-order page, the
upload and standing orders.

In one transaction: lock the canteen (so its orders, idempotency keys and rules are
serialised), validate every line, create the Oscar order with its lines, then —
unless the order waits for approval or is a draft — route it to lots. Bulk reads
and writes only: the query count does not grow with the number of lines.
"""

import datetime
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from audit import services as audit
from canteens.models import Organisation, Role
from fulfilment import notifications, status
from fulfilment.allocate import cut_off, route_lines
from fulfilment.errors import IdempotencyConflict, InsufficientStock
from fulfilment.models import (
    BulkLine,
    BulkOrder,
    IdempotencyKey,
    OrderNumber,
    OrderStatus,
    StandingOrder,
)
from fulfilment.validation import (
    LineError,
    LineInput,
    OrderInvalid,
    PricedLine,
    check_delivery_date,
    check_lines_shape,
    price_lines,
)
from shop.apps.partner.strategy import Selector

SHIPPING_CODE = "distribution-centre"


@dataclass(frozen=True)
class OrderInput:
    organisation_id: int
    delivery_date: datetime.date
    lines: tuple[LineInput, ...]
    note: str = ""
    all_or_nothing: bool = False

    def fingerprint(self) -> str:
        """The request, canonically: same input, same hash (for Idempotency-Key)."""
        body = {
            "organisation": self.organisation_id,
            "delivery_date": self.delivery_date.isoformat(),
            "lines": [[line.sku.strip(), line.units] for line in self.lines],
            "note": self.note.strip(),
            "all_or_nothing": self.all_or_nothing,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Placed:
    bulk_order: BulkOrder
    replayed: bool = False


def _lock_organisation(*, user, organisation_id: int) -> Organisation:
    """The canteen, locked, if the user is one of its buyers (else not found).

    No DISTINCT (PostgreSQL refuses it with FOR UPDATE): a user is a canteen's
    buyer at most once (``member_unique_role``), so the join yields one row.
    """
    return (
        Organisation.objects.select_for_update()
        .filter(is_active=True, members__user=user, members__role=Role.BUYER)
        .get(pk=organisation_id)
    )


def products_by_sku(skus: Sequence[str]) -> dict:
    """The public, non-parent products of the SKUs, by SKU, with priced records."""
    Product = apps.get_model("catalogue", "Product")
    StockRecord = apps.get_model("partner", "StockRecord")
    # The strategy picks among priced records only: load no others, and only
    # the fields it reads.
    records = StockRecord.objects.filter(price__isnull=False).only(
        "product_id",
        "partner_id",
        "price",
        "price_currency",
        "num_in_stock",
        "num_allocated",
    )
    products = (
        Product.objects.filter(upc__in={sku.strip() for sku in skus}, is_public=True)
        .exclude(structure=Product.PARENT)
        .select_related("product_class", "parent__product_class")
        .prefetch_related(Prefetch("stockrecords", records))
    )
    return {product.upc: product for product in products}


def validate_order(
    *, organisation: Organisation, data: OrderInput, today=None
) -> list[PricedLine]:
    """Every check, all errors together; returns the priced lines when all pass."""
    fields: dict[str, list[str]] = {}
    errors: list[LineError] = []
    check_lines_shape(list(data.lines), errors, fields)
    check_delivery_date(organisation, data.delivery_date, fields, today=today)
    products = products_by_sku([line.sku for line in data.lines])
    strategy = Selector().strategy()
    priced = price_lines(
        list(data.lines), products, strategy, data.delivery_date, errors
    )
    if fields or errors:
        raise OrderInvalid(fields=fields, lines=sorted(errors, key=lambda e: e.index))
    return priced


def _create_order(
    *, organisation, data: OrderInput, priced, user, initial: str, now, standing=None
) -> BulkOrder:
    """The Oscar order, its lines and our extensions: five inserts in all."""
    Order = apps.get_model("order", "Order")
    Line = apps.get_model("order", "Line")
    OrderNote = apps.get_model("order", "OrderNote")
    total = sum((p.unit_price * p.units for p in priced), Decimal(0))
    number = f"B{OrderNumber.objects.create().pk:08d}"
    order = Order.objects.create(
        number=number,
        site_id=settings.SITE_ID,
        user=user if user is not None and user.is_authenticated else None,
        currency="CNY",
        total_incl_tax=total,
        total_excl_tax=total,
        shipping_incl_tax=Decimal(0),
        shipping_excl_tax=Decimal(0),
        shipping_method=_("Delivery through the Qingyuan distribution centre"),
        shipping_code=SHIPPING_CODE,
        status=initial,
        date_placed=now,
    )
    lines = Line.objects.bulk_create(
        Line(
            order=order,
            partner_sku=p.product.upc,
            product=p.product,
            title=p.product.get_title(),
            upc=p.product.upc,
            quantity=p.units,
            line_price_incl_tax=p.unit_price * p.units,
            line_price_excl_tax=p.unit_price * p.units,
            line_price_before_discounts_incl_tax=p.unit_price * p.units,
            line_price_before_discounts_excl_tax=p.unit_price * p.units,
            unit_price_incl_tax=p.unit_price,
            unit_price_excl_tax=p.unit_price,
            num_allocated=0,
        )
        for p in priced
    )
    bulk_order = BulkOrder.objects.create(
        order=order,
        organisation=organisation,
        delivery_date=data.delivery_date,
        placed_by=order.user,
        all_or_nothing=data.all_or_nothing,
        retry_until=cut_off(data.delivery_date),
        standing_order=standing,
    )
    bulk_lines = BulkLine.objects.bulk_create(
        BulkLine(
            line=line,
            bulk_order=bulk_order,
            product=p.product,
            units=p.units,
            unit_kg=p.product.net_weight_kg,
            unit_price=p.unit_price,
            ordered_kg=p.product.net_weight_kg * p.units,
            short_kg=p.product.net_weight_kg * p.units,
        )
        for line, p in zip(lines, priced, strict=True)
    )
    for bulk_line, p in zip(bulk_lines, priced, strict=True):
        bulk_line.product = p.product
    bulk_order._lines = bulk_lines
    if data.note.strip():
        OrderNote.objects.create(
            order=order, user=order.user, note_type="buyer", message=data.note.strip()
        )
    return bulk_order


def run_placed_checks(*, bulk_order: BulkOrder, total: Decimal) -> None:
    """Let the apps that bill orders take (or refuse) one being committed — the
    canteen's credit limit (settings.NONGJIA_ORDER_PLACED_CHECKS) — inside the
    order's transaction and before it is routed: a refusal rolls back the order
    with nothing reserved."""
    for path in settings.NONGJIA_ORDER_PLACED_CHECKS:
        import_string(path)(bulk_order=bulk_order, total=total)


def submit(*, bulk_order: BulkOrder, lines, actor, now) -> None:
    """Route a placed order (its lock held); all-or-nothing orders refuse a gap.

    Tells the buyer and the cooperatives after commit.
    """
    status.change(bulk_order.order, OrderStatus.PLACED)
    allocations = route_lines(bulk_order=bulk_order, lines=lines, actor=actor, now=now)
    short = {line.product.upc: str(line.short_kg) for line in lines if line.short_kg}
    if short and bulk_order.all_or_nothing:
        raise InsufficientStock(
            _("Not enough fresh stock for every line; nothing was ordered."),
            short=short,
        )
    status.refresh(bulk_order, lines=lines)
    notifications.order_routed(
        bulk_order.pk, {allocation.cooperative_id for allocation in allocations}
    )


@transaction.atomic
@audit.batch()  # the order and its allocations: one audit INSERT
def place_bulk_order(
    *,
    user,
    data: OrderInput,
    idempotency_key: str | None = None,
    standing_order: StandingOrder | None = None,
    as_draft: bool = False,
    now: datetime.datetime | None = None,
) -> Placed:
    """Place (or, with ``as_draft``, save unrouted) a canteen's bulk order."""
    now = now or timezone.now()
    organisation = _lock_organisation(user=user, organisation_id=data.organisation_id)
    fingerprint = data.fingerprint()
    if idempotency_key:
        earlier = (
            IdempotencyKey.objects.select_related("order__order")
            .filter(user=user, key=idempotency_key)
            .first()
        )
        if earlier is not None:
            if earlier.request_hash != fingerprint:
                raise IdempotencyConflict(
                    _("This Idempotency-Key was used for a different order.")
                )
            return Placed(earlier.order, replayed=True)
    priced = validate_order(
        organisation=organisation, data=data, today=timezone.localtime(now).date()
    )
    total = sum((p.unit_price * p.units for p in priced), Decimal(0))
    if as_draft:
        initial = OrderStatus.DRAFT
    elif organisation.needs_approval(total):
        initial = OrderStatus.AWAITING_APPROVAL
    else:
        initial = OrderStatus.PLACED
    bulk_order = _create_order(
        organisation=organisation,
        data=data,
        priced=priced,
        user=user,
        initial=initial,
        now=now,
        standing=standing_order,
    )
    status.record(bulk_order.order, "", initial)
    if initial != OrderStatus.DRAFT:
        run_placed_checks(bulk_order=bulk_order, total=total)
    if initial == OrderStatus.PLACED:
        submit(bulk_order=bulk_order, lines=bulk_order._lines, actor=user, now=now)
    audit.record(
        "bulk_order.drafted" if as_draft else "bulk_order.placed",
        bulk_order.order,
        {
            "canteen": organisation,
            "delivery_date": data.delivery_date,
            "lines": len(priced),
            "total": total,
            "status": bulk_order.order.status,
        },
        actor=user,
    )
    if idempotency_key:
        try:
            with transaction.atomic():
                IdempotencyKey.objects.create(
                    user=user,
                    key=idempotency_key,
                    request_hash=fingerprint,
                    order=bulk_order,
                )
        except IntegrityError as exc:  # the same key, concurrently, for another canteen
            raise IdempotencyConflict(
                _("This Idempotency-Key is being used by another request.")
            ) from exc
    return Placed(bulk_order)
