"""The canteen-account API for each role: staff see every account, a canteen's
buyers and approvers their canteen's (another's answers 404), officials and
others none; only staff record bank payments (403, nothing written); a
service's refusal answers 400 on its field; bad query strings are refused by
name."""

import datetime
import io

import pytest
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS
from openpyxl import load_workbook

from billing.models import BankPayment, JournalEntry, Match
from tests.integration.billing_roles import next_month, this_month, two_canteens

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/v1/canteen-accounts/"
INVOICES = "/api/v1/invoices/"
PAYMENTS = "/api/v1/bank-payments/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_FOUND = {"detail": "Not found."}
NOT_STAFF = {"detail": "Only platform staff can change canteen accounts."}
NOT_SIGNED_IN = {"detail": "Authentication credentials were not provided."}


@pytest.fixture
def books(cooperative, staff):
    return two_canteens(cooperative=cooperative, staff=staff)


def ours(books) -> dict:
    return {
        "id": books.account.pk,
        "canteen": books.canteen.pk,
        "canteen_name": books.canteen.name,
        "payment_terms_days": 30,
        "is_active": True,
        "opened_at": books.account.created_at.astimezone(
            timezone.get_current_timezone()
        ).isoformat(),
        "limit": "5000.00",
        "owed": "900.00",
        "open_orders": "100.00",
        "available": "4000.00",
        "overdue": "500.00",
    }


def theirs(books) -> dict:
    return {
        **ours(books),
        "id": books.other_account.pk,
        "canteen": books.other.pk,
        "canteen_name": "越秀区第一中学食堂",
        "opened_at": books.other_account.created_at.astimezone(
            timezone.get_current_timezone()
        ).isoformat(),
        "limit": "800.00",
        "owed": "50.00",
        "open_orders": "0.00",
        "available": "750.00",
        "overdue": "0.00",
    }


def payment_body(books, **changes) -> dict:
    return {
        "account": books.account.pk,
        "reference": "ICBC-20261125-001",
        "amount": "600.00",
        "received_on": timezone.localdate().isoformat(),
        **changes,
    }


def money_state() -> tuple:
    return (
        list(BankPayment.objects.values_list()),
        list(Match.objects.values_list()),
        JournalEntry.objects.count(),
    )


# --- accounts ---------------------------------------------------------------------


def test_staff_list_every_account_with_its_figures(api, staff, books):
    api.force_authenticate(staff)
    response = api.get(ACCOUNTS)
    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [ours(books), theirs(books)],
    }


def test_a_canteen_s_buyer_and_approver_see_their_account_only(api, books):
    for user in (books.buyer, books.approver):
        api.force_authenticate(user)
        assert api.get(ACCOUNTS).json()["results"] == [ours(books)]
        assert api.get(f"{ACCOUNTS}{books.account.pk}/").json() == ours(books)
        other = api.get(f"{ACCOUNTS}{books.other_account.pk}/")
        assert (other.status_code, other.json()) == (404, NOT_FOUND)
    api.force_authenticate(books.other_buyer)
    assert api.get(ACCOUNTS).json()["results"] == [theirs(books)]
    assert api.get(f"{ACCOUNTS}{books.account.pk}/").status_code == 404


def test_officials_and_shoppers_see_no_account_and_visitors_are_refused(
    api, books, official, shopper
):
    for user in (official, shopper):
        api.force_authenticate(user)
        assert api.get(ACCOUNTS).json()["results"] == []
        assert api.get(f"{ACCOUNTS}{books.account.pk}/").status_code == 404
        assert api.get(INVOICES).json()["results"] == []
        assert api.get(PAYMENTS).json()["results"] == []
    api.force_authenticate(None)
    for url in (
        ACCOUNTS,
        f"{ACCOUNTS}{books.account.pk}/",
        f"{ACCOUNTS}{books.account.pk}/statement/?month={this_month()}",
        INVOICES,
        f"{INVOICES}{books.overdue_invoice.pk}/pdf/",
        PAYMENTS,
    ):
        response = api.get(url)
        assert (response.status_code, response.json()) == (401, NOT_SIGNED_IN), url
    assert api.post(PAYMENTS, payment_body(books), format="json").status_code == 401


def test_the_account_list_takes_the_same_queries_for_any_number_of_accounts(
    api, staff, books, django_assert_max_num_queries
):
    api.force_authenticate(staff)
    # count, page, owed, open orders, overdue (authentication is forced).
    with django_assert_max_num_queries(5):
        assert len(api.get(ACCOUNTS).json()["results"]) == 2


def test_accounts_are_read_only(api, staff, books):
    api.force_authenticate(staff)
    assert api.post(ACCOUNTS, {}, format="json").status_code == 405
    assert api.patch(f"{ACCOUNTS}{books.account.pk}/", {}).status_code == 405


