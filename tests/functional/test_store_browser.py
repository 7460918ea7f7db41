"""The store, the supply dashboard and the API docs in a real browser."""

import pytest

from tests.factories import PASSWORD, ProductFactory, make_lot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login-username", user.email)
    page.fill("#id_login-password", PASSWORD)
    page.click("button[name=login_submit]")
    page.wait_for_url("**/")


def test_store_shows_the_produce_in_chinese(browser_page, cooperative):
    product = ProductFactory(title="英德红茶 250 g 罐装")
    make_lot(cooperative=cooperative, product=product, kg="50")
    page = browser_page("zh-CN")

    page.goto("/catalogue/")

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.get_by_text("英德红茶 250 g 罐装").first.wait_for()
    page.goto(product.get_absolute_url())
    page.get_by_text("已认定扶贫产品").first.wait_for()


def test_manager_sees_only_their_cooperatives_lots_in_the_dashboard(
    page, manager, cooperative, other_cooperative, product
):
    mine = make_lot(cooperative=cooperative, product=product, code="MINE-001")
    theirs = make_lot(cooperative=other_cooperative, product=product, code="THEIRS-1")
    log_in(page, manager)

    page.goto("/dashboard/supply/lots/")

    page.get_by_text(mine.code).first.wait_for()
    assert page.get_by_text(theirs.code).count() == 0
    page.goto(f"/dashboard/supply/lots/{theirs.pk}/")
    assert page.get_by_text(theirs.code).count() == 0


def test_api_docs_load_and_list_the_endpoints(page, staff):
    log_in(page, staff)

    page.goto("/api/docs/")

    # Swagger UI is served from our own static files and renders the schema.
    page.locator(
        ".opblock-summary-path", has_text="/api/v1/bulk-orders/"
    ).first.wait_for()
    page.locator(".opblock-summary-path", has_text="/api/v1/lots/").first.wait_for()
