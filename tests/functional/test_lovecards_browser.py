"""Love cards in a real browser: the card holder's balance page (a good number
and PIN show the balance, a wrong PIN the error, counted on the card) and the
staff's batch and card pages.

Debian's headless Chromium through Playwright, against pytest-django's live
server; the cards are issued through the service beforehand.
"""

import pytest

from lovecards.models import LoveCard
from tests.caches import clear_cache
from tests.factories import PASSWORD
from tests.integration.lovecard_helpers import issue

pytestmark = [pytest.mark.browser]

UNION = "天河区机关事务管理局工会"


@pytest.fixture(autouse=True)
def _empty_cache():
    """The wrong-PIN counter per client address lives in the cache."""
    clear_cache()


def check_balance(page, number: str, pin: str) -> None:
    page.goto("/lovecard/balance/")
    page.fill("#id_number", number)
    page.fill("#id_pin", pin)
    page.click("#love-card-balance-form button[type=submit]")
    page.wait_for_selector("#love-card-balance, #love-card-error")


def test_the_balance_page_shows_a_good_card_and_refuses_a_wrong_pin(page, staff):
    _batch, [(number, pin)] = issue(staff, count=1, face_value="200.00")
    card = LoveCard.objects.get(number=number)

    check_balance(page, card.grouped_number, pin)

    shown = page.inner_text("#love-card-balance")
    assert card.masked_number in shown
    assert "200.00" in shown
    assert page.locator("#love-card-error").count() == 0

    check_balance(page, number, "000000" if pin != "000000" else "111111")

    assert page.inner_text("#love-card-error") == (
        "The card number or the PIN is wrong."
    )
    assert page.locator("#love-card-balance").count() == 0
    card.refresh_from_db()
    assert (card.failed_attempts, card.balance) == (1, 200)


def test_staff_open_the_batch_and_its_cards_in_the_dashboard(page, staff):
    batch, cards = issue(staff, count=2, face_value="500.00", name=UNION)
    page.goto("/accounts/login/")
    page.fill("#id_login-username", staff.email)
    page.fill("#id_login-password", PASSWORD)
    page.click("button[name=login_submit]")
    page.wait_for_url("**/")

    page.goto("/dashboard/lovecards/")
    row = page.locator("#batch_table tbody tr", has_text=UNION)
    assert row.locator("td").nth(1).inner_text() == "2"
    row.locator(f"a:text-is('{UNION}')").click()
    page.wait_for_url(f"**/dashboard/lovecards/batches/{batch.pk}/")

    numbers = page.locator("#card_table tbody tr td:first-child").all_inner_texts()
    assert numbers == [
        LoveCard.objects.get(number=n).grouped_number for n, _pin in sorted(cards)
    ]
    assert page.locator("#card_table tbody tr", has_text="Active").count() == 2
