"""Canteen-account pages: staff's dashboard (list, open, an account's page with
its forms, statements and invoice PDFs) and the canteen's account page, for each
role. Refused forms show the service's message on their field and write nothing."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from billing import services
from billing.models import Account, AccountEvent, BankPayment, CreditNote, Invoice
from tests.factories import UserFactory, make_canteen
from tests.integration.billing_helpers import D, open_account
from tests.integration.billing_roles import next_month, this_month, two_canteens

pytestmark = pytest.mark.django_db

LIST = "/dashboard/canteen-accounts/"
CANTEEN_PAGE = "/canteen/account/"
FUTURE = "There is no statement yet for a month in the future."
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def books(cooperative, staff):
    return two_canteens(cooperative=cooperative, staff=staff)


def detail(account) -> str:
    return f"{LIST}{account.pk}/"


def state() -> dict:
    """Every billing row a refused form must leave as it was."""
    return {
        "accounts": list(Account.objects.order_by("pk").values_list()),
        "invoices": list(Invoice.objects.order_by("pk").values_list()),
        "payments": list(BankPayment.objects.order_by("pk").values_list()),
        "credit_notes": list(CreditNote.objects.order_by("pk").values_list()),
        "events": AccountEvent.objects.count(),
    }


# --- who may open the staff pages ---------------------------------------------------


def dashboard_urls(books) -> list[tuple[str, str]]:
    account = books.account
    return [
        ("get", LIST),
        ("post", f"{LIST}open/"),
        ("get", detail(account)),
        ("post", f"{detail(account)}terms/"),
        ("post", f"{detail(account)}payments/"),
        ("post", f"{detail(account)}credit-notes/"),
        ("get", f"{detail(account)}statement/?month={this_month()}&format=pdf"),
        ("get", f"{LIST}invoices/{books.overdue_invoice.pk}.pdf"),
    ]


def test_visitors_go_to_the_dashboard_login_and_others_get_403(client, books, official):
    before = state()
    for method, url in dashboard_urls(books):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/dashboard/login/?next="), url
    for user in (books.buyer, books.approver, official):
        client.force_login(user)
        answers = {
            url: getattr(client, method)(url).status_code
            for method, url in dashboard_urls(books)
        }
        assert set(answers.values()) == {403}, (user, answers)
    assert state() == before


def test_the_dashboard_menu_has_the_accounts_for_staff_only(client, staff, manager):
    client.force_login(staff)
    assert f'href="{LIST}"' in client.get("/dashboard/").content.decode()
    manager.user_permissions.add(
        *Permission.objects.filter(codename="dashboard_access")
    )
    client.force_login(manager)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert f'href="{LIST}"' not in page.content.decode()


# --- the list ---------------------------------------------------------------------


def test_the_list_shows_each_account_s_credit(client, staff, books):
    client.force_login(staff)
    response = client.get(LIST)
    assert response.status_code == 200
    rows = {
        row.account.organisation.name: (
            row.figures.limit,
            row.figures.owed,
            row.figures.open_orders,
            row.figures.available,
            row.figures.overdue,
        )
        for row in response.context["rows"]
    }
    assert rows == {
        books.canteen.name: (
            D("5000.00"),
            D("900.00"),
            D("100.00"),
            D("4000.00"),
            D("500.00"),
        ),
        "越秀区第一中学食堂": (
            D("800.00"),
            D("50.00"),
            D("0.00"),
            D("750.00"),
            D("0.00"),
        ),
    }
    html = response.content.decode()
    assert f'<tr data-account="{books.account.pk}" class="table-danger">' in html
    assert '<span class="badge badge-danger">500.00</span>' in html
    assert response.context["overdue_accounts"] == 1


def test_the_list_takes_the_same_number_of_queries_for_any_number_of_accounts(
    client, staff, cooperative
):
    client.force_login(staff)
    open_account(staff, make_canteen())
    client.get(LIST)  # session, site and the menu's first look-ups
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST).status_code == 200
    for _ in range(4):
        open_account(staff, make_canteen())
    with CaptureQueriesContext(connection) as five:
        response = client.get(LIST)
    assert len(response.context["rows"]) == 5
    assert len(five) == len(one)


# --- opening an account -----------------------------------------------------------


def test_staff_open_an_account_for_a_canteen_that_pays_by_card(client, staff):
    canteen = make_canteen(name="海珠区政务中心食堂")
    client.force_login(staff)
    page = client.get(LIST)
    choices = page.context["open_form"].fields["organisation"].choices
    assert [pk for pk, _name in choices] == [canteen.pk]
    response = client.post(
        f"{LIST}open/",
        {"organisation": canteen.pk, "credit_limit": "3000", "payment_terms_days": 15},
    )
    account = Account.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(account)
    assert (account.organisation, account.credit_limit, account.payment_terms_days) == (
        canteen,
        D("3000.00"),
        15,
    )
    assert client.get(LIST).context["open_form"].fields["organisation"].choices == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"credit_limit": "-1"}, "credit_limit", "The amount must be above zero."),
        (
            {"credit_limit": "10.001"},
            "credit_limit",
            "Give the amount in yuan and fen (two decimals at most).",
        ),
        (
            {"payment_terms_days": "400"},
            "payment_terms_days",
            "Payment terms are 0 to 365 days.",
        ),
        ({"credit_limit": "abc"}, "credit_limit", "Enter a number."),
    ],
)
def test_a_refused_account_shows_why_on_its_field(
    client, staff, fields, field, message
):
    canteen = make_canteen()
    client.force_login(staff)
    body = {"organisation": canteen.pk, "credit_limit": "100", "payment_terms_days": 30}
    response = client.post(f"{LIST}open/", {**body, **fields})
    assert response.status_code == 400
    assert response.context["open_form"].errors[field] == [message]
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Account.objects.exists()


def test_a_second_account_for_a_canteen_is_refused_on_the_canteen(client, staff, books):
    client.force_login(staff)
    before = state()
    response = client.post(
        f"{LIST}open/",
        {
            "organisation": books.canteen.pk,
            "credit_limit": "1",
            "payment_terms_days": 1,
        },
    )
    assert response.status_code == 400
    assert response.context["open_form"].errors["organisation"] == [
        "This canteen has an account already."
    ]
    assert state() == before


# --- an account's page ------------------------------------------------------------


def test_the_account_page_flags_each_invoice(client, staff, books):
    client.force_login(staff)
    response = client.get(detail(books.account))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures.owed, figures.open_orders, figures.available, figures.overdue) == (
        D("900.00"),
        D("100.00"),
        D("4000.00"),
        D("500.00"),
    )
    flags = {
        row.invoice.number: (row.settled, row.overdue)
        for row in response.context["invoices"]
    }
    assert flags == {
        books.overdue_invoice.number: (False, True),
        books.current_invoice.number: (False, False),
    }
    html = response.content.decode()
    assert html.count('class="badge badge-danger invoice-overdue"') == 1
    assert html.count('class="badge badge-warning invoice-outstanding"') == 1
    assert books.other_invoice.number not in html


def test_a_bank_payment_settles_the_invoice_and_a_double_submit_is_refused(
    client, staff, books
):
    client.force_login(staff)
    invoice = books.current_invoice
    body = {
        "reference": "ICBC-20261125-001",
        "amount": "400.00",
        "received_on": timezone.localdate().isoformat(),
        "invoice": invoice.pk,
        "note": "对公转账",
    }
    response = client.post(f"{detail(books.account)}payments/", body)
    assert response.status_code == 302
    assert response["Location"] == detail(books.account)
    payment = BankPayment.objects.get()
    invoice.refresh_from_db()
    assert (payment.amount, payment.matched, payment.invoice, payment.recorded_by) == (
        D("400.00"),
        D("400.00"),
        invoice,
        staff,
    )
    assert invoice.settled == D("400.00")
    page = client.get(detail(books.account))
    assert [str(m) for m in page.context["messages"]] == [
        "Bank payment ICBC-20261125-001 recorded: 400.00 yuan settled invoices, "
        "0.00 yuan is kept as credit."
    ]
    rows = {row.invoice.number: row.settled for row in page.context["invoices"]}
    assert rows[invoice.number] is True
    assert 'class="badge badge-success invoice-settled"' in page.content.decode()
    assert page.context["figures"].owed == D("500.00")

    before = state()
    again = client.post(f"{detail(books.account)}payments/", body)
    assert again.status_code == 400
    assert again.context["payment_form"].errors["reference"] == [
        "A payment with this bank reference is recorded already."
    ]
    assert "A payment with this bank reference is recorded already." in (
        again.content.decode()
    )
    assert state() == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"reference": "  "},
            "reference",
            "Give the bank's reference for the transfer.",
        ),
        ({"amount": "0"}, "amount", "The amount must be above zero."),
        (
            {"amount": "1.234"},
            "amount",
            "Give the amount in yuan and fen (two decimals at most).",
        ),
        (
            {"received_on": "2999-01-01"},
            "received_on",
            "The date cannot be in the future.",
        ),
        ({"received_on": "yesterday"}, "received_on", "Enter a valid date."),
    ],
)
def test_a_refused_payment_shows_the_service_s_message_on_its_field(
    client, staff, books, fields, field, message
):
    client.force_login(staff)
    before = state()
    body = {
        "reference": "BOC-1",
        "amount": "10.00",
        "received_on": timezone.localdate().isoformat(),
        **fields,
    }
    response = client.post(f"{detail(books.account)}payments/", body)
    assert response.status_code == 400
    assert response.context["payment_form"].errors[field] == [message]
    assert state() == before


def test_a_payment_for_another_canteen_s_invoice_is_refused(client, staff, books):
    client.force_login(staff)
    before = state()
    response = client.post(
        f"{detail(books.account)}payments/",
        {
            "reference": "BOC-2",
            "amount": "10.00",
            "received_on": timezone.localdate().isoformat(),
            "invoice": books.other_invoice.pk,
        },
    )
    assert response.status_code == 400
    assert response.context["payment_form"].errors["invoice"] == [
        "This invoice is not one of the canteen's."
    ]
    assert state() == before


def test_staff_issue_a_credit_note_within_the_invoice(client, staff, books):
    client.force_login(staff)
    invoice = books.overdue_invoice
    url = f"{detail(books.account)}credit-notes/"
    before = state()
    refused = client.post(
        url, {"amount": "500.01", "reason": "菜心发黄", "invoice": invoice.pk}
    )
    assert refused.status_code == 400
    assert refused.context["credit_form"].errors["amount"] == [
        f"At most 500.00 yuan can be credited on invoice {invoice.number}."
    ]
    no_reason = client.post(url, {"amount": "5.00", "reason": " "})
    assert no_reason.context["credit_form"].errors["reason"] == [
        "Say why the canteen is credited."
    ]
    assert state() == before

    response = client.post(
        url, {"amount": "60.00", "reason": "菜心发黄", "invoice": invoice.pk}
    )
    assert response.status_code == 302
    note = CreditNote.objects.get()
    invoice.refresh_from_db()
    assert (note.amount, note.invoice, note.matched, invoice.settled) == (
        D("60.00"),
        invoice,
        D("60.00"),
        D("60.00"),
    )
    page = client.get(detail(books.account))
    assert note.number in page.content.decode()
    assert page.context["figures"].owed == D("840.00")


def test_staff_change_the_terms(client, staff, books):
    client.force_login(staff)
    url = f"{detail(books.account)}terms/"
    refused = client.post(
        url, {"credit_limit": "6000", "payment_terms_days": "-1", "is_active": "on"}
    )
    assert refused.status_code == 400
    assert refused.context["terms_form"].errors["payment_terms_days"] == [
        "Payment terms are 0 to 365 days."
    ]
    response = client.post(url, {"credit_limit": "6000.50", "payment_terms_days": "45"})
    assert response.status_code == 302
    books.account.refresh_from_db()
    assert (
        books.account.credit_limit,
        books.account.payment_terms_days,
        books.account.is_active,
    ) == (D("6000.50"), 45, False)
    event = AccountEvent.objects.filter(kind="changed").get()
    assert event.detail == {
        "before": {
            "credit_limit": "5000.00",
            "payment_terms_days": "30",
            "is_active": "True",
        },
        "after": {
            "credit_limit": "6000.50",
            "payment_terms_days": "45",
            "is_active": "False",
        },
    }


def test_an_unknown_account_is_404(client, staff):
    client.force_login(staff)
    assert client.get(f"{LIST}999/").status_code == 404
    assert client.get(f"{LIST}invoices/999.pdf").status_code == 404


# --- documents --------------------------------------------------------------------


def test_staff_download_the_month_s_statement_and_an_invoice(client, staff, books):
    client.force_login(staff)
    url = f"{detail(books.account)}statement/"
    pdf = client.get(url, {"month": this_month(), "format": "pdf"})
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert pdf["Content-Disposition"] == (
        f'inline; filename="statement-{books.account.pk}-{this_month()}.pdf"'
    )
    xlsx = client.get(url, {"month": this_month(), "format": "xlsx"})
    assert (xlsx.status_code, xlsx["Content-Type"]) == (200, XLSX)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert books.canteen.name in cells
    assert books.overdue_invoice.number in cells
    assert books.other_invoice.number not in cells
    invoice = client.get(f"{LIST}invoices/{books.overdue_invoice.pk}.pdf")
    assert (invoice.status_code, invoice["Content-Type"]) == (200, "application/pdf")
    assert invoice.content.startswith(b"%PDF-")
    assert invoice["Content-Disposition"] == (
        f'inline; filename="invoice-{books.overdue_invoice.number}.pdf"'
    )


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2026-13", "Give the month as YYYY-MM, for example 2026-10."),
        ("10/2026", "Give the month as YYYY-MM, for example 2026-10."),
        ("", "This field is required."),
    ],
)
def test_a_bad_month_is_shown_on_the_month_picker(client, staff, books, month, message):
    client.force_login(staff)
    response = client.get(
        f"{detail(books.account)}statement/", {"month": month, "format": "pdf"}
    )
    assert response.status_code == 400
    assert response.context["statement_form"].errors["month"] == [message]


def test_a_future_month_is_refused_by_the_statement(client, staff, books):
    client.force_login(staff)
    response = client.get(
        f"{detail(books.account)}statement/", {"month": next_month(), "format": "xlsx"}
    )
    assert response.status_code == 400
    assert response.context["statement_form"].errors["month"] == [FUTURE]
    assert FUTURE in response.content.decode()


# --- the canteen's page -----------------------------------------------------------


def test_buyers_and_approvers_see_their_canteen_s_account(client, books):
    for user in (books.buyer, books.approver):
        client.force_login(user)
        response = client.get(CANTEEN_PAGE)
        assert response.status_code == 200
        [section] = response.context["sections"]
        assert section.account == books.account
        figures = section.figures
        assert (
            figures.limit,
            figures.owed,
            figures.open_orders,
            figures.available,
            figures.overdue,
        ) == (D("5000.00"), D("900.00"), D("100.00"), D("4000.00"), D("500.00"))
        assert [
            (row.invoice.number, row.invoice.due_on, row.overdue)
            for row in section.open_invoices
        ] == [
            (books.overdue_invoice.number, books.overdue_invoice.due_on, True),
            (books.current_invoice.number, books.current_invoice.due_on, False),
        ]
        html = response.content.decode()
        assert '<dd class="col-sm-8 figure-owed">¥900.00</dd>' in html
        assert '<dd class="col-sm-8 figure-available">¥4,000.00</dd>' in html
        assert (
            f'href="/canteen/account/invoices/{books.overdue_invoice.pk}.pdf"' in html
        )
        assert books.other_invoice.number not in html
        assert 'id="account_tab"' in html


def test_the_canteen_page_lists_recent_payments(client, staff, books):
    services.record_bank_payment(
        account_id=books.account.pk,
        reference="CCB-77",
        amount="500.00",
        received_on=timezone.localdate(),
        actor=staff,
    )
    client.force_login(books.buyer)
    [section] = client.get(CANTEEN_PAGE).context["sections"]
    assert [(p.reference, p.amount) for p in section.payments] == [
        ("CCB-77", D("500.00"))
    ]
    assert [row.invoice.number for row in section.open_invoices] == [
        books.current_invoice.number
    ]
    assert [row.invoice.number for row in section.settled_invoices] == [
        books.overdue_invoice.number
    ]
    assert (section.figures.owed, section.figures.overdue) == (D("400.00"), D("0.00"))


def test_a_canteen_without_an_account_is_told_it_pays_by_card(client, db):
    buyer = UserFactory(username="card_buyer")
    make_canteen(name="白云区卫健局食堂", buyers=[buyer])
    client.force_login(buyer)
    response = client.get(CANTEEN_PAGE)
    assert response.status_code == 200
    [section] = response.context["sections"]
    assert section.account is None
    assert "Your canteen pays by card" in response.content.decode()


def test_another_canteen_s_invoice_and_statement_are_404(client, books):
    client.force_login(books.other_buyer)
    ours = books.overdue_invoice
    assert client.get(f"{CANTEEN_PAGE}invoices/{ours.pk}.pdf").status_code == 404
    assert (
        client.get(
            f"{CANTEEN_PAGE}{books.account.pk}/statement/",
            {"month": this_month(), "format": "pdf"},
        ).status_code
        == 404
    )
    [section] = client.get(CANTEEN_PAGE).context["sections"]
    assert section.account == books.other_account


def test_the_canteen_page_is_for_members(client, books, official, shopper, staff):
    response = client.get(CANTEEN_PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    for user in (official, shopper):
        client.force_login(user)
        assert client.get(CANTEEN_PAGE).status_code == 403
        assert (
            client.get(
                f"{CANTEEN_PAGE}invoices/{books.overdue_invoice.pk}.pdf"
            ).status_code
            == 404
        )
    client.force_login(staff)
    response = client.get(CANTEEN_PAGE)
    assert (response.status_code, response["Location"]) == (302, LIST)


def test_members_download_their_invoices_and_statements(client, books):
    client.force_login(books.approver)
    invoice = client.get(f"{CANTEEN_PAGE}invoices/{books.current_invoice.pk}.pdf")
    assert (invoice.status_code, invoice["Content-Type"]) == (200, "application/pdf")
    assert invoice.content.startswith(b"%PDF-")
    url = f"{CANTEEN_PAGE}{books.account.pk}/statement/"
    pdf = client.get(url, {"month": this_month(), "format": "pdf"})
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    xlsx = client.get(url, {"month": this_month(), "format": "xlsx"})
    assert (xlsx.status_code, xlsx["Content-Type"]) == (200, XLSX)


def test_a_bad_month_on_the_canteen_page_is_shown_with_a_400(client, books):
    client.force_login(books.buyer)
    url = f"{CANTEEN_PAGE}{books.account.pk}/statement/"
    response = client.get(url, {"month": "2026-1", "format": "pdf"})
    assert response.status_code == 400
    [section] = response.context["sections"]
    assert section.statement_form.errors["month"] == [
        "Give the month as YYYY-MM, for example 2026-10."
    ]
    future = client.get(url, {"month": next_month(), "format": "pdf"})
    assert future.status_code == 400
    [section] = future.context["sections"]
    assert section.statement_form.errors["month"] == [FUTURE]
