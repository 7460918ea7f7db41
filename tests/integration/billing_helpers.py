"""Helpers of the canteen-account tests: a canteen on account, orders taken
through to receipt."""

from decimal import Decimal

from billing import services
from fulfilment import cooperative_side
from fulfilment.delivery import ReceivedLine, confirm_receipt, mark_delivered
from fulfilment.models import Allocation
from tests.factories import ProductFactory, UserFactory, make_canteen, make_lot
from tests.integration.bulk import place

D = Decimal


def open_account(staff, canteen, limit="2000.00", days=30):
    return services.open_account(
        organisation_id=canteen.pk,
        credit_limit=D(limit),
        payment_terms_days=days,
        actor=staff,
    )


def canteen_with_stock(cooperative, *, buyer_name="canteen_buyer"):
    """A canteen and two products in stock: rice at 12.50 a kg and tea at 80.00."""
    buyer = UserFactory(username=buyer_name)
    canteen = make_canteen(buyers=[buyer])
    rice = ProductFactory(title="连州大米", net_weight_kg=D("1"))
    tea = ProductFactory(title="英德红茶", net_weight_kg=D("1"))
    make_lot(cooperative=cooperative, product=rice, kg="500", unit_price="12.50")
    make_lot(cooperative=cooperative, product=tea, kg="100", unit_price="80.00")
    return buyer, canteen, rice, tea


def deliver(bulk_order):
    """Every allocation accepted and shipped in full, the order delivered."""
    allocations = Allocation.objects.filter(line__bulk_order=bulk_order)
    for allocation in allocations.order_by("pk"):
        cooperative_side.accept_allocation(allocation_id=allocation.pk)
        cooperative_side.ship_allocation(allocation_id=allocation.pk, kg=allocation.kg)
    mark_delivered(order_id=bulk_order.pk)


def receive(buyer, bulk_order, *kgs):
    """Confirm the receipt with the given kg per line, in line order."""
    lines = bulk_order.bulk_lines.order_by("pk")
    return confirm_receipt(
        order_id=bulk_order.pk,
        user=buyer,
        lines=[
            ReceivedLine(line.pk, D(kg)) for line, kg in zip(lines, kgs, strict=True)
        ],
    )


def received_order(buyer, canteen, lines, *kgs):
    bulk_order = place(buyer, canteen, lines)
    deliver(bulk_order)
    receive(buyer, bulk_order, *kgs)
    return bulk_order
