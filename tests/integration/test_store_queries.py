"""The catalogue page does not grow a query per product."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ProductFactory, make_lot

pytestmark = pytest.mark.django_db


def catalogue_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/catalogue/").status_code == 200
    return len(captured)


def test_catalogue_page_queries_do_not_grow_with_products(client, cooperative):
    for _ in range(2):
        make_lot(cooperative=cooperative, product=ProductFactory(), kg="20")
    few = catalogue_queries(client)
    for _ in range(10):
        make_lot(cooperative=cooperative, product=ProductFactory(), kg="20")
    assert catalogue_queries(client) == few
