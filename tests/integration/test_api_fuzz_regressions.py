"""What the API fuzzer (``make fuzz``) found, kept fixed on every run: each answer
here was a 500 or one the schema did not document, and is now a 4xx or a 200 that
the fuzzer's own checks pass (``assert_documented``): status code, content type and
body as the published schema says."""

import pytest

from ledger.counter_sales import record_counter_sales
from ledger.models import CounterSaleBatch
from suppliers.models import StockMovement
from tests.factories import ProductFactory, make_household, make_lot
from tests.fuzz.schema import assert_documented, load_schema
from tests.integration.bulk import D
from tests.integration.sales import sale
from tests.integration.settlement_setup import counter_channel

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "Not found."}
ERA = ["Give a date from 2000-01-01 to 2099-12-31."]


@pytest.fixture(scope="session")
def api_schema(django_db_setup, django_db_blocker):
    # Django's request signals look at the (test) database's connection.
    with django_db_blocker.unblock():
        return load_schema()


@pytest.fixture(autouse=True)
def english(settings):
    """Pin the language: assertions read the English source strings."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def as_staff(api, staff):
    api.force_authenticate(staff)
    api.raise_request_exception = False  # a 500 is an answer to compare, not a crash
    return api


# --- 500s -------------------------------------------------------------------------


def test_a_sale_that_is_null_is_refused_at_its_place(as_staff, api_schema):
    """DRF reports a refused list item as a list of messages, not a dict by field;
    the batch's error shape took every item for a dict (AttributeError, 500)."""
    response = as_staff.post(
        "/api/v1/counter-sales/", {"reference": "GB-1", "sales": [None]}, format="json"
    )

    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": [
                {"line": 1, "field": "sales", "message": "This field may not be null."}
            ]
        },
    )
    assert CounterSaleBatch.objects.count() == 0
    assert_documented(api_schema, "POST /api/v1/counter-sales/", response)


PERIOD = {"from": "2026-01-01", "to": "2026-01-31"}


@pytest.mark.parametrize(
    ("method", "url", "label"),
    [
        ("get", "/api/v1/reports/headline/", "GET /api/v1/reports/headline/"),
        # The index takes no parameters: the schema offers no ?format= to refuse.
        ("get", "/api/v1/reports/", None),
        ("options", "/api/v1/reports/", None),
        ("options", "/api/v1/reports/county/", None),
    ],
)
def test_a_file_format_is_refused_where_there_is_no_table(
    as_staff, api_schema, method, url, label
):
    """The index, the headline and OPTIONS have no file form: a CSV or XLSX
    renderer was handed their JSON (500). Now they offer JSON alone, and refuse
    another format by name."""
    response = getattr(as_staff, method)(
        f"{url}?format=csv&from=2026-01-01&to=2026-01-31"
    )

    assert (response.status_code, response.json()) == (
        400,
        {"format": ["Choose one of: json."]},
    )
    if label:
        assert_documented(api_schema, label, response)


