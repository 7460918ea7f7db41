"""Settlement pages, files and API: who sees which statement (another
cooperative's answers 404), officials read only, and the documents render."""

import datetime
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from settlement.models import HouseholdPayment, Payout, SettlementPeriod, Statement
from settlement.services import issue_statements
from tests.integration.settlement_setup import (
    D,
    counter_channel,
    period,
    sell,
    three_household_lot,
)

P1 = (datetime.date(2026, 10, 1), datetime.date(2026, 10, 14))
ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "artefacts"


@pytest.fixture
def statements(cooperative, other_cooperative, product):
    channel = counter_channel()
    lot = three_household_lot(cooperative=cooperative, product=product)
    other = three_household_lot(cooperative=other_cooperative, product=product)
    sell(lot=lot, channel=channel, day=P1[0], kg="10", yuan="99.99")
    sell(lot=other, channel=channel, day=P1[0], kg="2", yuan="20.00")
    issued = issue_statements(
        period_id=period(*P1).pk, today=datetime.date(2026, 11, 25)
    )
    return {s.cooperative_id: s for s in issued}


@pytest.fixture
def ours(statements, cooperative):
    return statements[cooperative.pk]


@pytest.fixture
def theirs(statements, other_cooperative):
    return statements[other_cooperative.pk]


def detail(statement):
    return reverse("dashboard:settlement-statement-detail", kwargs={"pk": statement.pk})


def pdf_url(statement):
    return reverse("settlement:statement-pdf", kwargs={"pk": statement.pk})


def xlsx_url(statement):
    return reverse("settlement:statement-xlsx", kwargs={"pk": statement.pk})


def test_a_manager_sees_own_statements_and_404_for_others(
    client, manager, ours, theirs
):
    client.force_login(manager)
    listing = client.get(reverse("dashboard:settlement-statement-list"))
    assert listing.status_code == 200
    assert ours.number in listing.content.decode()
    assert theirs.number not in listing.content.decode()
    assert client.get(detail(ours)).status_code == 200
    assert client.get(detail(theirs)).status_code == 404
    assert client.get(pdf_url(theirs)).status_code == 404
    assert client.get(xlsx_url(theirs)).status_code == 404
    assert client.get(pdf_url(ours)).status_code == 200


def test_a_manager_records_a_household_payment(client, manager, ours):
    line = ours.households.order_by("household__archive_number").first()
    client.force_login(manager)
    response = client.post(
        reverse("dashboard:settlement-household-payment", kwargs={"pk": ours.pk}),
        {
            "household": line.household_id,
            "amount": "33.33",
            "paid_on": "2026-11-01",
            "method": "mobile",
            "reference": "WX-1",
        },
    )
    assert response.status_code == 302
    payment = HouseholdPayment.objects.get()
    assert (payment.line, payment.amount, payment.method) == (
        line,
        D("33.33"),
        "mobile",
    )


def test_an_overpayment_is_refused_on_the_form(client, manager, ours):
    line = ours.households.first()
    client.force_login(manager)
    response = client.post(
        reverse("dashboard:settlement-household-payment", kwargs={"pk": ours.pk}),
        {
            "household": line.household_id,
            "amount": str(line.yuan + D("0.01")),
            "paid_on": "2026-11-01",
            "method": "cash",
        },
    )
    assert response.status_code == 400
    assert not HouseholdPayment.objects.exists()


def test_managers_cannot_mark_payouts_or_issue_periods(client, manager, ours):
    client.force_login(manager)
    response = client.post(
        reverse("dashboard:settlement-payout", kwargs={"pk": ours.pk}),
        {"reference": "X"},
    )
    assert response.status_code in (302, 403)
    assert not Payout.objects.exists()
    assert client.get(reverse("dashboard:settlement-period-list")).status_code in (
        302,
        403,
    )


def test_staff_mark_the_payout_paid_once(client, staff, ours):
    client.force_login(staff)
    url = reverse("dashboard:settlement-payout", kwargs={"pk": ours.pk})
    assert client.post(url, {"reference": "ICBC-1"}).status_code == 302
    assert client.post(url, {"reference": "ICBC-2"}).status_code == 400
    assert Payout.objects.get().reference == "ICBC-1"
    page = client.get(detail(ours)).content.decode()
    assert "ICBC-1" in page


