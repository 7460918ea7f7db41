"""The canteen buyer's pages in the store: quick order, upload, orders, receipt."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from canteens.models import Role
from canteens.services import add_member
from fulfilment import cooperative_side, delivery
from fulfilment.models import (
    Allocation,
    BulkOrder,
    OrderStatus,
    ReceiptLine,
)
from fulfilment.placing import OrderInput, place_bulk_order
from fulfilment.validation import LineInput
from suppliers.models import StockLot
from tests.factories import ProductFactory, UserFactory, make_canteen, make_lot

pytestmark = pytest.mark.django_db

D = Decimal
QUICK = "/canteen/order/"
UPLOAD = "/canteen/order/upload/"
ORDERS = "/canteen/orders/"


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def buyer(db):
    return UserFactory(username="buyer")


@pytest.fixture
def approver(db):
    return UserFactory(username="approver")


@pytest.fixture
def canteen(buyer, approver):
    return make_canteen(name="天河区机关食堂", buyers=[buyer], approvers=[approver])


@pytest.fixture
def chicken(cooperative):
    product = ProductFactory(
        title="清远鸡", upc="QY-CHICKEN", unit_of_sale="5 kg 箱", net_weight_kg=D("5")
    )
    make_lot(cooperative=cooperative, product=product, kg="100", unit_price="120.00")
    return product


@pytest.fixture
def greens(cooperative):
    product = ProductFactory(
        title="连州菜心",
        upc="QY-GREENS",
        unit_of_sale="10 kg 袋",
        net_weight_kg=D("10"),
    )
    make_lot(cooperative=cooperative, product=product, kg="50", unit_price="60.00")
    return product


def grid(rows, *, token, delivery_date=None, extra=None, **fields) -> dict:
    """The quick-order form as the browser posts it: ``rows`` are (sku, units)."""
    data = {
        "delivery_date": (delivery_date or in_days(2)).isoformat(),
        "token": token,
        "note": "",
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "500",
        **fields,
    }
    for index, (sku, units) in enumerate(rows):
        data[f"lines-{index}-sku"] = sku
        data[f"lines-{index}-units"] = "" if units is None else str(units)
    return data


TOKEN = "8c5bd0a2-41a7-4c0e-9d37-0d7b8f0e6a11"


def place(buyer, canteen, lines, *, days=2, **kwargs) -> BulkOrder:
    data = OrderInput(
        organisation_id=canteen.pk,
        delivery_date=in_days(days),
        lines=tuple(LineInput(product.upc, units) for product, units in lines),
    )
    return place_bulk_order(user=buyer, data=data, **kwargs).bulk_order


def deliver(bulk_order, *, shipped=None) -> None:
    """Through the services: every allocation accepted, shipped, then delivered."""
    for allocation in Allocation.objects.filter(line__bulk_order=bulk_order):
        cooperative_side.accept_allocation(allocation_id=allocation.pk)
        cooperative_side.ship_allocation(
            allocation_id=allocation.pk,
            kg=(shipped or {}).get(allocation.pk, allocation.kg),
        )
    delivery.mark_delivered(order_id=bulk_order.pk)


def order_url(bulk_order, suffix="") -> str:
    return f"{ORDERS}{bulk_order.order.number}/{suffix}"


# --- quick order --------------------------------------------------------------------


def test_quick_order_page_has_a_grid_a_picker_and_a_one_time_token(
    client, buyer, canteen, chicken
):
    client.force_login(buyer)

    page = client.get(QUICK)

    assert page.status_code == 200
    assert page.templates[0].name == "fulfilment/quick_order.html"
    assert "oscar/layout.html" in [t.name for t in page.templates]
    html = page.content.decode()
    assert '<option value="QY-CHICKEN">清远鸡 · 5 kg 箱</option>' in html
    assert html.count('class="order-line') == 6  # five rows and the row template
    assert 'name="organisation"' not in html  # one canteen: nothing to choose
    token = page.context["form"].initial["token"]
    assert f'name="token" value="{token}"' in html
    assert page.context["form"].initial["delivery_date"] == in_days(1)
    assert "fulfilment/quick-order.js" in html
    assert client.get(QUICK).context["form"].initial["token"] != token


def test_a_buyer_of_two_canteens_chooses_the_canteen(client, buyer, canteen, chicken):
    second = make_canteen(name="越秀区医院食堂", buyers=[buyer])
    client.force_login(buyer)

    html = client.get(QUICK).content.decode()
    assert 'name="organisation"' in html
    assert "越秀区医院食堂" in html

    response = client.post(
        QUICK, grid([("QY-CHICKEN", 2)], token=TOKEN, organisation=str(second.pk))
    )

    assert response.status_code == 302
    assert BulkOrder.objects.get().organisation == second


def test_quick_order_places_the_order_and_shows_it(client, buyer, canteen, chicken):
    client.force_login(buyer)

    response = client.post(
        QUICK, grid([("QY-CHICKEN", 4), ("", None), ("", None)], token=TOKEN)
    )

    bulk_order = BulkOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == order_url(bulk_order)
    assert bulk_order.organisation == canteen
    assert bulk_order.delivery_date == in_days(2)
    assert [(line.product, line.units) for line in bulk_order.bulk_lines.all()] == [
        (chicken, 4)
    ]
    assert bulk_order.order.status == OrderStatus.ROUTED
    page = client.get(response["Location"])
    assert f"Order {bulk_order.order.number} placed: Routed." in page.content.decode()


def test_posting_the_same_form_twice_places_one_order(client, buyer, canteen, chicken):
    client.force_login(buyer)
    data = grid([("QY-CHICKEN", 4)], token=TOKEN)

    first = client.post(QUICK, data)
    second = client.post(QUICK, data, follow=True)

    assert BulkOrder.objects.count() == 1
    assert second.redirect_chain == [(first["Location"], 302)]
    assert "This order had already been placed." in second.content.decode()
    assert StockLot.objects.get(product=chicken).reserved_kg == D("20")


def test_a_used_page_edited_and_sent_again_asks_before_a_second_order(
    client, buyer, canteen, chicken
):
    client.force_login(buyer)
    client.post(QUICK, grid([("QY-CHICKEN", 4)], token=TOKEN))

    page = client.post(QUICK, grid([("QY-CHICKEN", 5)], token=TOKEN))

    assert page.status_code == 200
    assert page.context["form"].non_field_errors() == [
        "This page has already placed an order (see My orders). "
        "To place another order with these lines, submit it again."
    ]
    assert BulkOrder.objects.count() == 1
    renewed = page.context["form"]["token"].value()
    assert renewed != TOKEN
    again = grid([("QY-CHICKEN", 5)], token=renewed)
    client.post(QUICK, again)
    client.post(QUICK, again)
    assert BulkOrder.objects.count() == 2


def test_a_new_page_places_a_new_order(client, buyer, canteen, chicken):
    client.force_login(buyer)
    client.post(QUICK, grid([("QY-CHICKEN", 1)], token=TOKEN))
    client.post(
        QUICK, grid([("QY-CHICKEN", 1)], token="1d6f3c0e-0a52-4a52-8b55-6f7d1c2e3b44")
    )
    assert BulkOrder.objects.count() == 2


def test_errors_are_shown_on_their_rows_and_on_the_date(
    client, buyer, canteen, chicken
):
    client.force_login(buyer)
    rows = [
        ("QY-CHICKEN", 2),
        ("", None),
        ("NO-SUCH-SKU", 1),
        ("QY-CHICKEN", 3),
        ("", 5),
        ("QY-GREENS-X", None),
        ("QY-CHICKEN-2", "many"),
    ]

    page = client.post(QUICK, grid(rows, token=TOKEN))

    assert page.status_code == 200
    forms = page.context["formset"].forms
    assert forms[3].errors == {"sku": ["QY-CHICKEN is already ordered in row 1."]}
    assert forms[4].errors == {"sku": ["Choose a product."]}
    assert forms[5].errors == {"units": ["Enter the quantity."]}
    assert forms[6].errors == {"units": ["Enter a whole number."]}
    assert BulkOrder.objects.count() == 0

    # Rows the form accepts go to the service, whose errors come back per row.
    page = client.post(
        QUICK,
        grid(
            [("QY-CHICKEN", 2), ("", None), ("NO-SUCH-SKU", 1), ("QY-CHICKEN-2", 0)],
            token=TOKEN,
            delivery_date=timezone.localdate(),
        ),
    )

    assert page.status_code == 200
    forms = page.context["formset"].forms
    assert forms[0].errors == {}
    assert forms[2].errors == {"sku": ["Unknown SKU NO-SUCH-SKU."]}
    assert forms[3].errors == {
        "sku": ["Unknown SKU QY-CHICKEN-2."],
        "units": ["Order at least one unit of sale."],
    }
    form = page.context["form"]
    earliest = in_days(1).isoformat()
    assert form.errors == {
        "delivery_date": [
            f"Deliveries need 1 days' notice: the earliest date is {earliest}."
        ]
    }
    assert forms[2].errors == {"sku": ["Unknown SKU NO-SUCH-SKU."]}
    html = page.content.decode()
    assert "Unknown SKU NO-SUCH-SKU." in html
    assert f"the earliest date is {earliest}" in html
    assert BulkOrder.objects.count() == 0
    assert StockLot.objects.get(product=chicken).reserved_kg == 0


def test_an_empty_grid_asks_for_a_product(client, buyer, canteen):
    client.force_login(buyer)
    page = client.post(QUICK, grid([("", None)] * 3, token=TOKEN))
    assert page.context["form"].non_field_errors() == ["Order at least one product."]
    assert BulkOrder.objects.count() == 0


def test_all_or_nothing_refused_marks_the_short_rows(
    client, buyer, canteen, chicken, greens
):
    client.force_login(buyer)
    page = client.post(
        QUICK,
        grid([("QY-CHICKEN", 2), ("QY-GREENS", 9)], token=TOKEN, all_or_nothing="on"),
    )
    assert page.status_code == 200
    assert page.context["form"].non_field_errors() == [
        "Not enough fresh stock for every line; nothing was ordered."
    ]
    forms = page.context["formset"].forms
    assert forms[0].errors == {}
    assert forms[1].errors == {"units": ["Not enough fresh stock: 40.000 kg short."]}
    assert BulkOrder.objects.count() == 0
    assert StockLot.objects.get(product=greens).reserved_kg == 0


def test_availability_answers_units_title_and_price_for_the_date(
    client, buyer, canteen, chicken, cooperative
):
    make_lot(
        cooperative=cooperative,
        product=chicken,
        kg="30",
        best_before=in_days(3),
        unit_price="120.00",
    )
    client.force_login(buyer)

    soon = client.get(
        "/canteen/availability/",
        {"delivery_date": in_days(2).isoformat(), "sku": ["QY-CHICKEN", "NOPE"]},
    )
    later = client.get(
        "/canteen/availability/",
        {"delivery_date": in_days(5).isoformat(), "sku": "QY-CHICKEN"},
    )

    assert soon.status_code == 200
    body = json.loads(soon.content)
    assert body["delivery_date"] == in_days(2).isoformat()
    assert body["products"]["QY-CHICKEN"] == {
        "known": True,
        "orderable": True,
        "title": "清远鸡",
        "unit_of_sale": "5 kg 箱",
        "net_weight_kg": "5.000",
        "price": "120.00",
        "price_display": "¥120.00",
        "units_available": 26,
        "message": "26 units available",
    }
    assert body["products"]["NOPE"] == {
        "known": False,
        "orderable": False,
        "message": "Unknown SKU NOPE.",
    }
    assert json.loads(later.content)["products"]["QY-CHICKEN"]["units_available"] == 20


def test_availability_offers_no_units_of_a_product_certified_only_before_the_date(
    client, buyer, canteen, chicken, greens
):
    # Certified until the day before delivery: placing the order refuses it.
    greens.certificate_valid_until = in_days(1)
    greens.save()
    client.force_login(buyer)

    answer = client.get(
        "/canteen/availability/",
        {"delivery_date": in_days(2).isoformat(), "sku": ["QY-GREENS", "QY-CHICKEN"]},
    )

    assert answer.status_code == 200
    products = json.loads(answer.content)["products"]
    assert {
        sku: (row["orderable"], row["units_available"], row["message"])
        for sku, row in products.items()
    } == {
        "QY-GREENS": (
            False,
            0,
            "Certificate expired: not sold as poverty-area produce",
        ),
        "QY-CHICKEN": (True, 20, "20 units available"),
    }


def test_availability_refuses_a_bad_date_and_non_buyers(
    client, buyer, approver, canteen
):
    client.force_login(buyer)
    bad = client.get("/canteen/availability/", {"delivery_date": "tomorrow"})
    assert bad.status_code == 400
    assert json.loads(bad.content) == {
        "errors": {"delivery_date": ["Enter a date as YYYY-MM-DD."]}
    }
    client.force_login(approver)
    refused = client.get(
        "/canteen/availability/", {"delivery_date": in_days(2).isoformat()}
    )
    assert refused.status_code == 403


@override_settings(LANGUAGE_CODE="zh-hans")
def test_the_pages_render_in_chinese_by_default(client, buyer, canteen, chicken):
    bulk_order = place(buyer, canteen, [(chicken, 1)])
    client.force_login(buyer)
    for url in (QUICK, UPLOAD, ORDERS, order_url(bulk_order)):
        page = client.get(url)
        assert page.status_code == 200
        assert '<html lang="zh-hans"' in page.content.decode()


# --- upload -------------------------------------------------------------------------


def upload(client, content: bytes, *, name="order.csv", token=TOKEN, **fields):
    return client.post(
        UPLOAD,
        {
            "delivery_date": in_days(2).isoformat(),
            "token": token,
            "file": SimpleUploadedFile(name, content),
            **fields,
        },
    )


def test_upload_places_the_order(client, buyer, canteen, chicken, greens):
    client.force_login(buyer)

    response = upload(client, b"sku,quantity\nQY-CHICKEN,3\nQY-GREENS,2\n")

    bulk_order = BulkOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == order_url(bulk_order)
    assert [(line.product.upc, line.units) for line in bulk_order.bulk_lines.all()] == [
        ("QY-CHICKEN", 3),
        ("QY-GREENS", 2),
    ]


def test_upload_twice_places_one_order(client, buyer, canteen, chicken):
    client.force_login(buyer)
    upload(client, b"sku,quantity\nQY-CHICKEN,3\n")
    upload(client, b"sku,quantity\nQY-CHICKEN,3\n")
    assert BulkOrder.objects.count() == 1


def test_upload_shows_bad_rows_with_their_line_numbers(client, buyer, canteen, chicken):
    client.force_login(buyer)

    page = upload(client, b"sku,quantity\nQY-CHICKEN,3\n,2\nQY-GREENS,1.5\n")

    assert page.status_code == 200
    assert [(e.line, e.field, e.message) for e in page.context["upload_errors"]] == [
        (3, "sku", "Give the product's SKU."),
        (4, "quantity", "Give the quantity as a whole number."),
    ]
    html = page.content.decode()
    assert "Nothing was ordered." in html
    assert "The file has 2 errors" in html
    assert BulkOrder.objects.count() == 0


def test_upload_maps_the_services_errors_back_to_file_lines(
    client, buyer, canteen, chicken
):
    client.force_login(buyer)
    content = "\n".join(
        ["sku,quantity", "QY-CHICKEN,3", "", "QY-UNKNOWN,2", "QY-CHICKEN-X,0"]
    ).encode()

    page = upload(client, content, delivery_date=timezone.localdate().isoformat())

    assert [(e.line, e.field, e.message) for e in page.context["upload_errors"]] == [
        (4, "sku", "Unknown SKU QY-UNKNOWN."),
        (5, "sku", "Unknown SKU QY-CHICKEN-X."),
        (5, "quantity", "Order at least one unit of sale."),
    ]
    assert "delivery_date" in page.context["form"].errors
    assert BulkOrder.objects.count() == 0
    assert StockLot.objects.get(product=chicken).reserved_kg == 0


def test_upload_refuses_a_file_over_2_mb(client, buyer, canteen):
    client.force_login(buyer)
    page = upload(client, b"sku,quantity\n" + b"x" * (2 * 1024 * 1024))
    assert page.context["form"].errors == {"file": ["The file is larger than 2 MB."]}


def test_upload_template_is_a_csv_with_the_columns(client, buyer, canteen):
    client.force_login(buyer)
    page = client.get(UPLOAD)
    assert 'href="/canteen/order/upload/template.csv"' in page.content.decode()
    template = client.get("/canteen/order/upload/template.csv")
    assert template["Content-Type"] == "text/csv; charset=utf-8"
    assert template.content.decode("utf-8-sig").splitlines()[0] == "sku,quantity"


# --- who may see what --------------------------------------------------------------


def test_anonymous_users_are_sent_to_log_in(client):
    for url in (QUICK, UPLOAD, ORDERS, "/canteen/availability/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_users_of_no_canteen_are_refused(client, shopper):
    client.force_login(shopper)
    for url in (QUICK, UPLOAD, ORDERS, "/canteen/availability/"):
        assert client.get(url).status_code == 403


def test_approvers_see_orders_but_cannot_order(client, approver, canteen):
    client.force_login(approver)
    assert client.get(QUICK).status_code == 403
    assert client.get(UPLOAD).status_code == 403
    page = client.get(ORDERS)
    assert page.status_code == 200
    assert "New order" not in page.content.decode()


def test_another_canteens_order_is_not_found(client, buyer, canteen, chicken):
    rival_buyer = UserFactory()
    rival = make_canteen(buyers=[rival_buyer])
    theirs = place(rival_buyer, rival, [(chicken, 1)])
    mine = place(buyer, canteen, [(chicken, 1)])
    client.force_login(buyer)

    listing = client.get(ORDERS).content.decode()

    assert mine.order.number in listing
    assert theirs.order.number not in listing
    assert client.get(order_url(theirs)).status_code == 404
    assert client.get(order_url(theirs, "receipt/")).status_code == 404
    for action in ("cancel/", "approve/", "decline/", "confirm/"):
        assert client.post(order_url(theirs, action)).status_code == 404
    theirs.order.refresh_from_db()
    assert theirs.order.status == OrderStatus.ROUTED


def test_order_list_lists_the_canteens_orders_newest_first(
    client, buyer, canteen, chicken
):
    first = place(buyer, canteen, [(chicken, 1)])
    second = place(buyer, canteen, [(chicken, 1)], days=3)
    client.force_login(buyer)

    page = client.get(ORDERS)

    assert list(page.context["bulk_orders"]) == [second, first]
    html = page.content.decode()
    assert "Routed" in html
    assert "¥120.00" in html


def test_the_store_navigation_links_to_quick_order_for_buyers(
    client, buyer, approver, canteen, shopper
):
    client.force_login(buyer)
    html = client.get("/catalogue/").content.decode()
    assert 'href="/canteen/order/"' in html
    assert 'href="/canteen/orders/"' in html
    client.force_login(approver)
    html = client.get("/catalogue/").content.decode()
    assert 'href="/canteen/order/"' not in html
    assert 'href="/canteen/orders/"' in html
    client.force_login(shopper)
    assert "/canteen/" not in client.get("/catalogue/").content.decode()


# --- the order page ----------------------------------------------------------------


def test_order_page_shows_allocations_per_cooperative_and_the_shortfall(
    client, buyer, canteen, chicken, cooperative, other_cooperative
):
    make_lot(cooperative=other_cooperative, product=chicken, kg="15")
    bulk_order = place(buyer, canteen, [(chicken, 25)])  # 20 + 3 units in stock
    client.force_login(buyer)

    page = client.get(order_url(bulk_order))

    assert page.status_code == 200
    (row,) = page.context["rows"]
    assert [(s.name, s.kg, s.status) for s in row.shares] == [
        ("英德市万仔蚕桑专业合作社", D("100.000"), "Awaiting the cooperative"),
        ("连州菜心合作社", D("15.000"), "Awaiting the cooperative"),
    ]
    assert (row.allocated_kg, row.line.short_kg) == (D("115.000"), D("10.000"))
    html = page.content.decode()
    assert "Routed with shortfall" in html
    assert "连州菜心合作社: <strong>15</strong>" in html
    assert "table-warning short" in html
    assert "10 short" in html
    assert page.context["actions"].cancel is True
    assert page.context["actions"].approve is False
    assert 'id="cancel_order"' in html
    assert 'id="approve_order"' not in html


def test_buyer_cancels_and_the_reservation_is_released(client, buyer, canteen, chicken):
    bulk_order = place(buyer, canteen, [(chicken, 4)])
    client.force_login(buyer)

    response = client.post(order_url(bulk_order, "cancel/"), {"reason": "menu changed"})

    assert response.status_code == 302
    bulk_order.order.refresh_from_db()
    assert bulk_order.order.status == OrderStatus.CANCELLED
    assert StockLot.objects.get(product=chicken).reserved_kg == 0
    page = client.get(order_url(bulk_order))
    assert "The order was cancelled." in page.content.decode()
    assert page.context["actions"].cancel is False


def test_approver_approves_an_order_awaiting_approval(
    client, buyer, approver, canteen, chicken
):
    canteen.approval_threshold = D("100")
    canteen.save()
    bulk_order = place(buyer, canteen, [(chicken, 2)])
    assert bulk_order.order.status == OrderStatus.AWAITING_APPROVAL
    client.force_login(buyer)
    page = client.get(order_url(bulk_order))
    assert 'id="approve_order"' not in page.content.decode()
    assert client.post(order_url(bulk_order, "approve/")).status_code == 403

    client.force_login(approver)
    html = client.get(order_url(bulk_order)).content.decode()
    assert 'id="approve_order"' in html
    assert 'id="decline_order"' in html
    assert 'id="cancel_order"' not in html
    client.post(order_url(bulk_order, "approve/"))

    bulk_order.refresh_from_db()
    bulk_order.order.refresh_from_db()
    assert bulk_order.order.status == OrderStatus.ROUTED
    assert bulk_order.approved_by == approver


def test_approver_declines_an_order(client, buyer, approver, canteen, chicken):
    canteen.approval_threshold = D("100")
    canteen.save()
    bulk_order = place(buyer, canteen, [(chicken, 2)])
    client.force_login(approver)

    client.post(order_url(bulk_order, "decline/"), {"reason": "over budget"})

    bulk_order.order.refresh_from_db()
    assert bulk_order.order.status == OrderStatus.CANCELLED


def test_buyer_confirms_a_draft(client, buyer, canteen, chicken):
    bulk_order = place(buyer, canteen, [(chicken, 2)], as_draft=True)
    client.force_login(buyer)
    assert 'id="confirm_order"' in client.get(order_url(bulk_order)).content.decode()

    client.post(order_url(bulk_order, "confirm/"))

    bulk_order.order.refresh_from_db()
    assert bulk_order.order.status == OrderStatus.ROUTED


def test_a_refused_action_says_why(client, buyer, canteen, chicken):
    bulk_order = place(buyer, canteen, [(chicken, 2)])
    client.force_login(buyer)
    page = client.post(order_url(bulk_order, "confirm/"), follow=True)
    assert "Only a draft can be confirmed." in page.content.decode()


def test_actions_answer_only_post(client, buyer, canteen, chicken):
    bulk_order = place(buyer, canteen, [(chicken, 2)])
    client.force_login(buyer)
    assert client.get(order_url(bulk_order, "cancel/")).status_code == 405


# --- receipt --------------------------------------------------------------------------


def test_receipt_page_prefills_the_shipped_kg(client, buyer, canteen, chicken):
    bulk_order = place(buyer, canteen, [(chicken, 4)])
    allocation = Allocation.objects.get(line__bulk_order=bulk_order)
    deliver(bulk_order, shipped={allocation.pk: D("19.5")})
    client.force_login(buyer)

    assert 'id="receive_order"' in client.get(order_url(bulk_order)).content.decode()
    page = client.get(order_url(bulk_order, "receipt/"))

    assert page.status_code == 200
    (form,) = page.context["formset"].forms
    assert form.initial == {"received_kg": D("19.500")}
    assert 'value="19.500"' in page.content.decode()


def test_receipt_with_a_short_weight_is_flagged_on_the_order_page(
    client, buyer, canteen, chicken
):
    bulk_order = place(buyer, canteen, [(chicken, 4)])
    deliver(bulk_order)
    client.force_login(buyer)

    response = client.post(
        order_url(bulk_order, "receipt/"),
        {
            "receipt-TOTAL_FORMS": "1",
            "receipt-INITIAL_FORMS": "1",
            "receipt-MIN_NUM_FORMS": "1",
            "receipt-MAX_NUM_FORMS": "1",
            "receipt-0-received_kg": "18.2",
            "receipt-0-note": "one crate light",
            "note": "arrived 7:10",
        },
    )

    assert response.status_code == 302
    receipt_line = ReceiptLine.objects.get()
    assert (receipt_line.shipped_kg, receipt_line.received_kg) == (D("20"), D("18.2"))
    assert receipt_line.flagged is True
    assert receipt_line.note == "one crate light"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Receipt confirmed." in html
    assert "Outside tolerance" in html
    assert "1 line was received outside the weight tolerance" in html
    assert "table-danger flagged" in html
    assert page.context["bulk_order"].order.status == OrderStatus.RECEIVED
    assert client.get(order_url(bulk_order, "receipt/")).status_code == 302


def test_receipt_errors_are_shown_on_the_line(client, buyer, canteen, chicken):
    bulk_order = place(buyer, canteen, [(chicken, 4)])
    deliver(bulk_order)
    client.force_login(buyer)
    form = {
        "receipt-TOTAL_FORMS": "1",
        "receipt-INITIAL_FORMS": "1",
        "receipt-MIN_NUM_FORMS": "1",
        "receipt-MAX_NUM_FORMS": "1",
        "receipt-0-note": "",
        "note": "",
    }

    far = client.post(
        order_url(bulk_order, "receipt/"), {**form, "receipt-0-received_kg": "30"}
    )
    blank = client.post(
        order_url(bulk_order, "receipt/"), {**form, "receipt-0-received_kg": ""}
    )

    assert far.context["formset"].forms[0].errors == {
        "received_kg": ["30.000 kg is far more than the 20.000 kg shipped."]
    }
    assert blank.context["formset"].forms[0].errors == {
        "received_kg": ["This field is required."]
    }
    assert ReceiptLine.objects.count() == 0
    bulk_order.order.refresh_from_db()
    assert bulk_order.order.status == OrderStatus.DELIVERED


def test_receipt_before_delivery_goes_back_to_the_order(
    client, buyer, canteen, chicken
):
    bulk_order = place(buyer, canteen, [(chicken, 4)])
    client.force_login(buyer)
    response = client.get(order_url(bulk_order, "receipt/"), follow=True)
    assert response.redirect_chain == [(order_url(bulk_order), 302)]
    assert "Only a delivered order can be received (this one is Routed)." in (
        response.content.decode()
    )


def test_only_buyers_confirm_receipts(client, buyer, approver, canteen, chicken):
    bulk_order = place(buyer, canteen, [(chicken, 4)])
    deliver(bulk_order)
    client.force_login(approver)
    assert client.get(order_url(bulk_order, "receipt/")).status_code == 403
    assert client.post(order_url(bulk_order, "receipt/"), {}).status_code == 403


def test_a_user_who_is_buyer_and_approver_has_both_buttons(
    client, buyer, canteen, chicken
):
    add_member(organisation=canteen, user=buyer, role=Role.APPROVER)
    canteen.approval_threshold = D("100")
    canteen.save()
    bulk_order = place(buyer, canteen, [(chicken, 2)])
    client.force_login(buyer)
    actions = client.get(order_url(bulk_order)).context["actions"]
    assert (actions.cancel, actions.approve, actions.confirm, actions.receive) == (
        True,
        True,
        False,
        False,
    )
    assert Allocation.objects.count() == 0  # routed only once approved


# --- queries -------------------------------------------------------------------------


def queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def stocked_products(cooperative, count):
    products = [ProductFactory() for _ in range(count)]
    for product in products:
        make_lot(cooperative=cooperative, product=product, kg="50")
    return products


def test_order_page_queries_do_not_grow_with_lines(
    client, buyer, canteen, cooperative, other_cooperative
):
    few = stocked_products(cooperative, 2)
    many = few + stocked_products(other_cooperative, 6)
    small = place(buyer, canteen, [(p, 1) for p in few])
    large = place(buyer, canteen, [(p, 1) for p in many], days=3)
    client.force_login(buyer)
    client.get(order_url(small))  # warm the per-process caches (site, ...)

    assert queries(client, order_url(large)) == queries(client, order_url(small))


def test_availability_queries_do_not_grow_with_skus(
    client, buyer, canteen, cooperative
):
    products = stocked_products(cooperative, 8)
    client.force_login(buyer)
    day = in_days(2).isoformat()
    url = "/canteen/availability/"
    client.get(url, {"delivery_date": day, "sku": products[0].upc})

    two = queries(
        client, url, {"delivery_date": day, "sku": [p.upc for p in products[:2]]}
    )
    eight = queries(
        client, url, {"delivery_date": day, "sku": [p.upc for p in products]}
    )

    assert eight == two
