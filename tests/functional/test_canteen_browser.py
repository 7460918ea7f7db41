"""A canteen buyer in a real browser: quick order with live availability, receipt.

Debian's headless Chromium through Playwright (never a downloaded browser), against
pytest-django's live server.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from fulfilment import cooperative_side, delivery
from fulfilment.models import Allocation, BulkOrder, OrderStatus, ReceiptLine
from tests.factories import (
    PASSWORD,
    ProductFactory,
    UserFactory,
    make_canteen,
    make_lot,
)

pytestmark = [pytest.mark.browser]


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def shop(cooperative):
    """A buyer at a canteen, and two products in stock at one cooperative."""
    buyer = UserFactory(username="canteen-buyer")
    canteen = make_canteen(name="天河区机关食堂", buyers=[buyer])
    chicken = ProductFactory(
        title="清远鸡",
        upc="QY-CHICKEN",
        unit_of_sale="5 kg 箱",
        net_weight_kg=Decimal("5"),
    )
    greens = ProductFactory(
        title="连州菜心",
        upc="QY-GREENS",
        unit_of_sale="10 kg 袋",
        net_weight_kg=Decimal("10"),
    )
    make_lot(cooperative=cooperative, product=chicken, kg="100", unit_price="120")
    # 30 kg more chicken that is too old for deliveries after in_days(3).
    make_lot(
        cooperative=cooperative,
        product=chicken,
        kg="30",
        unit_price="120",
        best_before=in_days(3),
    )
    make_lot(cooperative=cooperative, product=greens, kg="50", unit_price="60")
    return buyer, canteen


def deliver(bulk_order) -> None:
    for allocation in Allocation.objects.filter(line__bulk_order=bulk_order):
        cooperative_side.accept_allocation(allocation_id=allocation.pk)
        cooperative_side.ship_allocation(allocation_id=allocation.pk, kg=allocation.kg)
    delivery.mark_delivered(order_id=bulk_order.pk)


def test_buyer_orders_from_the_grid_and_flags_a_short_receipt(page, shop, cooperative):
    buyer, _canteen = shop

    # Log in through the store, and follow the navigation to the quick order.
    page.goto("/accounts/login/")
    page.fill("#id_login-username", buyer.email)
    page.fill("#id_login-password", PASSWORD)
    page.click("button[name=login_submit]")
    page.click("#nav_quick_order")
    page.wait_for_selector("#quick_order_form")

    # Availability appears per row, for the chosen date.
    rows = page.locator("#order_lines_body tr.order-line")
    page.fill("#id_delivery_date", in_days(2).isoformat())
    rows.nth(0).locator(".line-sku").fill("QY-CHICKEN")
    available = rows.nth(0).locator(".line-available")
    page.wait_for_function(
        "el => el.textContent.includes('26 units available')",
        arg=available.element_handle(),
    )
    assert rows.nth(0).locator(".line-title").inner_text() == "清远鸡"
    assert rows.nth(0).locator(".line-unit").inner_text() == "5 kg 箱"
    assert rows.nth(0).locator(".line-price").inner_text() == "¥120.00"

    page.fill("#id_delivery_date", in_days(5).isoformat())
    page.wait_for_function(
        "el => el.textContent.includes('20 units available')",
        arg=available.element_handle(),
    )
    rows.nth(0).locator(".line-units").fill("4")

    # A row added by the button takes part like the others.
    page.click("#add_line")
    assert rows.count() == 6
    added = rows.nth(5)
    assert added.locator(".line-number").inner_text() == "6"
    added.locator(".line-sku").fill("QY-GREENS")
    added.locator(".line-units").fill("2")
    page.wait_for_function(
        "el => el.textContent.includes('5 units available')",
        arg=added.locator(".line-available").element_handle(),
    )

    page.click("#place_order")
    page.wait_for_selector("#order_status")

    bulk_order = BulkOrder.objects.get()
    assert page.url.endswith(f"/canteen/orders/{bulk_order.order.number}/")
    assert page.inner_text("#order_status") == "Routed"
    lines = page.locator("#order_lines tbody tr")
    assert lines.count() == 2
    assert "英德市万仔蚕桑专业合作社: 20" in lines.nth(0).inner_text()
    assert "英德市万仔蚕桑专业合作社: 20" in lines.nth(1).inner_text()
    assert bulk_order.delivery_date == in_days(5)

    # The cooperative ships, the centre delivers; the buyer weighs one line short.
    deliver(bulk_order)
    page.reload()
    page.click("#receive_order")
    received = page.locator("#receipt_lines .received-kg")
    assert [received.nth(i).input_value() for i in range(2)] == ["20.000", "20.000"]
    received.nth(0).fill("18.5")
    page.locator("#receipt_lines .line-note").nth(0).fill("one crate light")
    page.click("#confirm_receipt")
    page.wait_for_selector("#receipt_flagged")

    assert page.inner_text("#order_status") == "Received"
    flagged = page.locator("#order_lines tbody tr.flagged")
    assert flagged.count() == 1
    assert "清远鸡" in flagged.inner_text()
    assert "Outside tolerance" in flagged.inner_text()
    assert [(r.received_kg, r.flagged) for r in ReceiptLine.objects.order_by("pk")] == [
        (Decimal("18.500"), True),
        (Decimal("20.000"), False),
    ]
    bulk_order.order.refresh_from_db()
    assert bulk_order.order.status == OrderStatus.RECEIVED
