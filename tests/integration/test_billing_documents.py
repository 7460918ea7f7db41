"""A canteen account's monthly statement (value, PDF, XLSX) and an invoice's PDF.

The history is written through the billing services on pretend days (the
services read ``timezone.localdate``, patched around each call as the settlement
tests do); orders are placed and delivered on the real days.
"""

import contextlib
import datetime
import io
import os
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook
from pypdf import PdfReader

from billing import selectors, services
from billing.errors import BillingError
from billing.models import Account
from billing.pdf import invoice_pdf, statement_pdf
from billing.statements import (
    InvoiceDocumentLine,
    OpenInvoice,
    StatementEntry,
    invoice_document,
    monthly_statement,
)
from billing.xlsx import statement_xlsx
from canteens.models import Organisation
from tests.integration.billing_helpers import (
    D,
    canteen_with_stock,
    deliver,
    open_account,
    receive,
)
from tests.integration.bulk import place

pytestmark = pytest.mark.django_db
ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "artefacts"
CANTEEN = "广州市天河区机关第一食堂"
AUG_20 = datetime.date(2026, 8, 20)
SEP_5, SEP_12, SEP_20, SEP_30 = (datetime.date(2026, 9, d) for d in (5, 12, 20, 30))
OCT_2, OCT_3, OCT_15 = (datetime.date(2026, 10, d) for d in (2, 3, 15))


@contextlib.contextmanager
def on(monkeypatch, day):
    """The billing services run as if today were ``day``."""
    with monkeypatch.context() as patch:
        patch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)
        yield


def pay(monkeypatch, account, staff, day, reference, amount):
    with on(monkeypatch, day):
        return services.record_bank_payment(
            account_id=account.pk,
            reference=reference,
            amount=amount,
            received_on=day,
            actor=staff,
        )


@pytest.fixture
def history(cooperative, staff, monkeypatch):
    """Opened 2026-08-10 (30 days' terms). Invoice A, 500.00 on 08-20 (due 09-19);
    paid 300.00 on 09-05; invoice B, 1250.00 on 09-12 (due 10-12; 4 kg of rice
    short: 50.00 not charged); credit note 60.00 on B on 09-20; paid 250.00 on
    10-02 (200.00 settles A, 50.00 B) and 1000.00 on 10-03 (B)."""
    buyer, canteen, rice, tea = canteen_with_stock(cooperative)
    Organisation.objects.filter(pk=canteen.pk).update(name=CANTEEN)
    account = open_account(staff, canteen, limit="5000.00", days=30)
    opened = timezone.make_aware(datetime.datetime(2026, 8, 10, 10, 0))
    Account.objects.filter(pk=account.pk).update(created_at=opened)
    first = place(buyer, canteen, [(rice, 40)])
    second = place(buyer, canteen, [(rice, 40), (tea, 10)])
    deliver(first)
    deliver(second)
    with on(monkeypatch, AUG_20):
        receive(buyer, first, "40")
    pay(monkeypatch, account, staff, SEP_5, "ICBC-20260905-01", "300.00")
    with on(monkeypatch, SEP_12):
        receive(buyer, second, "36", "10")
    second.refresh_from_db()
    with on(monkeypatch, SEP_20):
        note = services.issue_credit_note(
            account_id=account.pk,
            amount="60.00",
            reason="大米受潮",
            invoice_id=second.invoice.pk,
            actor=staff,
        )
    pay(monkeypatch, account, staff, OCT_2, "ICBC-20261002-01", "250.00")
    pay(monkeypatch, account, staff, OCT_3, "ICBC-20261003-01", "1000.00")
    return SimpleNamespace(
        account=Account.objects.get(pk=account.pk),
        a=first.order.number,
        b=second.order.number,
        invoice_b=second.invoice,
        delivery_b=second.delivery_date,
        note=note.number,
    )


def statement_of(history, month, today=OCT_15, year=2026):
    return monthly_statement(
        account=history.account, year=year, month=month, today=today
    )


