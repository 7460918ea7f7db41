"""The store: produce facts, certificates, stock from lots, and zh-hans by default."""

import datetime
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from shop.apps.partner.strategy import Selector
from tests.factories import ProductFactory, make_lot

pytestmark = pytest.mark.django_db


def test_product_page_shows_produce_facts_and_price(client, cooperative):
    product = ProductFactory(
        title="清远鸡 (整只)", unit_of_sale="整只约1.5 kg", net_weight_kg=Decimal("1.5")
    )
    make_lot(cooperative=cooperative, product=product, kg="30", unit_price="128.00")

    page = client.get(product.get_absolute_url())

    assert page.status_code == 200
    html = page.content.decode()
    assert "¥128.00" in html
    assert "整只约1.5 kg" in html
    assert product.certificate_number in html
    assert "Certified poverty-area produce" in html
    assert "In stock (20 available)" in html


def test_expired_certificate_is_not_sold_and_says_so(client, cooperative):
    product = ProductFactory(
        certificate_valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    make_lot(cooperative=cooperative, product=product, kg="50")

    info = Selector().strategy().fetch_for_product(product)
    assert info.availability.is_available_to_buy is False
    assert info.availability.message == (
        "Certificate expired: not sold as poverty-area produce"
    )
    page = client.get(product.get_absolute_url())
    assert (
        "Certificate expired: not sold as poverty-area produce" in page.content.decode()
    )
    assert 'name="quantity"' not in page.content.decode()


def test_uncertified_product_is_not_sold(cooperative):
    product = ProductFactory(certificate_number="", certificate_valid_until=None)
    make_lot(cooperative=cooperative, product=product, kg="50")
    info = Selector().strategy().fetch_for_product(product)
    assert info.availability.message == "Not certified as poverty-area produce"


def test_strategy_sells_from_the_cooperative_with_most_stock(
    cooperative, other_cooperative
):
    product = ProductFactory()
    make_lot(cooperative=cooperative, product=product, kg="10", unit_price="90")
    make_lot(cooperative=other_cooperative, product=product, kg="40", unit_price="95")
    info = Selector().strategy().fetch_for_product(product)
    assert info.stockrecord.partner_id == other_cooperative.pk
    assert info.availability.num_available == 8


@override_settings(LANGUAGE_CODE="zh-hans")
def test_store_speaks_chinese_by_default(client, cooperative):
    product = ProductFactory()
    make_lot(cooperative=cooperative, product=product, kg="10")
    page = client.get(product.get_absolute_url())
    html = page.content.decode()
    assert '<html lang="zh-hans"' in html
    assert "已认定扶贫产品" in html
    assert "农产品信息" in html


def test_english_on_request(client, cooperative):
    product = ProductFactory()
    page = client.get(product.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert "Produce facts" in page.content.decode()