def test_staff_open_and_issue_periods(client, staff, statements):
    client.force_login(staff)
    assert client.get(reverse("dashboard:settlement-period-list")).status_code == 200
    refused = client.post(
        reverse("dashboard:settlement-period-open"), {"start": "2026-12-01"}
    )
    assert refused.status_code == 400
    opened = client.post(
        reverse("dashboard:settlement-period-open"), {"start": "2026-10-15"}
    )
    assert opened.status_code == 302
    second = SettlementPeriod.objects.get(start="2026-10-15")
    assert second.end == datetime.date(2026, 10, 28)
    client.post(reverse("dashboard:settlement-period-issue", kwargs={"pk": second.pk}))
    second.refresh_from_db()
    assert second.closed


def test_officials_read_the_unpaid_report_but_write_nothing(
    client, official, ours, theirs
):
    client.force_login(official)
    report = client.get(reverse("settlement:unpaid"))
    assert report.status_code == 200
    body = report.content.decode()
    assert ours.number in body and theirs.number in body
    assert body.count("<tr>") >= 6  # 6 unpaid household lines
    assert client.get(pdf_url(theirs)).status_code == 200
    line = ours.households.first()
    response = client.post(
        reverse("dashboard:settlement-household-payment", kwargs={"pk": ours.pk}),
        {"household": line.household_id, "amount": "1.00", "paid_on": "2026-11-01",
         "method": "cash"},
    )  # fmt: skip
    assert response.status_code in (302, 403, 404)
    assert not HouseholdPayment.objects.exists()


def test_the_unpaid_report_is_for_officials_and_staff(client, manager, shopper, ours):
    client.force_login(manager)
    assert client.get(reverse("settlement:unpaid")).status_code == 403
    client.force_login(shopper)
    assert client.get(reverse("settlement:unpaid")).status_code == 403
    assert client.get(pdf_url(ours)).status_code == 404
    client.logout()
    assert client.get(reverse("settlement:unpaid")).status_code == 302


def test_api_lists_a_manager_s_statements_only(api, manager, ours, theirs):
    api.force_authenticate(manager)
    listing = api.get("/api/v1/settlement-statements/")
    assert listing.status_code == 200
    assert [s["number"] for s in listing.json()["results"]] == [ours.number]
    assert api.get(f"/api/v1/settlement-statements/{theirs.pk}/").status_code == 404
    one = api.get(f"/api/v1/settlement-statements/{ours.pk}/").json()
    assert one["goods_yuan"] == "99.99"
    assert sum(D(h["yuan"]) for h in one["households"]) == D("99.99")
    assert api.post("/api/v1/settlement-statements/", {}).status_code == 405


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_statement_pdf_says_what_the_statement_says(client, manager, ours):
    client.force_login(manager)
    response = client.get(pdf_url(ours))
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "英德市万仔蚕桑专业合作社" in text
    assert "广百百货北京路店扶贫专柜" in text
    assert ours.number in text
    assert "99.99" in text
    for line in ours.households.all():
        assert line.household.archive_number in text
        assert str(line.yuan) in text
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "settlement-statement.pdf").write_bytes(response.content)


def test_the_statement_pdf_renders_as_an_image(client, manager, ours):
    if not shutil.which("pdftoppm"):
        if os.environ.get("CI"):
            pytest.fail("pdftoppm is missing: make chromium installs poppler-utils")
        pytest.skip("needs poppler-utils (make chromium installs it)")
    client.force_login(manager)
    content = client.get(pdf_url(ours)).content
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTEFACTS / "settlement-statement"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", "-",
         str(target)],
        input=content,
        check=True,
        timeout=60,
    )  # fmt: skip
    png = target.with_suffix(".png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_the_statement_xlsx_has_the_lines_and_households(client, staff, ours):
    client.force_login(staff)
    response = client.get(xlsx_url(ours))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    cells = {c for row in rows for c in row if c is not None}
    assert "英德市万仔蚕桑专业合作社" in cells
    assert "广百百货北京路店扶贫专柜" in cells
    households = {h.household.archive_number: h.yuan for h in ours.households.all()}
    found = {row[0]: D(str(row[3])) for row in rows if row[0] in households}
    assert found == households
    assert Statement.objects.count() == 2


def test_the_dashboard_menu_shows_managers_statements_but_not_periods(
    client, cooperative, manager, staff
):
    statements = reverse("dashboard:settlement-statement-list")
    periods = reverse("dashboard:settlement-period-list")
    client.force_login(manager)
    menu = client.get(reverse("dashboard:index")).content.decode()
    assert statements in menu and periods not in menu
    client.force_login(staff)
    menu = client.get(reverse("dashboard:index")).content.decode()
    assert statements in menu and periods in menu