# --- invoices ---------------------------------------------------------------------


def test_invoices_are_listed_by_account_and_overdue(api, staff, books):
    api.force_authenticate(staff)
    every = [i["number"] for i in api.get(INVOICES).json()["results"]]
    assert sorted(every) == sorted(
        [
            books.overdue_invoice.number,
            books.current_invoice.number,
            books.other_invoice.number,
        ]
    )

    def numbers(**params):
        return [i["number"] for i in api.get(INVOICES, params).json()["results"]]

    assert numbers(overdue="true") == [books.overdue_invoice.number]
    assert sorted(numbers(overdue="false")) == sorted(
        [books.current_invoice.number, books.other_invoice.number]
    )
    assert numbers(account=books.other_account.pk) == [books.other_invoice.number]
    assert numbers(account=books.account.pk, overdue="false") == [
        books.current_invoice.number
    ]


def test_an_invoice_shows_its_lines_and_flags(api, books):
    invoice = books.overdue_invoice
    api.force_authenticate(books.approver)
    response = api.get(f"{INVOICES}{invoice.pk}/")
    assert response.status_code == 200
    assert response.json() == {
        "id": invoice.pk,
        "number": invoice.number,
        "account": books.account.pk,
        "canteen_name": books.canteen.name,
        "order_number": invoice.bulk_order.order.number,
        "issued_on": invoice.issued_on.isoformat(),
        "due_on": invoice.due_on.isoformat(),
        "ordered_amount": "500.00",
        "amount": "500.00",
        "settled": "0.00",
        "outstanding": "500.00",
        "overdue": True,
        "lines": [
            {
                "title": "连州大米",
                "unit_kg": "1.000",
                "unit_price": "12.50",
                "ordered_kg": "40.000",
                "received_kg": "40.000",
                "ordered_amount": "500.00",
                "amount": "500.00",
                "not_charged": "0.00",
            }
        ],
    }
    listed = api.get(INVOICES).json()["results"]
    assert "lines" not in listed[0]
    assert sorted(i["number"] for i in listed) == sorted(
        [books.overdue_invoice.number, books.current_invoice.number]
    )


def test_another_canteen_s_invoice_and_its_pdf_are_404(api, books):
    api.force_authenticate(books.other_buyer)
    invoice = books.overdue_invoice
    for url in (f"{INVOICES}{invoice.pk}/", f"{INVOICES}{invoice.pk}/pdf/"):
        response = api.get(url)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), url


def test_an_invoice_pdf(api, books):
    api.force_authenticate(books.buyer)
    response = api.get(f"{INVOICES}{books.current_invoice.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"overdue": "maybe"}, {"overdue": ["Must be a valid boolean."]}),
        ({"account": "x"}, {"account": ["A valid integer is required."]}),
        ({"acount": "1"}, {"acount": ["Unknown parameter."]}),
    ],
)
def test_bad_invoice_filters_are_refused_by_name(api, staff, books, params, errors):
    api.force_authenticate(staff)
    response = api.get(INVOICES, params)
    assert (response.status_code, response.json()) == (400, errors)


# --- bank payments ----------------------------------------------------------------


def test_staff_record_a_bank_payment_and_get_its_matches(api, staff, books):
    api.force_authenticate(staff)
    response = api.post(PAYMENTS, payment_body(books, note="十月货款"), format="json")
    assert response.status_code == 201
    payment = BankPayment.objects.get()
    body = response.json()
    assert body == {
        "id": payment.pk,
        "account": books.account.pk,
        "reference": "ICBC-20261125-001",
        "amount": "600.00",
        "received_on": timezone.localdate().isoformat(),
        "invoice": None,
        "note": "十月货款",
        "matched": "600.00",
        "unmatched": "0.00",
        "matches": [
            {
                "invoice": books.overdue_invoice.pk,
                "invoice_number": books.overdue_invoice.number,
                "amount": "500.00",
            },
            {
                "invoice": books.current_invoice.pk,
                "invoice_number": books.current_invoice.number,
                "amount": "100.00",
            },
        ],
        "recorded_by": "staff",
        "recorded_at": body["recorded_at"],
    }
    account = api.get(f"{ACCOUNTS}{books.account.pk}/").json()
    assert (account["owed"], account["overdue"], account["available"]) == (
        "300.00",
        "0.00",
        "4600.00",
    )