def test_the_september_statement_lists_the_month_with_a_running_balance(history):
    statement = statement_of(history, 9)

    a, b = history.a, history.b
    assert (statement.organisation, statement.address) == (
        CANTEEN,
        "天河区体育西路 1 号",
    )
    assert (statement.start, statement.end, statement.as_of) == (
        datetime.date(2026, 9, 1),
        SEP_30,
        SEP_30,
    )
    assert statement.opening_balance == D("500.00")
    assert statement.entries == (
        StatementEntry(SEP_5, "payment", "ICBC-20260905-01", "", D("0"),
                       D("300.00"), D("200.00")),
        StatementEntry(SEP_12, "invoice", f"INV-{b}", b, D("1250.00"), D("0"),
                       D("1450.00")),
        StatementEntry(SEP_20, "credit_note", history.note, "", D("0"), D("60.00"),
                       D("1390.00")),
    )  # fmt: skip
    assert [e.label for e in statement.entries] == [
        "Bank payment",
        "Invoice",
        "Credit note",
    ]
    assert (statement.debits, statement.credits) == (D("1250.00"), D("360.00"))
    assert statement.closing_balance == D("1390.00")
    assert statement.closing_balance == (
        statement.opening_balance + statement.debits - statement.credits
    )
    assert statement.closing_balance == selectors.balance(
        account=history.account, before=datetime.date(2026, 10, 1)
    )
    assert statement.credit_limit == D("5000.00")
    # On 30 September: A had 300.00 of its 500.00 paid and was 11 days late; the
    # October payments that settled it since do not count.
    assert statement.open_invoices == (
        OpenInvoice(f"INV-{a}", a, AUG_20, datetime.date(2026, 9, 19), D("500.00"),
                    D("300.00"), D("200.00"), 11),
        OpenInvoice(f"INV-{b}", b, SEP_12, datetime.date(2026, 10, 12),
                    D("1250.00"), D("60.00"), D("1190.00"), 0),
    )  # fmt: skip
    assert [i.overdue for i in statement.open_invoices] == [True, False]
    assert (statement.outstanding, statement.overdue) == (D("1390.00"), D("200.00"))


def test_the_current_month_shows_the_open_invoices_of_today(history):
    statement = statement_of(history, 10, today=OCT_15)

    b = history.b
    assert statement.as_of == OCT_15
    assert statement.opening_balance == D("1390.00")
    entries = [
        (e.booked_on, e.document, e.credit, e.balance) for e in statement.entries
    ]
    assert entries == [
        (OCT_2, "ICBC-20261002-01", D("250.00"), D("1140.00")),
        (OCT_3, "ICBC-20261003-01", D("1000.00"), D("140.00")),
    ]
    assert statement.closing_balance == D("140.00")
    assert statement.closing_balance == selectors.balance(
        account=history.account, before=datetime.date(2026, 11, 1)
    )
    assert statement.open_invoices == (
        OpenInvoice(f"INV-{b}", b, SEP_12, datetime.date(2026, 10, 12),
                    D("1250.00"), D("1110.00"), D("140.00"), 3),
    )  # fmt: skip


def test_the_first_month_opens_at_zero(history):
    statement = statement_of(history, 8)

    assert statement.opening_balance == D("0.00")
    assert [(e.kind, e.debit, e.balance) for e in statement.entries] == [
        ("invoice", D("500.00"), D("500.00"))
    ]
    assert statement.closing_balance == D("500.00")
    assert [(i.outstanding, i.overdue) for i in statement.open_invoices] == [
        (D("500.00"), False)
    ]


@pytest.mark.parametrize(
    ("year", "month", "code", "message"),
    [
        (2026, 11, "future", "There is no statement yet for a month in the future."),
        (
            2026,
            7,
            "before_opening",
            "The account was opened in 2026-08: there is no statement before.",
        ),
        (
            2026,
            13,
            "invalid",
            "Give a month as a year and a month number (1 to 12).",
        ),
    ],
)
def test_a_month_without_a_statement_is_refused(history, year, month, code, message):
    with pytest.raises(BillingError) as refused:
        statement_of(history, month, today=OCT_15, year=year)
    assert (refused.value.field, refused.value.code, refused.value.message) == (
        "month",
        code,
        message,
    )


def test_the_statement_reads_in_five_queries_however_many_entries(
    history, staff, django_assert_num_queries
):
    def read():
        account = Account.objects.get(pk=history.account.pk)
        with django_assert_num_queries(5):
            return monthly_statement(account=account, year=2026, month=9, today=OCT_15)

    assert len(read().entries) == 3
    for n in range(1, 6):
        services.record_bank_payment(
            account_id=history.account.pk,
            reference=f"BOC-2026092{n}",
            amount="10.00",
            received_on=datetime.date(2026, 9, 20 + n),
            actor=staff,
        )
    statement = read()
    assert len(statement.entries) == 8
    assert statement.closing_balance == D("1340.00")


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_statement_pdf_says_what_the_statement_says(history):
    content = statement_pdf(statement_of(history, 9))
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "canteen-statement.pdf").write_bytes(content)

    assert content.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(content)).pages) == 1
    text = pdf_text(content)
    for expected in (
        "Account statement 2026-09",
        CANTEEN,
        "天河区体育西路 1 号",
        "2026-09-01 – 2026-09-30",
        "5000.00",
        "ICBC-20260905-01",
        f"INV-{history.b}",
        history.note,
        "1450.00",
        "Open invoices on 2026-09-30",
        f"INV-{history.a}",
        "11 days",
        "1190.00",
        "1390.00",
    ):
        assert expected in text, expected