def test_a_table_is_still_a_file_on_request(as_staff, api_schema):
    response = as_staff.get("/api/v1/reports/county/", {**PERIOD, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert_documented(api_schema, "GET /api/v1/reports/{grouping}/", response)


@pytest.mark.parametrize(
    ("url", "period", "refused"),
    [
        # The headline and households at risk compare with the period before,
        # which starts before year 1.
        ("headline/", {"from": "0006-01-07", "to": "0006-01-07"}, "from"),
        ("households-at-risk/", {"from": "0001-01-01", "to": "0001-01-01"}, "from"),
        # A whole month ending on 9999-12-31: the day after it overflows.
        ("headline/", {"from": "9999-12-01", "to": "9999-12-31"}, "to"),
        (
            "period/",
            {"from": "9999-01-01", "to": "9999-12-31", "interval": "year"},
            "to",
        ),
    ],
)
def test_a_period_outside_the_ledgers_era_is_refused_by_name(
    as_staff, api_schema, url, period, refused
):
    response = as_staff.get(f"/api/v1/reports/{url}", period)

    assert (response.status_code, response.json()) == (400, {refused: ERA})


def test_the_era_itself_is_a_period(as_staff):
    response = as_staff.get(
        "/api/v1/reports/headline/", {"from": "2000-01-01", "to": "2000-01-31"}
    )

    assert response.status_code == 200


# --- answers the schema did not document ------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "label"),
    [
        ("get", "/api/v1/lots/0.5/", "GET /api/v1/lots/{id}/"),
        (
            "post",
            "/api/v1/allocations/abc/accept/",
            "POST /api/v1/allocations/{id}/accept/",
        ),
        ("get", "/api/v1/invoices/1e-300/pdf/", "GET /api/v1/invoices/{id}/pdf/"),
    ],
)
def test_an_id_that_is_not_a_number_answers_the_apis_404(
    as_staff, api_schema, method, url, label
):
    """Such a URL matches no route, so Django answered its HTML 404 page."""
    response = getattr(as_staff, method)(url)

    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json() == NOT_FOUND
    assert_documented(api_schema, label, response)


def test_an_unknown_page_of_the_site_is_still_html(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_drfs_own_refusals_are_documented(api, staff, api_schema):
    """Not signed in, a page past the end, a body of another type, a body that
    is not JSON, and the lot import's fields (refused before its rows are read):
    DRF answers them before the views, so no view's schema said so."""
    anonymous = api.get("/api/v1/products/")
    api.force_authenticate(staff)
    answers = {
        "GET /api/v1/products/": [anonymous, api.get("/api/v1/products/?page=9")],
        "POST /api/v1/households/": [
            api.post("/api/v1/households/", "size=3", content_type="text/plain")
        ],
        "POST /api/v1/counter-sales/": [
            api.post("/api/v1/counter-sales/", "\x00", content_type="application/json")
        ],
        "POST /api/v1/lots/import/": [
            api.post("/api/v1/lots/import/", {}, format="multipart")
        ],
    }

    codes = {label: [r.status_code for r in rs] for label, rs in answers.items()}
    assert codes == {
        "GET /api/v1/products/": [401, 404],
        "POST /api/v1/households/": [415],
        "POST /api/v1/counter-sales/": [400],
        "POST /api/v1/lots/import/": [400],
    }
    for label, responses in answers.items():
        for response in responses:
            assert_documented(api_schema, label, response)


def test_a_token_of_nobody_is_refused_as_documented(api, api_schema):
    response = api.get("/api/v1/villages/", HTTP_AUTHORIZATION="Token nope")

    assert (response.status_code, response.json()) == (
        401,
        {"detail": "Invalid token."},
    )
    assert_documented(api_schema, "GET /api/v1/villages/", response)


# --- nulls the schema said were strings -------------------------------------------


@pytest.fixture
def unattributed(cooperative, staff):
    """A counter sale recorded by no user, naming no cooperative or lot; a lot
    received by no user; a product of no village."""
    channel = counter_channel()
    rice = ProductFactory(title="连州大米 5 kg", upc="LZ-RICE-5", net_weight_kg=D("5"))
    make_lot(cooperative=cooperative, product=rice, kg="50")
    batch = record_counter_sales(rows=[sale(kg="10")], reference="GB-0601")
    return {"channel": channel, "batch": batch, "product": rice}


@pytest.mark.parametrize(
    ("url", "label", "field"),
    [
        ("/api/v1/counter-sales/", "GET /api/v1/counter-sales/", "recorded_by"),
        ("/api/v1/counter-sales/{batch}/", "GET /api/v1/counter-sales/{id}/", "lot"),
        ("/api/v1/products/{product}/", "GET /api/v1/products/{id}/", "origin_village"),
        (
            "/api/v1/stock-movements/{movement}/",
            "GET /api/v1/stock-movements/{id}/",
            "actor",
        ),
        (
            "/api/v1/households/{household}/",
            "GET /api/v1/households/{id}/",
            "changed_by",
        ),
    ],
)
def test_a_field_that_may_be_null_is_documented_nullable(
    as_staff, api_schema, unattributed, cooperative, url, label, field
):
    ids = {
        "batch": unattributed["batch"].pk,
        "product": unattributed["product"].pk,
        "movement": StockMovement.objects.order_by("pk").first().pk,
        "household": make_household(cooperative=cooperative).pk,
    }

    response = as_staff.get(url.format(**ids))

    assert response.status_code == 200
    assert f'"{field}":null' in response.content.decode()
    assert_documented(api_schema, label, response)


# --- pages the schema said were lists ---------------------------------------------


@pytest.mark.parametrize("url", ["entries/", "households-at-risk/"])
def test_report_lists_are_documented_as_pages(as_staff, api_schema, cooperative, url):
    make_household(cooperative=cooperative)

    response = as_staff.get(f"/api/v1/reports/{url}", PERIOD)

    assert response.status_code == 200
    assert set(response.json()) == {"count", "next", "previous", "results"}
    assert_documented(api_schema, f"GET /api/v1/reports/{url}", response)