def test_a_payment_for_a_named_invoice_settles_it_first(api, staff, books):
    api.force_authenticate(staff)
    invoice = books.current_invoice
    response = api.post(
        PAYMENTS,
        payment_body(books, amount="400.00", invoice=invoice.pk),
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["matches"] == [
        {"invoice": invoice.pk, "invoice_number": invoice.number, "amount": "400.00"}
    ]


def test_the_same_transfer_sent_twice_is_refused_on_the_reference(api, staff, books):
    api.force_authenticate(staff)
    assert api.post(PAYMENTS, payment_body(books), format="json").status_code == 201
    before = money_state()
    again = api.post(PAYMENTS, payment_body(books), format="json")
    assert (again.status_code, again.json()) == (
        400,
        {"reference": ["A payment with this bank reference is recorded already."]},
    )
    assert money_state() == before


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"amount": "abc"}, {"amount": ["Give an amount in yuan."]}),
        ({"amount": "0"}, {"amount": ["The amount must be above zero."]}),
        (
            {"amount": "1.234"},
            {"amount": ["Give the amount in yuan and fen (two decimals at most)."]},
        ),
        (
            {"reference": " "},
            {"reference": ["Give the bank's reference for the transfer."]},
        ),
        (
            {"received_on": "2999-01-01"},
            {"received_on": ["The date cannot be in the future."]},
        ),
        (
            {"received_on": "25/11/2026"},
            {
                "received_on": [
                    "Date has wrong format. Use one of these formats instead: "
                    "YYYY-MM-DD."
                ]
            },
        ),
        (
            {"account": 999999},
            {"account": ['Invalid pk "999999" - object does not exist.']},
        ),
        ({"account": None}, {"account": ["This field may not be null."]}),
        ({"invoice": "x"}, {"invoice": ["A valid integer is required."]}),
    ],
)
def test_a_refused_payment_answers_400_on_its_field(api, staff, books, changes, errors):
    api.force_authenticate(staff)
    before = money_state()
    response = api.post(PAYMENTS, payment_body(books, **changes), format="json")
    assert (response.status_code, response.json()) == (400, errors)
    assert money_state() == before


def test_a_payment_naming_another_canteen_s_invoice_is_refused(api, staff, books):
    api.force_authenticate(staff)
    before = money_state()
    response = api.post(
        PAYMENTS, payment_body(books, invoice=books.other_invoice.pk), format="json"
    )
    assert (response.status_code, response.json()) == (
        400,
        {"invoice": ["This invoice is not one of the canteen's."]},
    )
    assert money_state() == before


def test_only_staff_record_payments(api, books, official):
    before = money_state()
    for user in (books.buyer, books.approver, books.other_buyer, official):
        api.force_authenticate(user)
        response = api.post(PAYMENTS, payment_body(books), format="json")
        assert (response.status_code, response.json()) == (403, NOT_STAFF), user
    assert money_state() == before


def test_members_read_their_canteen_s_payments(api, staff, books):
    api.force_authenticate(staff)
    created = api.post(PAYMENTS, payment_body(books), format="json").json()
    other = api.post(
        PAYMENTS,
        payment_body(books, account=books.other_account.pk, reference="BOC-9"),
        format="json",
    ).json()
    assert [p["id"] for p in api.get(PAYMENTS).json()["results"]] == [
        other["id"],
        created["id"],
    ]
    filtered = api.get(PAYMENTS, {"account": books.other_account.pk}).json()
    assert [p["id"] for p in filtered["results"]] == [other["id"]]
    api.force_authenticate(books.approver)
    assert api.get(PAYMENTS).json()["results"] == [created]
    assert api.get(f"{PAYMENTS}{created['id']}/").json() == created
    api.force_authenticate(books.other_buyer)
    assert [p["id"] for p in api.get(PAYMENTS).json()["results"]] == [other["id"]]
    assert api.get(f"{PAYMENTS}{created['id']}/").status_code == 404
    bad = api.get(PAYMENTS, {"acount": "1"})
    assert (bad.status_code, bad.json()) == (400, {"acount": ["Unknown parameter."]})


# --- statements -------------------------------------------------------------------


def statement_url(account) -> str:
    return f"{ACCOUNTS}{account.pk}/statement/"


def test_the_month_s_statement_as_json(api, books):
    api.force_authenticate(books.buyer)
    response = api.get(statement_url(books.account), {"month": this_month()})
    assert response.status_code == 200
    body = response.json()
    today = timezone.localdate()
    assert {
        key: body[key]
        for key in (
            "account",
            "canteen_name",
            "month",
            "as_of",
            "opening_balance",
            "debits",
            "credits",
            "closing_balance",
            "credit_limit",
            "outstanding",
            "overdue",
        )
    } == {
        "account": books.account.pk,
        "canteen_name": books.canteen.name,
        "month": this_month(),
        "as_of": today.isoformat(),
        "opening_balance": "0.00",
        "debits": "900.00",
        "credits": "0.00",
        "closing_balance": "900.00",
        "credit_limit": "5000.00",
        "outstanding": "900.00",
        "overdue": "500.00",
    }
    assert [
        (e["kind"], e["document"], e["debit"], e["balance"]) for e in body["entries"]
    ] == [
        ("invoice", books.overdue_invoice.number, "500.00", "500.00"),
        ("invoice", books.current_invoice.number, "400.00", "900.00"),
    ]
    assert [(i["number"], i["overdue"]) for i in body["open_invoices"]] == [
        (books.overdue_invoice.number, True),
        (books.current_invoice.number, False),
    ]