def test_the_statement_pdf_renders_as_an_image(history):
    if not shutil.which("pdftoppm"):
        if os.environ.get("CI"):
            pytest.fail("pdftoppm is missing: make chromium installs poppler-utils")
        pytest.skip("needs poppler-utils (make chromium installs it)")
    with translation.override("zh-hans"):
        content = statement_pdf(statement_of(history, 9))
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTEFACTS / "canteen-statement"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", "-",
         str(target)],
        input=content,
        check=True,
        timeout=60,
    )  # fmt: skip
    png = target.with_suffix(".png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def read_rows(content: bytes) -> list[list]:
    """The sheet's rows, blanks as None, without the trailing blanks; amounts as
    Decimal (openpyxl reads numbers back as floats)."""
    rows = []
    for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True):
        cells = [D(str(c)) if isinstance(c, float) else c for c in row]
        while cells and cells[-1] is None:
            cells.pop()
        rows.append(cells)
    return rows


def test_the_statement_xlsx_has_the_entries_and_open_invoices(history):
    content = statement_xlsx(statement_of(history, 9))

    a, b, _ = history.a, history.b, None
    day = datetime.datetime
    assert read_rows(content) == [
        ["Account statement", CANTEEN, "2026-09"],
        ["Canteen", CANTEEN],
        ["Address", "天河区体育西路 1 号"],
        ["Period", day(2026, 9, 1), day(2026, 9, 30)],
        ["Credit limit (yuan)", 5000],
        [],
        ["Date", "Kind", "Document", "Order number", "Debit (yuan)",
         "Credit (yuan)", "Balance (yuan)"],
        [_, "Opening balance", _, _, _, _, 500],
        [day(2026, 9, 5), "Bank payment", "ICBC-20260905-01", _, _, 300, 200],
        [day(2026, 9, 12), "Invoice", f"INV-{b}", b, 1250, _, 1450],
        [day(2026, 9, 20), "Credit note", history.note, _, _, 60, 1390],
        [_, "Closing balance", _, _, 1250, 360, 1390],
        [],
        ["Open invoices on 2026-09-30"],
        ["Invoice number", "Order number", "Issued on", "Due on", "Amount (yuan)",
         "Settled (yuan)", "Outstanding (yuan)", "Days overdue"],
        [f"INV-{a}", a, day(2026, 8, 20), day(2026, 9, 19), 500, 300, 200, 11],
        [f"INV-{b}", b, day(2026, 9, 12), day(2026, 10, 12), 1250, 60, 1190],
        ["Total", _, _, _, _, _, 1390],
        ["Overdue", _, _, _, _, _, 200],
    ]  # fmt: skip


def test_the_invoice_pdf_bills_the_received_kg(history):
    document = invoice_document(history.invoice_b, today=OCT_15)
    assert document.lines == (
        InvoiceDocumentLine("连州大米", D("40.000"), D("36.000"), D("12.50"),
                            D("450.00"), D("50.00")),
        InvoiceDocumentLine("英德红茶", D("10.000"), D("10.000"), D("80.00"),
                            D("800.00"), D("0.00")),
    )  # fmt: skip
    assert (document.amount, document.settled, document.outstanding) == (
        D("1250.00"),
        D("1110.00"),
        D("140.00"),
    )
    assert (document.not_charged, document.days_overdue) == (D("50.00"), 3)

    content = invoice_pdf(history.invoice_b)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "canteen-invoice.pdf").write_bytes(content)
    text = pdf_text(content)

    for expected in (
        f"Invoice INV-{history.b}",
        CANTEEN,
        history.b,
        history.delivery_b.isoformat(),
        "2026-09-12",
        "2026-10-12",
        "连州大米",
        "40.000",
        "36.000",
        "12.50",
        "450.00",
        "Not charged: 50.00",
        "800.00",
        "1250.00",
        "1110.00",
        "140.00",
    ):
        assert expected in text, expected
