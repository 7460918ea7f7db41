"""A canteen buyer pays a bulk order by card in a real browser: from the order's
page to the "Pay by card" page, a refused card, then a good one, back on the order.
Staff then refund part of it from the card-payment pages. Screenshots are kept as
``var/artefacts/canteen-pay-by-card.png`` and ``var/artefacts/card-refund.png``.

Debian's headless Chromium through Playwright, against pytest-django's live
server; Stripe is the tests' fake API.
"""

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from payments.models import Payment, PaymentStatus, Refund, RefundStatus
from tests.factories import (
    PASSWORD,
    ProductFactory,
    UserFactory,
    make_canteen,
    make_lot,
)
from tests.integration.bulk import place

pytestmark = [pytest.mark.browser]
ARTEFACTS = Path(settings.BASE_DIR) / "var" / "artefacts"


def log_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login-username", user.email)
    page.fill("#id_login-password", PASSWORD)
    page.click("button[name=login_submit]")


def test_a_buyer_pays_by_card_and_staff_refund_part(
    browser_page, cooperative, staff, fake_stripe
):
    buyer = UserFactory(username="canteen-buyer")
    canteen = make_canteen(name="天河区机关食堂", buyers=[buyer])
    rice = ProductFactory(title="连州大米", net_weight_kg=Decimal("1"))
    make_lot(cooperative=cooperative, product=rice, kg="100", unit_price="12.50")
    number = place(buyer, canteen, [(rice, 40)]).order.number
    page = browser_page("en-US")

    log_in(page, buyer)
    page.goto(f"/canteen/orders/{number}/")
    page.click("#card_payment_link")
    page.wait_for_selector("#pay-by-card-form")
    assert page.inner_text("#order_total") == "¥500.00"

    page.fill("#id_payment_method", "pm_card_chargeDeclined")
    page.click("#pay_by_card")
    assert page.inner_text("#card_error") == "Your card was declined."

    page.fill("#id_payment_method", "pm_card_visa")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "canteen-pay-by-card.png"), full_page=True)
    page.click("#pay_by_card")
    page.wait_for_url(f"**/canteen/orders/{number}/")
    assert f"Order {number} is paid: 500.00 yuan by card." in page.content()

    paid = Payment.objects.get(status=PaymentStatus.SUCCEEDED)
    assert (paid.amount, paid.order.number) == (Decimal("500.00"), number)
    assert Payment.objects.filter(status=PaymentStatus.FAILED).count() == 1

    staff_page = browser_page("en-US")
    log_in(staff_page, staff)
    staff_page.goto(f"/payments/dashboard/?order_number={number}")
    staff_page.click(f"text={paid.intent_id}")
    staff_page.wait_for_selector("#refund_form")
    staff_page.fill("#id_amount", "25.01")
    staff_page.fill("#id_reason", "2.001 kg of rice not received")
    staff_page.click("#refund")
    staff_page.wait_for_selector("#payment_refunded")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    staff_page.screenshot(path=str(ARTEFACTS / "card-refund.png"), full_page=True)

    # The refund is sent after its commit, by the in-process task.
    assert staff_page.inner_text("#payment_refunded") == "25.01"
    assert staff_page.inner_text("#payment_left") == "474.99"
    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.requested_by) == (
        Decimal("25.01"),
        RefundStatus.SUCCEEDED,
        staff,
    )
    assert fake_stripe.refunds[refund.stripe_id]["amount"] == 2501