def test_the_month_s_statement_as_pdf_and_xlsx(api, staff, books):
    api.force_authenticate(staff)
    url = statement_url(books.account)
    pdf = api.get(url, {"month": this_month(), "format": "pdf"})
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF-")
    assert pdf["Content-Disposition"] == (
        f'inline; filename="statement-{books.account.pk}-{this_month()}.pdf"'
    )
    xlsx = api.get(url, {"month": this_month(), "format": "xlsx"})
    assert (xlsx.status_code, xlsx["Content-Type"]) == (200, XLSX)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert books.canteen.name in cells


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({}, {"month": ["This field is required."]}),
        (
            {"month": "2026-13"},
            {"month": ["Give the month as YYYY-MM, for example 2026-10."]},
        ),
        (
            {"month": "October"},
            {"month": ["Give the month as YYYY-MM, for example 2026-10."]},
        ),
        (
            {"month": "2026-10", "format": "doc"},
            {"format": ["Choose json, pdf or xlsx."]},
        ),
        ({"month": "2026-10", "year": "2026"}, {"year": ["Unknown parameter."]}),
    ],
)
def test_a_bad_statement_query_is_refused_by_name(api, staff, books, params, errors):
    api.force_authenticate(staff)
    response = api.get(statement_url(books.account), params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == errors


@pytest.mark.parametrize("file_format", ["json", "pdf", "xlsx"])
def test_a_future_month_is_refused(api, staff, books, file_format):
    api.force_authenticate(staff)
    response = api.get(
        statement_url(books.account), {"month": next_month(), "format": file_format}
    )
    assert (response.status_code, response["Content-Type"], response.json()) == (
        400,
        "application/json",
        {"month": ["There is no statement yet for a month in the future."]},
    )


def test_a_month_before_the_account_opened_is_refused(api, staff, books):
    api.force_authenticate(staff)
    opened = timezone.localdate(books.account.created_at)
    before = (opened.replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    response = api.get(statement_url(books.account), {"month": before})
    assert (response.status_code, response.json()) == (
        400,
        {
            "month": [
                f"The account was opened in {opened.strftime('%Y-%m')}: there is "
                "no statement before."
            ]
        },
    )


def test_another_canteen_s_statement_is_404(api, books):
    api.force_authenticate(books.other_buyer)
    response = api.get(
        statement_url(books.account), {"month": this_month(), "format": "pdf"}
    )
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


# --- schema -----------------------------------------------------------------------


def test_the_schema_documents_the_accounts_without_warnings(api):
    GENERATOR_STATS.reset()
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert not GENERATOR_STATS._warn_cache
    assert not GENERATOR_STATS._error_cache
    paths = response.json()["paths"]
    assert {
        path: sorted(paths[path])
        for path in (
            "/api/v1/canteen-accounts/",
            "/api/v1/canteen-accounts/{id}/",
            "/api/v1/canteen-accounts/{id}/statement/",
            "/api/v1/invoices/",
            "/api/v1/invoices/{id}/",
            "/api/v1/invoices/{id}/pdf/",
            "/api/v1/bank-payments/",
            "/api/v1/bank-payments/{id}/",
        )
    } == {
        "/api/v1/canteen-accounts/": ["get"],
        "/api/v1/canteen-accounts/{id}/": ["get"],
        "/api/v1/canteen-accounts/{id}/statement/": ["get"],
        "/api/v1/invoices/": ["get"],
        "/api/v1/invoices/{id}/": ["get"],
        "/api/v1/invoices/{id}/pdf/": ["get"],
        "/api/v1/bank-payments/": ["get", "post"],
        "/api/v1/bank-payments/{id}/": ["get"],
    }
    statement = paths["/api/v1/canteen-accounts/{id}/statement/"]["get"]
    assert sorted(statement["responses"]["200"]["content"]) == [
        "application/json",
        "application/pdf",
        XLSX,
    ]
    assert {p["name"] for p in statement["parameters"]} == {"id", "month", "format"}
    invoices = {p["name"] for p in paths["/api/v1/invoices/"]["get"]["parameters"]}
    assert {"account", "overdue", "page", "page_size"} <= invoices
    ids = [op["operationId"] for item in paths.values() for op in item.values()]
    assert len(ids) == len(set(ids))
