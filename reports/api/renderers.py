"""``?format=csv`` and ``?format=xlsx``: a report's table as a file.

The views answer a ``reports.tables.Table`` when a file format was asked for; these
renderers write it. Errors are always JSON (see ``FileFormatsMixin``)."""

from rest_framework.renderers import BaseRenderer

from reports import tables


class _TableRenderer(BaseRenderer):
    charset = None  # bytes, written by the table writer

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return tables.file_bytes(data, self.format)


class CSVRenderer(_TableRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXRenderer(_TableRenderer):
    media_type = tables.CONTENT_TYPES["xlsx"]
    format = "xlsx"
