"""Every upload path checks the file with shop.uploads: a file that is not what its
name says is refused, and so is one over the size limit, with nothing recorded; a
good file goes through. Paths: the canteen's order upload, counter sales (page and
API), the lot import (page and API), the dashboard's product and category images."""

import datetime
import io
import os
import uuid
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from oscar.core.loading import get_class, get_model
from PIL import Image

from fulfilment.models import BulkOrder
from ledger.models import CounterSaleBatch
from suppliers.models import StockLot
from tests.factories import ProductFactory, UserFactory, make_canteen, make_lot

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
NOT_XLSX = "This is not a readable .xlsx file."


def workbook(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def macro_enabled(content: bytes) -> bytes:
    """The workbook declared macro-enabled (an .xlsm), as renamed .xlsx."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"spreadsheetml.sheet.main+xml",
                    b"ms-excel.sheet.macroEnabled.main+xml",
                )
            target.writestr(info, data)
    return buffer.getvalue()


def png(size=(4, 3)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size).save(buffer, format="PNG")
    return buffer.getvalue()


def file(name, content) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def small_limit(settings):
    """A 1 MB ceiling for spreadsheets (every path's own limit is higher)."""
    settings.NONGJIA_MAX_SPREADSHEET_BYTES = MB


# Bad spreadsheets, each with the message it is refused with.
BAD = {
    "png-renamed-xlsx": lambda header: ("upload.xlsx", png(), NOT_XLSX),
    "macro-workbook-renamed-xlsx": lambda header: (
        "upload.xlsx",
        macro_enabled(workbook(header)),
        NOT_XLSX,
    ),
    "over-the-limit": lambda header: (
        "upload.csv",
        (",".join(header) + "\n").encode() + b"x," * (MB // 2 + 1),
        "The file is larger than 1 MB.",
    ),
}


def bad(kind, header) -> tuple[SimpleUploadedFile, str]:
    name, content, message = BAD[kind](header)
    return SimpleUploadedFile(name, content), message


# --- the canteen's order upload -------------------------------------------------------

ORDER_COLUMNS = ["sku", "quantity"]


@pytest.fixture
def buyer(cooperative):
    buyer = UserFactory(username="buyer")
    make_canteen(buyers=[buyer])
    chicken = ProductFactory(upc="QY-CHICKEN", net_weight_kg=Decimal("5"))
    make_lot(cooperative=cooperative, product=chicken, kg="100")
    return buyer


def order_upload(client, upload):
    delivery = timezone.localdate() + datetime.timedelta(days=2)
    return client.post(
        "/canteen/order/upload/",
        {
            "delivery_date": delivery.isoformat(),
            "token": str(uuid.uuid4()),
            "file": upload,
        },
    )


@pytest.mark.parametrize("kind", BAD)
def test_the_order_upload_refuses_bad_files(client, buyer, small_limit, kind):
    upload, message = bad(kind, ORDER_COLUMNS)
    client.force_login(buyer)

    response = order_upload(client, upload)

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": [message]}
    assert BulkOrder.objects.count() == 0


def test_the_order_upload_takes_a_workbook(client, buyer):
    client.force_login(buyer)

    response = order_upload(
        client,
        SimpleUploadedFile("order.xlsx", workbook(ORDER_COLUMNS, ["QY-CHICKEN", 3])),
    )

    assert response.status_code == 302
    assert [line.units for line in BulkOrder.objects.get().bulk_lines.all()] == [3]


# --- counter sales: the dashboard page and the API ----------------------------------

SALES_COLUMNS = ["date", "channel", "sku", "kg", "yuan"]


@pytest.fixture
def rice_lot(counter, rice, cooperative):
    return make_lot(
        cooperative=cooperative,
        product=rice,
        kg="50",
        harvest_date=timezone.localdate() - datetime.timedelta(days=3),
    )


def sales_workbook(kg) -> SimpleUploadedFile:
    content = workbook(
        SALES_COLUMNS,
        [timezone.localdate(), "grandbuy-beijing-rd", "LZ-RICE-5", kg, 6.2 * kg],
    )
    return SimpleUploadedFile("sales.xlsx", content)


def sales_page(client, upload):
    return client.post(
        reverse("dashboard:sales-upload"), {"reference": "GB-0701", "file": upload}
    )


def sales_api(api, upload):
    return api.post(
        "/api/v1/counter-sales/upload/",
        {"reference": "GB-0701", "file": upload},
        format="multipart",
    )


@pytest.mark.parametrize("kind", BAD)
def test_counter_sales_refuse_bad_files(
    client, api, staff, rice_lot, small_limit, kind
):
    client.force_login(staff)
    api.force_authenticate(staff)

    upload, message = bad(kind, SALES_COLUMNS)
    page = sales_page(client, upload)
    upload, message = bad(kind, SALES_COLUMNS)
    answer = sales_api(api, upload)

    assert page.status_code == 200
    assert page.context["form"].errors == {"file": [message]}
    assert answer.status_code == 400
    assert answer.json()["errors"] == [{"line": 0, "field": "file", "message": message}]
    assert CounterSaleBatch.objects.count() == 0


def test_counter_sales_take_a_workbook(client, api, staff, rice_lot):
    client.force_login(staff)
    api.force_authenticate(staff)

    page = sales_page(client, sales_workbook(2))
    answer = api.post(
        "/api/v1/counter-sales/upload/",
        {"reference": "GB-0702", "file": sales_workbook(3)},
        format="multipart",
    )

    assert page.status_code == 302
    assert answer.status_code == 201, answer.json()
    batches = CounterSaleBatch.objects.order_by("reference")
    assert [(b.reference, b.sales.count()) for b in batches] == [
        ("GB-0701", 1),
        ("GB-0702", 1),
    ]


# --- the lot import: the dashboard page and the API ----------------------------------

LOT_COLUMNS = [
    "lot_code",
    "sku",
    "harvest_date",
    "best_before",
    "lot_kg",
    "household_archive_number",
    "share_kg",
    "unit_price",
]


def lots_workbook(product, household, code) -> SimpleUploadedFile:
    today = timezone.localdate()
    row = [
        code,
        product.upc,
        today,
        today + datetime.timedelta(days=5),
        20,
        household.archive_number,
        20,
        "50.00",
    ]
    return SimpleUploadedFile("lots.xlsx", workbook(LOT_COLUMNS, row))


def import_page(client, cooperative, upload):
    return client.post(
        reverse("dashboard:supply-lot-import"),
        {"cooperative": cooperative.pk, "file": upload},
    )


def import_api(api, upload):
    return api.post("/api/v1/lots/import/", {"file": upload}, format="multipart")


@pytest.mark.parametrize("kind", BAD)
def test_the_lot_import_refuses_bad_files(
    client, api, manager, cooperative, small_limit, kind
):
    client.force_login(manager)
    api.force_authenticate(manager)

    upload, message = bad(kind, LOT_COLUMNS)
    page = import_page(client, cooperative, upload)
    upload, message = bad(kind, LOT_COLUMNS)
    answer = import_api(api, upload)

    assert page.status_code == 200
    assert page.context["form"].errors == {"file": [message]}
    assert answer.status_code == 400
    assert answer.json() == {
        "errors": [{"line": 0, "field": "file", "message": message}]
    }
    assert StockLot.objects.count() == 0


def test_the_lot_import_takes_a_workbook(
    client, api, manager, cooperative, product, household
):
    client.force_login(manager)
    api.force_authenticate(manager)

    page = import_page(client, cooperative, lots_workbook(product, household, "X-1"))
    answer = import_api(api, lots_workbook(product, household, "X-2"))

    assert page.status_code == 302
    assert answer.status_code == 201, answer.json()
    assert sorted(StockLot.objects.values_list("code", flat=True)) == ["X-1", "X-2"]


# --- the dashboard's images ---------------------------------------------------------


def noise_png(side: int) -> bytes:
    """A PNG that does not compress: 3 bytes a pixel."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(
        buffer, format="PNG"
    )
    return buffer.getvalue()


def bmp() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3)).save(buffer, format="BMP")
    return buffer.getvalue()


# Django's ImageField refuses what Pillow cannot open, and extensions Pillow does
# not know, with its own messages; the rest is shop.uploads'.
BAD_IMAGES = {
    "html-renamed-png": (
        "photo.png",
        lambda: b"<html><script>alert(1)</script></html>",
        "Upload a valid image. The file you uploaded was either not an image or a "
        "corrupted image.",
    ),
    "png-renamed-jpg": (
        "photo.jpg",
        png,
        "This is not a readable JPEG image.",
    ),
    "bmp": ("photo.bmp", bmp, "Upload a JPEG, PNG, GIF or WebP image."),
    "over-the-limit": (
        "photo.png",
        lambda: noise_png(700),
        "The file is larger than 1 MB.",
    ),
}


def image_form(product, upload):
    """The product page's image form, as Oscar's dashboard loads it."""
    form_class = get_class("dashboard.catalogue.forms", "ProductImageForm")
    return form_class(
        data={"images-0-product": product.pk, "images-0-display_order": 0},
        files={"images-0-original": upload},
        prefix="images-0",
        instance=get_model("catalogue", "ProductImage")(product=product),
    )


def category_form(upload):
    form_class = get_class("dashboard.catalogue.forms", "CategoryForm")
    return form_class(
        data={"name": "茶叶", "treebeard_position": "first-child"},
        files={"image": upload},
    )


@pytest.mark.parametrize("kind", BAD_IMAGES)
def test_product_and_category_images_refuse_bad_files(settings, product, kind):
    settings.NONGJIA_MAX_IMAGE_BYTES = MB
    name, make, message = BAD_IMAGES[kind]
    content = make()

    image = image_form(product, SimpleUploadedFile(name, content))
    category = category_form(SimpleUploadedFile(name, content))

    assert not image.is_valid()
    assert image.errors["original"] == [message]
    assert not category.is_valid()
    assert category.errors["image"] == [message]


def test_product_and_category_images_take_a_picture(product):
    image = image_form(product, SimpleUploadedFile("photo.png", png()))
    category = category_form(SimpleUploadedFile("photo.png", png()))

    assert image.is_valid(), image.errors
    assert category.is_valid(), category.errors
