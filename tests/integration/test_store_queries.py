"""The catalogue page lists the products without a query per product."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ProductFactory, make_lot

pytestmark = pytest.mark.django_db


def catalogue_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/catalogue/").status_code == 200
    return len(captured)


def listed(client) -> list[str]:
    page = client.get("/catalogue/")
    return [result.object.title for result in page.context["products"]]


def stocked_products(cooperative, titles) -> None:
    for title in titles:
        make_lot(cooperative=cooperative, product=ProductFactory(title=title), kg="20")


def test_catalogue_page_queries_do_not_grow_with_products(client, cooperative):
    few = [f"清远鸡 {n:02d}" for n in range(2)]
    many = [f"清远鸡 {n:02d}" for n in range(2, 12)]
    stocked_products(cooperative, few)
    assert listed(client) == few  # also warms the site and thumbnail caches
    queries = catalogue_queries(client)

    stocked_products(cooperative, many)

    assert catalogue_queries(client) == queries
    assert listed(client) == few + many
