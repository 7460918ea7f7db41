"""The account's documents as downloads, for the staff pages, the canteen's page
and the API: a monthly statement (PDF or XLSX) and an invoice's PDF.

The documents themselves are written by ``billing.statements``, ``billing.pdf``
and ``billing.xlsx``; this module only names the files.
"""

from django.http import HttpResponse

from billing.models import Account, Invoice
from billing.pdf import invoice_pdf, statement_pdf
from billing.statements import monthly_statement
from billing.xlsx import statement_xlsx
from reports.tables import CONTENT_TYPES

PDF = "application/pdf"


def _file(body: bytes, *, name: str, file_format: str) -> HttpResponse:
    if file_format == "pdf":
        content_type, disposition = PDF, "inline"
    else:
        content_type, disposition = CONTENT_TYPES["xlsx"], "attachment"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'{disposition}; filename="{name}.{file_format}"'
    return response


def statement_name(*, account: Account, year: int, month: int) -> str:
    return f"statement-{account.pk}-{year}-{month:02d}"


def statement_file(
    *, account: Account, year: int, month: int, file_format: str
) -> HttpResponse:
    """The month's statement as a PDF or XLSX file; ``BillingError`` (field
    ``month``) for a month in the future or before the account was opened."""
    statement = monthly_statement(account=account, year=year, month=month)
    write = statement_pdf if file_format == "pdf" else statement_xlsx
    return _file(
        write(statement),
        name=statement_name(account=account, year=year, month=month),
        file_format=file_format,
    )


def invoice_file(invoice: Invoice) -> HttpResponse:
    return _file(
        invoice_pdf(invoice), name=f"invoice-{invoice.number}", file_format="pdf"
    )
