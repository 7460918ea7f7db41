"""Demo bulk orders, so every role has something to look at after ``make run``.

For the demo buyer's canteen, once (skipped when it has orders already):
- an order received last week, with a short weight on one line — so the household
  ledger, receipts and delivery documents have content;
- an order for the next delivery day, routed and waiting for the cooperatives (the
  demo ``manager`` sees allocations to accept or reject);
- a weekly standing order, created as a draft three days ahead.
All through the real services, with the dates they would have had.
"""

import datetime
from decimal import ROUND_DOWN, Decimal

from django.apps import apps
from django.contrib.auth.models import User
from django.utils import timezone

from canteens.demo import BUYER_CANTEEN
from canteens.models import Organisation
from fulfilment import cooperative_side
from fulfilment.delivery import ReceivedLine, confirm_receipt, mark_delivered
from fulfilment.models import Allocation, BulkOrder, StandingOrderMode
from fulfilment.placing import OrderInput, place_bulk_order
from fulfilment.standing import save_standing_order
from fulfilment.validation import LineInput
from suppliers import stock
from suppliers.models import Cooperative, Household

WANZAI = "英德市万仔蚕桑专业合作社"

# Mulberry-shoot and tea products of the Yingde cooperatives, canteen packs.
PAST_ORDER = (("NJ-WZ-02", 40), ("NJ-WZ-01", 60))
NEXT_ORDER = (("NJ-WZ-02", 30), ("NJ-WZ-01", 40))


def _next_delivery_day(canteen: Organisation, after: datetime.date) -> datetime.date:
    day = after
    while not canteen.delivers_on(day):
        day += datetime.timedelta(days=1)
    return day


def _lines(rows):
    return tuple(LineInput(sku, units) for sku, units in rows)


def _harvest_for_orders(*, past_day: datetime.date, today: datetime.date) -> None:
    """Lots of the ordered products at 万仔 harvested in time for each order, so
    the demo orders are routed in full whatever day the demo is loaded."""
    Product = apps.get_model("catalogue", "Product")
    cooperative = Cooperative.objects.get(partner__name=WANZAI)
    households = list(
        Household.objects.filter(memberships__cooperative=cooperative).order_by(
            "archive_number"
        )[:4]
    )
    needs = [
        ("PAST", past_day - datetime.timedelta(days=1), PAST_ORDER),
        ("NEXT", today - datetime.timedelta(days=1), NEXT_ORDER),
    ]
    for tag, harvested, rows in needs:
        for sku, units in rows:
            product = Product.objects.get(upc=sku)
            kg = (product.net_weight_kg * units).quantize(stock.GRAM)
            each = (kg / len(households)).quantize(stock.GRAM, ROUND_DOWN)
            shares = [stock.ShareInput(h.pk, each) for h in households[1:]]
            shares.insert(0, stock.ShareInput(households[0].pk, kg - each * 3))
            stock.receive_lot(
                cooperative=cooperative,
                product=product,
                code=f"DEMO-{tag}-{sku}",
                harvest_date=harvested,
                best_before=harvested + datetime.timedelta(days=8),
                kg=kg,
                shares=shares,
            )


def ensure_orders() -> int:
    """Create the demo orders once; returns how many were created."""
    canteen = Organisation.objects.get(name=BUYER_CANTEEN)
    if BulkOrder.objects.filter(organisation=canteen).exists():
        return 0
    buyer = User.objects.get(username="buyer")
    staff = User.objects.get(username="staff")
    now = timezone.now()
    today = timezone.localdate()
    week_ago = now - datetime.timedelta(days=7)
    past_day = _next_delivery_day(canteen, today - datetime.timedelta(days=5))
    _harvest_for_orders(past_day=past_day, today=today)
    past = place_bulk_order(
        user=buyer,
        data=OrderInput(canteen.pk, past_day, _lines(PAST_ORDER), "示例：上周订单"),
        now=week_ago,
    ).bulk_order
    allocations = Allocation.objects.filter(line__bulk_order=past).order_by("pk")
    for allocation in allocations:
        cooperative_side.accept_allocation(allocation_id=allocation.pk, now=week_ago)
        cooperative_side.ship_allocation(allocation_id=allocation.pk, kg=allocation.kg)
    if allocations:  # the demo stock had something fresh for that day
        _deliver_and_receive(past, buyer=buyer, staff=staff)
    next_day = _next_delivery_day(canteen, today + datetime.timedelta(days=2))
    place_bulk_order(
        user=buyer,
        data=OrderInput(canteen.pk, next_day, _lines(NEXT_ORDER), "示例：下周订单"),
    )
    return 2


def _deliver_and_receive(past: BulkOrder, *, buyer, staff) -> None:
    """Delivered, and received 1.5 kg short on the first line."""
    mark_delivered(order_id=past.pk, actor=staff)
    received = []
    for index, line in enumerate(past.bulk_lines.order_by("line_id")):
        shipped = line.ordered_kg - line.short_kg
        kg = shipped - Decimal("1.500") if index == 0 and shipped > 2 else shipped
        received.append(ReceivedLine(line.pk, kg, "两袋破损" if kg != shipped else ""))
    confirm_receipt(order_id=past.pk, user=buyer, lines=received)


def ensure_standing_order() -> None:
    canteen = Organisation.objects.get(name=BUYER_CANTEEN)
    if canteen.standing.exists():
        return
    save_standing_order(
        organisation_id=canteen.pk,
        user=User.objects.get(username="buyer"),
        name="每周一桑芽菜",
        weekday=1,
        days_ahead=3,
        mode=StandingOrderMode.DRAFT,
        lines=[LineInput("NJ-WZ-02", 30)],
    )
