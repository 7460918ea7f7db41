"""What an uploaded file must be before anything reads it: its size, its name's
extension, and content that really is of that type.

Every upload path goes through here:

- spreadsheets (lot import, counter sales, the canteen's order upload): the web
  forms call ``validate_spreadsheet`` (refusing a large file before reading it),
  and ``suppliers.tabular``, which every importer and its API reads files with,
  calls ``spreadsheet_kind``. A CSV must decode as UTF-8 or GB18030 text without
  NUL bytes; an XLSX must be a zip holding a workbook's ``[Content_Types].xml``
  (not a macro-enabled or encrypted file), and must not unpack to more than
  ``UNPACK_RATIO`` times the size limit, since openpyxl loads a workbook's shared
  strings whole;
- images (the dashboard's product and category images, image attributes):
  ``validate_image``, opened and verified by Pillow, the format matching the
  extension (no SVG, which can carry script), within ``MAX_PIXELS``;
- other product attribute files: ``validate_attachment``, a PDF or an image.

Uploaded images and attachments are served from ``/media/`` by the proxy as they
are, so a file that is not what its name says must never be stored.

Size limits are the settings ``NONGJIA_MAX_SPREADSHEET_BYTES`` and
``NONGJIA_MAX_IMAGE_BYTES``; an upload path may ask for less (the canteen's order
upload takes 2 MB), never more. Refusals are Django ``ValidationError``s with one
message each, so forms show them on the field and importers in their own shape.
"""

import io
import posixpath
import warnings
import zipfile
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

MB = 1024 * 1024
SPREADSHEET_EXTENSIONS = (".csv", ".xlsx")
# Extension -> the format Pillow must find in the file.
IMAGE_FORMATS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".gif": "GIF",
    ".webp": "WEBP",
}
# A workbook may unpack to this many times the upload's size limit.
UNPACK_RATIO = 10
# The main part a workbook's [Content_Types].xml declares (an .xlsm or a template
# declares another).
XLSX_MAIN = (
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
)
# Larger images are refused before they are decoded (thumbnails decode them whole):
# 50 megapixels is more than any phone's photo.
MAX_PIXELS = 50_000_000


def spreadsheet_kind(content: bytes, filename: str, *, max_bytes: int) -> str:
    """ "csv" or "xlsx" for a file an importer may read, or ``ValidationError``."""
    limit = _limit(max_bytes, settings.NONGJIA_MAX_SPREADSHEET_BYTES)
    _check_size(len(content), limit)
    extension = _extension(filename)
    if extension == ".csv":
        csv_text(content)
    elif extension == ".xlsx":
        _check_xlsx(content, limit)
    else:
        raise ValidationError(_("Upload a .csv or .xlsx file."), code="file_type")
    return extension[1:]


def csv_text(content: bytes) -> str:
    """A CSV file's text: UTF-8 (with or without BOM) or GB18030, as Excel in China
    saves it unless told otherwise; binary data or UTF-16 renamed .csv is refused."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(
            _("The CSV file must be UTF-8 or GB18030 text."), code="encoding"
        )
    if "\x00" in text:
        raise ValidationError(_("This is not a readable CSV file."), code="unreadable")
    return text


def validate_spreadsheet(upload, *, max_bytes: int):
    """A form's check of an uploaded CSV or XLSX: the size before reading a byte,
    then the content. Returns the upload, rewound."""
    if not isinstance(upload, UploadedFile):
        return upload
    limit = _limit(max_bytes, settings.NONGJIA_MAX_SPREADSHEET_BYTES)
    _check_size(upload.size, limit)
    upload.seek(0)
    spreadsheet_kind(upload.read(limit + 1), upload.name, max_bytes=limit)
    upload.seek(0)
    return upload


def validate_image(upload, *, max_bytes: int | None = None):
    """A form's check of an uploaded image. Anything but a new upload (the image a
    form already had) passes as it is. Returns the upload, rewound."""
    if not isinstance(upload, UploadedFile):
        return upload
    _check_size(upload.size, _limit(max_bytes, settings.NONGJIA_MAX_IMAGE_BYTES))
    expected = IMAGE_FORMATS.get(_extension(upload.name))
    if expected is None:
        raise ValidationError(
            _("Upload a JPEG, PNG, GIF or WebP image."), code="file_type"
        )
    _check_image(upload, expected)
    upload.seek(0)
    return upload


def validate_attachment(upload, *, max_bytes: int | None = None):
    """A form's check of a file attached to a product: a PDF or an image."""
    if not isinstance(upload, UploadedFile):
        return upload
    if _extension(upload.name) != ".pdf":
        try:
            return validate_image(upload, max_bytes=max_bytes)
        except ValidationError as exc:
            if exc.code != "file_type":
                raise
            raise ValidationError(
                _("Upload a PDF document or a JPEG, PNG, GIF or WebP image."),
                code="file_type",
            ) from None
    _check_size(upload.size, _limit(max_bytes, settings.NONGJIA_MAX_IMAGE_BYTES))
    upload.seek(0)
    if upload.read(5) != b"%PDF-":
        raise ValidationError(_("This is not a readable PDF file."), code="unreadable")
    upload.seek(0)
    return upload


def _limit(asked: int | None, ceiling: int) -> int:
    return ceiling if asked is None else min(asked, ceiling)


def _check_size(size: int, limit: int) -> None:
    if size > limit:
        raise ValidationError(
            _("The file is larger than %(mb)s MB.") % {"mb": f"{limit / MB:g}"},
            code="too_large",
        )


def _extension(filename: str | None) -> str:
    return posixpath.splitext((filename or "").lower())[1]


def _check_xlsx(content: bytes, limit: int) -> None:
    unreadable = ValidationError(
        _("This is not a readable .xlsx file."), code="unreadable"
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise unreadable from None
    with archive:
        members = archive.infolist()
        if any(member.flag_bits & 0x1 for member in members):  # encrypted
            raise unreadable
        if sum(member.file_size for member in members) > UNPACK_RATIO * limit:
            raise ValidationError(
                _("The workbook is too large once unpacked."), code="too_large"
            )
        try:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > MB:  # a few hundred bytes in a real workbook
                raise unreadable
            types = archive.read(info)
        except (
            KeyError,
            zipfile.BadZipFile,
            zlib.error,
            NotImplementedError,
            EOFError,
        ):
            raise unreadable from None
    if XLSX_MAIN not in types:
        raise unreadable


def _check_image(upload, expected: str) -> None:
    # Imported here: Pillow is needed by the few requests that upload an image.
    from PIL import Image

    unreadable = ValidationError(
        _("This is not a readable %(format)s image.") % {"format": expected},
        code="unreadable",
    )
    upload.seek(0)
    with warnings.catch_warnings():
        # Pillow warns (rather than refuses) up to twice its own pixel limit.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(upload) as image:
                found, (width, height) = image.format, image.size
                if width * height > MAX_PIXELS:
                    raise ValidationError(
                        _("The image has more than %(n)s million pixels.")
                        % {"n": MAX_PIXELS // 1_000_000},
                        code="too_large",
                    )
                image.verify()
        except (
            OSError,
            SyntaxError,
            ValueError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
        ):
            raise unreadable from None
    if found != expected:
        raise unreadable
