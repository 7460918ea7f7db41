"""Cooperative settlement in a real browser: a cooperative's manager opens its
statement, downloads the PDF and records a payment to a household through the
form; the officials' report of unpaid households follows.

Debian's headless Chromium through Playwright, against pytest-django's live
server; the statement is issued through the service beforehand.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from settlement.models import HouseholdPayment
from settlement.services import issue_statements
from tests.factories import PASSWORD
from tests.integration.settlement_setup import (
    counter_channel,
    period,
    sell,
    three_household_lot,
)

pytestmark = [pytest.mark.browser]

P1 = (datetime.date(2026, 10, 1), datetime.date(2026, 10, 14))


def log_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login-username", user.email)
    page.fill("#id_login-password", PASSWORD)
    page.click("button[name=login_submit]")
    page.wait_for_url("**/")


@pytest.fixture
def statement(cooperative, product):
    """The cooperative's statement for P1: 99.99 yuan over three households."""
    lot = three_household_lot(cooperative=cooperative, product=product)
    sell(lot=lot, channel=counter_channel(), day=P1[0], kg="10", yuan="99.99")
    [issued] = issue_statements(
        period_id=period(*P1).pk, today=P1[1] + datetime.timedelta(days=1)
    )
    return issued


def test_manager_pays_a_household_and_the_officials_report_follows(
    browser_page, manager, official, statement
):
    lines = list(statement.households.order_by("household__archive_number"))
    first = lines[0]
    report = browser_page()
    log_in(report, official)
    report.goto("/reports/settlement/")
    summary = report.inner_text("#unpaid_summary")
    assert summary == "3 household lines unpaid: 99.99 yuan"
    page = browser_page()
    log_in(page, manager)

    # The manager's statement list opens the statement.
    page.goto("/dashboard/settlement/")
    page.click(f"#statement_table a:text-is('{statement.number}')")
    page.wait_for_selector("#statement_households")
    assert page.inner_text("#payout_yuan") == "99.99"
    assert page.locator("#statement_households tbody tr").count() == 3

    # Its PDF link answers a PDF.
    pdf = page.request.get(page.get_attribute("a[href$='.pdf']", "href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")

    # A payment recorded through the form.
    page.select_option("#id_household", str(first.household_id))
    page.fill("#id_amount", str(first.yuan))
    page.fill("#id_paid_on", timezone.localdate().isoformat())
    page.select_option("#id_method", "mobile")
    page.fill("#id_reference", "WX-20261015-1")
    page.click("#payment_form button[type=submit]")
    page.locator("#household_payments td", has_text="WX-20261015-1").wait_for()
    payment = HouseholdPayment.objects.get()
    assert (payment.line, payment.amount, payment.method) == (
        first,
        first.yuan,
        "mobile",
    )
    assert payment.recorded_by == manager

    # The officials' report no longer lists that household.
    report.reload()
    unpaid = report.inner_text("#unpaid_households")
    assert report.inner_text("#unpaid_summary") == (
        f"2 household lines unpaid: {Decimal('99.99') - first.yuan} yuan"
    )
    assert first.household.archive_number not in unpaid
    for line in lines[1:]:
        assert line.household.archive_number in unpaid
