"""Reads of bulk orders, standing orders and allocations, each scoped to what the
user may see.

A canteen's members see its orders and standing orders; a cooperative's managers
see only their own allocations (never the other lines of a multi-cooperative
order); staff see all.
Adapters look objects up in these querysets only, so anything else answers 404.
"""

import datetime
from collections import defaultdict
from decimal import ROUND_FLOOR, Decimal

from django.apps import apps
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import F, Prefetch, QuerySet, Sum
from django.utils.translation import gettext as _

from canteens.selectors import organisation_ids
from fulfilment.models import (
    ACTIVE_ALLOCATIONS,
    Allocation,
    BulkLine,
    BulkOrder,
    StandingOrder,
    StandingOrderLine,
)
from suppliers.access import is_staff
from suppliers.models import Cooperative, StockLot
from suppliers.selectors import managed_cooperative_ids

ZERO = Decimal(0)


def orders_visible(*, user: User | AnonymousUser) -> QuerySet[BulkOrder]:
    """Staff: every order; canteen members: their canteens' orders."""
    qs = BulkOrder.objects.select_related("order", "organisation", "placed_by")
    if is_staff(user):
        return qs
    return qs.filter(organisation_id__in=organisation_ids(user=user))


def with_lines(orders: QuerySet[BulkOrder]) -> QuerySet[BulkOrder]:
    """Prefetch lines and their allocations (with lot and cooperative): 3 queries."""
    allocations = Allocation.objects.select_related("lot", "cooperative__partner")
    lines = BulkLine.objects.select_related("line", "product").prefetch_related(
        Prefetch("allocations", allocations)
    )
    return orders.prefetch_related(Prefetch("bulk_lines", lines))


def standing_orders_visible(*, user: User | AnonymousUser) -> QuerySet[StandingOrder]:
    """Staff: every standing order; canteen members: their canteens' ones."""
    qs = StandingOrder.objects.select_related("organisation")
    if is_staff(user):
        return qs
    return qs.filter(organisation_id__in=organisation_ids(user=user))


def with_standing_lines(
    standing_orders: QuerySet[StandingOrder], *, today: datetime.date
) -> QuerySet[StandingOrder]:
    """Prefetch lines with their products, and the orders already made for
    deliveries from ``today`` (for ``fulfilment.standing.next_delivery``): 2 queries."""
    lines = StandingOrderLine.objects.select_related("product", "product__parent")
    upcoming = BulkOrder.objects.filter(delivery_date__gte=today).only(
        "order", "delivery_date", "standing_order"
    )
    return standing_orders.prefetch_related(
        Prefetch("lines", lines), Prefetch("orders", upcoming)
    )


def allocations_visible(*, user: User | AnonymousUser) -> QuerySet[Allocation]:
    """Staff: all; cooperative managers: their cooperatives' allocations only."""
    qs = Allocation.objects.select_related(
        "lot",
        "cooperative__partner",
        "line__line",
        "line__product",
        "line__bulk_order__order",
        "line__bulk_order__organisation",
    )
    if is_staff(user):
        return qs
    return qs.filter(cooperative_id__in=managed_cooperative_ids(user=user))


def availability(
    *, product_ids, delivery_date: datetime.date
) -> dict[int, dict[str, object]]:
    """Units of each product that could be routed for a delivery date now.

    The same eligibility as routing (free kg, fresh on the date with the product's
    margin) and each cooperative's remaining capacity, in whole units per
    cooperative. A snapshot: stock may go before the order is placed.

    A product not certified on the delivery date has none: placing the order
    refuses it (``validation.price_lines``, by ``Product.certificate_status`` on
    that date), so its lots are not offered as available.
    """
    Product = apps.get_model("catalogue", "Product")
    products = {
        p.pk: p
        for p in Product.objects.filter(pk__in=product_ids).only(
            "pk",
            "net_weight_kg",
            "min_remaining_shelf_life_days",
            "certificate_number",
            "certificate_valid_until",
        )
    }
    certified = [pk for pk, p in products.items() if p.is_certified(delivery_date)]
    free = defaultdict(lambda: ZERO)
    lots = StockLot.objects.filter(
        product_id__in=certified,
        on_hand_kg__gt=F("reserved_kg"),
        best_before__gte=delivery_date,
    ).values_list(
        "product_id", "cooperative_id", "best_before", "on_hand_kg", "reserved_kg"
    )
    for product_id, cooperative_id, best_before, on_hand, reserved in lots:
        margin = datetime.timedelta(
            days=products[product_id].min_remaining_shelf_life_days
        )
        if best_before - margin >= delivery_date:
            free[(product_id, cooperative_id)] += on_hand - reserved
    cooperative_ids = {c for _p, c in free}
    capacity = dict(
        Cooperative.objects.filter(
            pk__in=cooperative_ids, daily_capacity_kg__isnull=False
        ).values_list("pk", "daily_capacity_kg")
    )
    used = dict(
        Allocation.objects.filter(
            cooperative_id__in=capacity,
            delivery_date=delivery_date,
            status__in=ACTIVE_ALLOCATIONS,
        )
        .values("cooperative_id")
        .annotate(kg=Sum("kg"))
        .values_list("cooperative_id", "kg")
    )
    result = {pk: {"units": 0, "kg": ZERO, "cooperatives": 0} for pk in products}
    for (product_id, cooperative_id), kg in sorted(free.items()):
        if cooperative_id in capacity:
            kg = min(
                kg, max(capacity[cooperative_id] - used.get(cooperative_id, ZERO), ZERO)
            )
        net = products[product_id].net_weight_kg
        if not net:
            continue
        units = int((kg / net).to_integral_value(ROUND_FLOOR))
        if units:
            entry = result[product_id]
            entry["units"] += units
            entry["kg"] += units * net
            entry["cooperatives"] += 1
    return result


def explain(allocation: Allocation) -> str:
    """Why routing chose this lot, in words, from the scores it stored."""
    s = allocation.scores
    if not s:
        return ""
    policy = s.get("policy", {})
    parts = [
        _(
            "Cooperative %(rank)s of %(used)s used for this line "
            "(%(eligible)s could supply it)."
        )
        % {
            "rank": s["cooperative_rank"],
            "used": s["cooperatives_used"],
            "eligible": s["cooperatives_eligible"],
        }
    ]
    if policy.get("fewest_cooperatives"):
        parts.append(_("The line uses as few cooperatives as can cover it."))
    parts.append(
        _(
            "Its households earned %(coop)s yuan on average this year "
            "(this lot's: %(lot)s yuan); lower earners are preferred."
        )
        % {"coop": s["cooperative_income_ytd"], "lot": s["lot_income_ytd"]}
    )
    parts.append(
        _("Best before %(date)s: %(days)s days left at delivery.")
        % {"date": s["best_before"], "days": s["days_left_at_delivery"]}
    )
    return " ".join(parts)
