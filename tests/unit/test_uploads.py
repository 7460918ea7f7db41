"""shop.uploads: an upload is refused unless its size, its extension and its content
agree; each refusal names the problem."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from PIL import Image

from shop import uploads

MB = 1024 * 1024
CSV = "sku,quantity\nQY-CHICKEN,3\n清远鸡,2\n"


def xlsx(*rows) -> bytes:
    book = Workbook()
    for row in rows or (("sku", "quantity"), ("QY-CHICKEN", 3)):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rezip(content: bytes, replace: dict[str, bytes]) -> bytes:
    """The workbook with some members' content replaced (or added)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in replace:
                target.writestr(info, source.read(info))
        for name, data in replace.items():
            target.writestr(name, data)
    return buffer.getvalue()


def image(fmt="PNG", size=(4, 3), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format=fmt)
    return buffer.getvalue()


def refusal(check, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(ValidationError) as refused:
        check(*args, **kwargs)
    return refused.value.code, refused.value.messages[0]


# --- spreadsheets ------------------------------------------------------------------


def test_good_csv_and_xlsx_are_accepted():
    assert uploads.spreadsheet_kind(CSV.encode(), "a.csv", max_bytes=MB) == "csv"
    assert uploads.spreadsheet_kind(CSV.encode("gb18030"), "A.CSV", max_bytes=MB) == (
        "csv"
    )
    assert uploads.spreadsheet_kind(xlsx(), "订单.xlsx", max_bytes=MB) == "xlsx"


@pytest.mark.parametrize(
    ("content", "filename", "refused"),
    [
        pytest.param(
            image(),
            "order.xlsx",
            ("unreadable", "This is not a readable .xlsx file."),
            id="png-renamed-xlsx",
        ),
        pytest.param(
            CSV.encode(),
            "order.xlsx",
            ("unreadable", "This is not a readable .xlsx file."),
            id="csv-renamed-xlsx",
        ),
        pytest.param(
            b"PK\x03\x04 not really a zip",
            "order.xlsx",
            ("unreadable", "This is not a readable .xlsx file."),
            id="broken-zip",
        ),
        pytest.param(
            rezip(xlsx(), {"[Content_Types].xml": b"<Types/>"}),
            "order.xlsx",
            ("unreadable", "This is not a readable .xlsx file."),
            id="zip-without-a-workbook-type",
        ),
        pytest.param(
            image(),
            "order.csv",
            ("encoding", "The CSV file must be UTF-8 or GB18030 text."),
            id="png-renamed-csv",
        ),
        pytest.param(
            "sku,quantity\nQY-CHICKEN,3\n".encode("utf-16-le"),
            "order.csv",
            ("unreadable", "This is not a readable CSV file."),
            id="utf16-csv",
        ),
        pytest.param(
            CSV.encode(),
            "order.txt",
            ("file_type", "Upload a .csv or .xlsx file."),
            id="txt",
        ),
        pytest.param(
            xlsx(), "order", ("file_type", "Upload a .csv or .xlsx file."), id="no-ext"
        ),
    ],
)
def test_files_that_are_not_what_their_name_says_are_refused(
    content, filename, refused
):
    assert refusal(uploads.spreadsheet_kind, content, filename, max_bytes=MB) == (
        refused
    )


def test_a_macro_enabled_workbook_renamed_xlsx_is_refused():
    workbook = xlsx()
    types = zipfile.ZipFile(io.BytesIO(workbook)).read("[Content_Types].xml")
    macro = types.replace(
        b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
    )
    assert macro != types

    assert refusal(
        uploads.spreadsheet_kind,
        rezip(workbook, {"[Content_Types].xml": macro}),
        "order.xlsx",
        max_bytes=MB,
    ) == ("unreadable", "This is not a readable .xlsx file.")


def test_a_workbook_that_unpacks_past_ten_times_the_limit_is_refused():
    limit = MB // 4
    bomb = rezip(xlsx(), {"xl/sharedStrings.xml": b"\0" * (10 * limit + 1)})
    assert len(bomb) < limit  # small as uploaded

    assert refusal(uploads.spreadsheet_kind, bomb, "order.xlsx", max_bytes=limit) == (
        "too_large",
        "The workbook is too large once unpacked.",
    )


def test_the_size_limit_is_the_paths_or_the_settings_whichever_is_lower(settings):
    content = CSV.encode() + b"x" * MB

    assert refusal(uploads.spreadsheet_kind, content, "a.csv", max_bytes=MB) == (
        "too_large",
        "The file is larger than 1 MB.",
    )
    assert uploads.spreadsheet_kind(content, "a.csv", max_bytes=2 * MB) == "csv"
    settings.NONGJIA_MAX_SPREADSHEET_BYTES = MB // 2
    assert refusal(uploads.spreadsheet_kind, content, "a.csv", max_bytes=2 * MB) == (
        "too_large",
        "The file is larger than 0.5 MB.",
    )


def test_a_form_upload_is_refused_by_its_size_before_it_is_read():
    class Unread(io.BytesIO):
        def read(self, *args):
            raise AssertionError("read")

    upload = SimpleUploadedFile("order.csv", CSV.encode())
    upload.file = Unread()
    upload.size = 3 * MB  # what the request said

    assert refusal(uploads.validate_spreadsheet, upload, max_bytes=2 * MB) == (
        "too_large",
        "The file is larger than 2 MB.",
    )


def test_a_form_upload_that_passes_comes_back_rewound():
    content = xlsx()
    upload = SimpleUploadedFile("order.xlsx", content)

    assert uploads.validate_spreadsheet(upload, max_bytes=MB) is upload
    assert upload.read() == content


# --- images and attachments --------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("PNG", "a.png"), ("JPEG", "a.jpg"), ("JPEG", "A.JPEG"), ("GIF", "a.gif")],
)
def test_images_are_accepted_as_their_format(fmt, name):
    upload = SimpleUploadedFile(name, image(fmt))

    assert uploads.validate_image(upload) is upload
    assert upload.tell() == 0


