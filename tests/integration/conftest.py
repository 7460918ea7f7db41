"""Fixtures shared by the integration tests of sales: a counter, a product, and
three months of sales for the reports."""

import pytest

from channels.services import open_channel
from tests.factories import ProductFactory
from tests.integration.bulk import D
from tests.integration.report_sales import sales  # noqa: F401 (a fixture)
from tests.integration.sales import days_ago


@pytest.fixture
def counter(db):
    """A Grandbuy counter open for the last 400 days."""
    return open_channel(
        code="grandbuy-beijing-rd",
        name="广百百货北京路店扶贫专柜",
        kind="counter",
        operator="广百百货",
        district="越秀区",
        opened_on=days_ago(400),
    )


@pytest.fixture
def rice(db):
    return ProductFactory(
        title="连州有机大米 5 kg", upc="LZ-RICE-5", net_weight_kg=D("5")
    )
