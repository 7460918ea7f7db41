"""Browsing and searching the store run on the database (no search index): what is
listed, in which order, on which page, and at a query count that does not grow with
the catalogue."""

import itertools

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from oscar.core.loading import get_model

from tests.factories import ProductFactory, make_lot

pytestmark = pytest.mark.django_db

ProductCategory = get_model("catalogue", "ProductCategory")


def listed(page) -> list[str]:
    """Titles of the product cards, in order, as the template got them."""
    return [result.object.title for result in page.context["page"].object_list]


def get(client, url):
    page = client.get(url)
    assert page.status_code == 200
    return page


def make_parent(*, title, children, cooperative=None):
    parent = ProductFactory(title=title, structure="parent", upc=None)
    variants = [
        ProductFactory(
            title="",
            structure="child",
            parent=parent,
            product_class=None,
            upc=upc,
        )
        for upc in children
    ]
    if cooperative is not None:
        for variant in variants:
            make_lot(cooperative=cooperative, product=variant, kg="20")
    return parent


def in_category(product, category):
    ProductCategory.objects.create(product=product, category=category)
    return product


def test_catalogue_lists_public_standalone_and_parent_products_by_title(
    client, cooperative
):
    tea = ProductFactory(title="英德红茶 250 g 罐装")
    make_lot(cooperative=cooperative, product=tea, kg="50", unit_price="68.00")
    ProductFactory(title="连州菜心")
    make_parent(title="清远鸡", children=["QYJ-WHOLE", "QYJ-HALF"])
    ProductFactory(title="阳山淮山 (下架)", is_public=False)

    page = get(client, "/catalogue/")

    assert listed(page) == ["清远鸡", "英德红茶 250 g 罐装", "连州菜心"]
    html = page.content.decode()
    assert 'title="英德红茶 250 g 罐装"' in html
    assert "¥68.00" in html
    assert "阳山淮山" not in html
    assert page.context["paginator"].count == 3


@override_settings(OSCAR_PRODUCTS_PER_PAGE=2)
def test_catalogue_is_paginated_by_oscar_products_per_page(client):
    for title in ["E 蜂蜜", "A 红茶", "D 腊肉", "B 菜心", "C 淮山"]:
        ProductFactory(title=title)

    first = get(client, "/catalogue/")
    last = get(client, "/catalogue/?page=3")

    assert listed(first) == ["A 红茶", "B 菜心"]
    assert listed(get(client, "/catalogue/?page=2")) == ["C 淮山", "D 腊肉"]
    assert listed(last) == ["E 蜂蜜"]
    assert first.context["paginator"].num_pages == 3
    assert "?page=2" in first.content.decode()
    assert client.get("/catalogue/?page=4").url == "/catalogue/"


def test_catalogue_sorts_as_the_form_offers(client):
    for title in ["A 红茶", "C 淮山", "B 菜心"]:
        ProductFactory(title=title)

    page = get(client, "/catalogue/?sort_by=title-desc")

    assert listed(page) == ["C 淮山", "B 菜心", "A 红茶"]


def test_unknown_sort_lists_by_title(client):
    for title in ["B 菜心", "A 红茶"]:
        ProductFactory(title=title)

    page = get(client, "/catalogue/?sort_by=price-asc")

    assert listed(page) == ["A 红茶", "B 菜心"]


def test_category_page_lists_its_products_and_its_subcategories(client):
    tea = create_from_breadcrumbs("茶叶")
    black_tea = create_from_breadcrumbs("茶叶 > 红茶")
    vegetables = create_from_breadcrumbs("蔬菜")
    in_category(ProductFactory(title="英德红茶"), black_tea)
    in_category(ProductFactory(title="英德绿茶"), tea)
    in_category(ProductFactory(title="连州菜心"), vegetables)
    in_category(ProductFactory(title="下架茶", is_public=False), tea)

    assert listed(get(client, tea.get_absolute_url())) == ["英德红茶", "英德绿茶"]
    assert listed(get(client, black_tea.get_absolute_url())) == ["英德红茶"]
    assert listed(get(client, vegetables.get_absolute_url())) == ["连州菜心"]