@pytest.mark.parametrize(
    ("name", "content", "refused"),
    [
        pytest.param(
            "photo.png",
            b"<html><script>alert(1)</script></html>",
            ("unreadable", "This is not a readable PNG image."),
            id="html-renamed-png",
        ),
        pytest.param(
            "photo.jpg",
            image("PNG"),
            ("unreadable", "This is not a readable JPEG image."),
            id="png-renamed-jpg",
        ),
        pytest.param(
            "photo.png",
            image("PNG")[:40],
            ("unreadable", "This is not a readable PNG image."),
            id="truncated",
        ),
        pytest.param(
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            ("file_type", "Upload a JPEG, PNG, GIF or WebP image."),
            id="svg",
        ),
        pytest.param(
            "page.html",
            image("PNG"),
            ("file_type", "Upload a JPEG, PNG, GIF or WebP image."),
            id="png-renamed-html",
        ),
    ],
)
def test_files_that_are_not_the_image_their_name_says_are_refused(
    name, content, refused
):
    upload = SimpleUploadedFile(name, content)

    assert refusal(uploads.validate_image, upload) == refused


def test_images_over_the_size_or_pixel_limit_are_refused(settings):
    settings.NONGJIA_MAX_IMAGE_BYTES = MB
    big = SimpleUploadedFile("big.png", image("PNG"))
    big.size = MB + 1  # as the request said

    assert refusal(uploads.validate_image, big) == (
        "too_large",
        "The file is larger than 1 MB.",
    )

    settings.NONGJIA_MAX_IMAGE_BYTES = 5 * MB
    huge = SimpleUploadedFile("huge.png", image("PNG", size=(8000, 7000), mode="1"))
    assert huge.size < MB  # small to upload, 56 million pixels to decode

    assert refusal(uploads.validate_image, huge) == (
        "too_large",
        "The image has more than 50 million pixels.",
    )


def test_attachments_are_pdf_documents_or_images():
    pdf = SimpleUploadedFile("certificate.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n...")
    png = SimpleUploadedFile("certificate.png", image())

    assert uploads.validate_attachment(pdf) is pdf
    assert uploads.validate_attachment(png) is png
    assert refusal(
        uploads.validate_attachment, SimpleUploadedFile("a.pdf", b"<html></html>")
    ) == ("unreadable", "This is not a readable PDF file.")
    assert refusal(
        uploads.validate_attachment, SimpleUploadedFile("a.html", b"<html></html>")
    ) == ("file_type", "Upload a PDF document or a JPEG, PNG, GIF or WebP image.")


def test_what_a_form_already_had_is_not_checked_again():
    for value in (None, False, "catalogue/existing.jpg"):
        assert uploads.validate_image(value) == value
        assert uploads.validate_attachment(value) == value
        assert uploads.validate_spreadsheet(value, max_bytes=MB) == value
