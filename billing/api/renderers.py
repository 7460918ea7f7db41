"""``?format=pdf`` and ``?format=xlsx`` for the statement and invoice files.

The views answer the files themselves (``billing.web.files``); these renderers
only let DRF's content negotiation choose them and the schema name them."""

from rest_framework.renderers import BaseRenderer

from reports.tables import CONTENT_TYPES


class _FileRenderer(BaseRenderer):
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class PDFRenderer(_FileRenderer):
    media_type = "application/pdf"
    format = "pdf"


class XLSXRenderer(_FileRenderer):
    media_type = CONTENT_TYPES["xlsx"]
    format = "xlsx"
