"""A delivery day for the fulfilment dashboard and document tests.

One canteen orders two products for one date: chicken, which routing has to split
over cooperative A (lot ``A-CHICKEN``, 10 kg) and cooperative B (lot ``B-CHICKEN``,
15 kg), and tea, which only B has (lot ``B-TEA``). So A's manager has one
allocation in a multi-cooperative order whose other lines are B's, and one user of
each role looks at it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from canteens.models import Organisation
from fulfilment import cooperative_side
from fulfilment.models import Allocation, BulkOrder
from fulfilment.placing import OrderInput, place_bulk_order
from fulfilment.validation import LineInput
from suppliers.models import Cooperative, StockLot
from tests.factories import (
    ProductFactory,
    UserFactory,
    make_canteen,
    make_cooperative,
    make_lot,
    make_official,
    make_staff,
)

D = Decimal
ROLES = ("manager_a", "manager_b", "staff", "buyer", "official")


@dataclass
class Day:
    manager_a: User
    manager_b: User
    staff: User
    buyer: User
    official: User
    cooperative_a: Cooperative
    cooperative_b: Cooperative
    canteen: Organisation
    chicken: object
    tea: object
    lot_a: StockLot
    lot_b: StockLot
    lot_tea: StockLot
    bulk_order: BulkOrder
    allocation_a: Allocation
    allocation_b: Allocation
    allocation_tea: Allocation
    day: datetime.date

    def user(self, role: str) -> User:
        return getattr(self, role)

    @property
    def number(self) -> str:
        return self.bulk_order.order.number

    def refresh(self) -> None:
        for name in ("allocation_a", "allocation_b", "allocation_tea"):
            getattr(self, name).refresh_from_db()
        for name in ("lot_a", "lot_b", "lot_tea"):
            getattr(self, name).refresh_from_db()
        self.bulk_order.order.refresh_from_db()


def delivery_date(days: int = 2) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def place(buyer, canteen, lines, *, day: datetime.date) -> BulkOrder:
    data = OrderInput(
        organisation_id=canteen.pk,
        delivery_date=day,
        lines=tuple(LineInput(product.upc, units) for product, units in lines),
    )
    return place_bulk_order(user=buyer, data=data).bulk_order


def build_day() -> Day:
    manager_a = UserFactory(username="manager_a")
    manager_b = UserFactory(username="manager_b")
    buyer = UserFactory(username="buyer")
    cooperative_a = make_cooperative(
        name="英德市万仔蚕桑专业合作社", managers=[manager_a]
    )
    cooperative_b = make_cooperative(name="连州菜心合作社", managers=[manager_b])
    canteen = make_canteen(name="天河区机关食堂", buyers=[buyer])
    chicken = ProductFactory(title="清远鸡")
    tea = ProductFactory(title="英德红茶", unit_of_sale="5 kg 袋")
    lot_a = make_lot(
        cooperative=cooperative_a, product=chicken, kg="10", code="A-CHICKEN"
    )
    lot_b = make_lot(
        cooperative=cooperative_b, product=chicken, kg="15", code="B-CHICKEN"
    )
    lot_tea = make_lot(cooperative=cooperative_b, product=tea, kg="50", code="B-TEA")
    day = delivery_date()
    bulk_order = place(buyer, canteen, [(chicken, 5), (tea, 2)], day=day)
    allocations = {a.lot_id: a for a in Allocation.objects.all()}
    return Day(
        manager_a=manager_a,
        manager_b=manager_b,
        staff=make_staff(username="staff"),
        buyer=buyer,
        official=make_official(username="official"),
        cooperative_a=cooperative_a,
        cooperative_b=cooperative_b,
        canteen=canteen,
        chicken=chicken,
        tea=tea,
        lot_a=lot_a,
        lot_b=lot_b,
        lot_tea=lot_tea,
        bulk_order=bulk_order,
        allocation_a=allocations[lot_a.pk],
        allocation_b=allocations[lot_b.pk],
        allocation_tea=allocations[lot_tea.pk],
        day=day,
    )


def ship_everything(day: Day, *, kg: dict | None = None) -> None:
    """Every allocation accepted and shipped (its allocated kg unless given)."""
    kg = kg or {}
    for allocation in (day.allocation_a, day.allocation_b, day.allocation_tea):
        cooperative_side.accept_allocation(allocation_id=allocation.pk)
        cooperative_side.ship_allocation(
            allocation_id=allocation.pk, kg=kg.get(allocation.pk, allocation.kg)
        )
    day.refresh()
