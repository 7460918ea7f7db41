"""Canteen accounts in a real browser: staff record a bank transfer through the
account's form and the invoice shows as settled; the canteen's buyer sees what
the canteen owes fall on its account page. Screenshots are kept as
``var/artefacts/billing-dashboard-account.png`` and
``var/artefacts/canteen-account.png``.

Debian's headless Chromium through Playwright, against pytest-django's live
server; the order is placed and received through the services beforehand.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from billing.models import BankPayment
from tests.factories import PASSWORD
from tests.integration.billing_helpers import (
    D,
    canteen_with_stock,
    open_account,
    received_order,
)

pytestmark = [pytest.mark.browser]
ARTEFACTS = Path(settings.BASE_DIR) / "var" / "artefacts"


def log_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login-username", user.email)
    page.fill("#id_login-password", PASSWORD)
    page.click("button[name=login_submit]")
    page.wait_for_url("**/")


def test_staff_record_a_transfer_and_the_buyer_sees_the_balance_fall(
    browser_page, cooperative, staff
):
    buyer, canteen, rice, tea = canteen_with_stock(cooperative)
    account = open_account(staff, canteen, limit="5000.00")
    paid = received_order(buyer, canteen, [(tea, 5)], "5").invoice  # 400.00
    unpaid = received_order(buyer, canteen, [(rice, 8)], "8").invoice  # 100.00

    # The buyer's account page: 500.00 owed over two open invoices.
    mine = browser_page()
    log_in(mine, buyer)
    mine.goto("/canteen/orders/")
    mine.click("#account_tab")
    mine.wait_for_selector(".canteen-account")
    assert mine.inner_text(".figure-owed") == "¥500.00"
    assert mine.inner_text(".figure-available") == "¥4,500.00"
    assert mine.locator(".open-invoices tbody tr").count() == 2

    # Staff open the account from the list and record the transfer for one invoice.
    page = browser_page()
    log_in(page, staff)
    page.goto("/dashboard/canteen-accounts/")
    page.click(f"#account_table a:text-is('{canteen.name}')")
    page.wait_for_selector("#payment_form")
    row = page.locator(f"#invoice_table tr[data-invoice='{paid.number}']")
    assert row.locator(".status").inner_text() == "Outstanding"
    page.fill("#payment_reference", "ICBC-20261125-001")
    page.fill("#payment_amount", "400.00")
    page.fill("#payment_received_on", timezone.localdate().isoformat())
    page.select_option("#payment_invoice", str(paid.pk))
    page.click("#payment_form button[type=submit]")
    page.locator("#payment_table td.reference", has_text="ICBC-20261125-001").wait_for()
    assert row.locator(".status").inner_text() == "Settled"
    assert row.locator(".outstanding").inner_text() == "0.00"
    other = page.locator(f"#invoice_table tr[data-invoice='{unpaid.number}']")
    assert other.locator(".status").inner_text() == "Outstanding"
    assert page.inner_text("#figure_owed") == "100.00"
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(ARTEFACTS / "billing-dashboard-account.png"), full_page=True
    )

    # Sent again (the browser's Back and submit): the bank reference refuses it.
    page.go_back()
    page.click("#payment_form button[type=submit]")
    error = page.locator("#payment_form .field-error[data-field='reference']")
    assert error.inner_text() == (
        "A payment with this bank reference is recorded already."
    )
    payment = BankPayment.objects.get()
    assert (payment.account, payment.amount, payment.matched) == (
        account,
        D("400.00"),
        D("400.00"),
    )

    # The buyer's page follows: 100.00 owed, one invoice open, the transfer listed.
    mine.reload()
    assert mine.inner_text(".figure-owed") == "¥100.00"
    assert mine.inner_text(".figure-available") == "¥4,900.00"
    open_rows = mine.locator(".open-invoices tbody tr")
    assert open_rows.count() == 1
    assert open_rows.first.get_attribute("data-invoice") == unpaid.number
    assert mine.inner_text(".recent-payments td.reference") == "ICBC-20261125-001"
    settled = mine.locator(f".settled-invoices tr[data-invoice='{paid.number}']")
    assert settled.locator(".status").inner_text() == "Settled"
    mine.screenshot(path=str(ARTEFACTS / "canteen-account.png"), full_page=True)