def test_product_in_two_subcategories_is_listed_once(client):
    tea = create_from_breadcrumbs("茶叶")
    product = ProductFactory(title="英德茶礼盒")
    in_category(product, create_from_breadcrumbs("茶叶 > 红茶"))
    in_category(product, create_from_breadcrumbs("茶叶 > 绿茶"))

    page = get(client, tea.get_absolute_url())

    assert listed(page) == ["英德茶礼盒"]


def test_search_finds_a_chinese_word_in_the_title(client):
    ProductFactory(title="英德红茶 250 g 罐装")
    ProductFactory(title="连州菜心")
    ProductFactory(title="红茶 (下架)", is_public=False)

    page = get(client, "/search/?q=红茶")

    assert listed(page) == ["英德红茶 250 g 罐装"]
    assert page.context["query"] == "红茶"
    assert "英德红茶 250 g 罐装" in page.content.decode()


def test_search_finds_the_upc_whatever_its_case(client):
    ProductFactory(title="英德红茶", upc="YD-HC-250")
    ProductFactory(title="连州菜心", upc="LZ-CX-5")

    assert listed(get(client, "/search/?q=yd-hc")) == ["英德红茶"]


def test_search_needs_every_term_in_title_description_or_category(client):
    ProductFactory(title="英德红茶", description="<p>高山茶园，手工采摘</p>")
    in_category(ProductFactory(title="积庆里金萱"), create_from_breadcrumbs("红茶"))
    ProductFactory(title="英德绿茶")

    assert listed(get(client, "/search/?q=英德 手工")) == ["英德红茶"]
    assert listed(get(client, "/search/?q=红茶")) == ["积庆里金萱", "英德红茶"]
    # A full-width space (Chinese input methods) separates terms too.
    assert listed(get(client, "/search/?q=英德\u3000绿茶")) == ["英德绿茶"]
    assert listed(get(client, "/search/?q=英德 菜心")) == []


def test_search_finds_a_parent_by_its_variants_upc(client):
    make_parent(title="清远鸡", children=["QYJ-WHOLE", "QYJ-HALF"])
    ProductFactory(title="英德红茶", upc="YD-HC-250")

    assert listed(get(client, "/search/?q=qyj-half")) == ["清远鸡"]


def test_empty_search_lists_everything_browsable(client):
    ProductFactory(title="B 菜心")
    ProductFactory(title="A 红茶")
    ProductFactory(title="C (下架)", is_public=False)

    page = get(client, "/search/?q=")

    assert listed(page) == ["A 红茶", "B 菜心"]
    assert "Found <strong>2</strong> results." in page.content.decode()


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        get(client, url)
    return len(captured)


def stock_products(cooperative, count, *, category=None):
    """``count`` stocked products and a parent with two stocked variants, all
    with 红茶 in the title."""
    batch = next(_batches)
    products = [ProductFactory(title=f"红茶 {batch}-{n}") for n in range(count)]
    for product in products:
        make_lot(cooperative=cooperative, product=product, kg="20")
    products.append(
        make_parent(
            title=f"红茶礼盒 {batch}",
            children=[f"GIFT-{batch}-A", f"GIFT-{batch}-B"],
            cooperative=cooperative,
        )
    )
    if category is not None:
        for product in products:
            in_category(product, category)


_batches = itertools.count()


@pytest.mark.parametrize("url", ["/catalogue/", "/search/?q=红茶"])
def test_listing_queries_do_not_grow_with_products(client, cooperative, url):
    stock_products(cooperative, 2)
    get(client, url)  # warms the site and thumbnail caches
    few = queries(client, url)
    stock_products(cooperative, 10)

    assert queries(client, url) == few
    assert len(listed(get(client, url))) == 14


def test_category_page_queries_do_not_grow_with_products(client, cooperative):
    tea = create_from_breadcrumbs("茶叶")
    stock_products(cooperative, 2, category=tea)
    get(client, tea.get_absolute_url())
    few = queries(client, tea.get_absolute_url())
    stock_products(cooperative, 10, category=tea)

    assert queries(client, tea.get_absolute_url()) == few
    assert len(listed(get(client, tea.get_absolute_url()))) == 14
