"""API plumbing: token authentication, anonymous refusal, the OpenAPI schema and its
docs page, and paginated lists."""

import pytest
from rest_framework.authtoken.models import Token

from suppliers.models import Village
from tests.factories import (
    PASSWORD,
    UserFactory,
    VillageFactory,
    lot_body,
    make_household,
    make_lot,
    supply_state,
)

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
LISTS = [
    "/api/v1/",
    "/api/v1/products/",
    "/api/v1/villages/",
    "/api/v1/cooperatives/",
    "/api/v1/households/",
    "/api/v1/lots/",
    "/api/v1/stock-movements/",
]
NOT_SIGNED_IN = {"detail": "Authentication credentials were not provided."}


@pytest.fixture(autouse=True)
def english(settings):
    """Pin the language: assertions read the English source strings."""
    settings.LANGUAGE_CODE = "en"


def obtain_token(api, username, password):
    return api.post(
        TOKEN_URL, {"username": username, "password": password}, format="json"
    )


# --- token authentication -----------------------------------------------------------


def test_token_is_issued_for_username_and_password(api, manager):
    first = obtain_token(api, "manager_a", PASSWORD)
    second = obtain_token(api, "manager_a", PASSWORD)

    token = Token.objects.get()
    assert (token.user, first.status_code, second.status_code) == (manager, 200, 200)
    assert first.json() == second.json() == {"token": token.key}


def test_token_can_be_obtained_with_a_form_body(api, manager):
    response = api.post(TOKEN_URL, {"username": "manager_a", "password": PASSWORD})

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=manager).key}


@pytest.mark.parametrize(
    ("username", "password"),
    [("manager_a", "wrong-password"), ("nobody", PASSWORD), ("MANAGER_A", PASSWORD)],
)
def test_wrong_credentials_answer_400_and_issue_no_token(
    api, manager, username, password
):
    response = obtain_token(api, username, password)

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Unable to log in with provided credentials."]
    }
    assert not Token.objects.exists()


def test_inactive_user_gets_no_token(api):
    UserFactory(username="gone", is_active=False)

    response = obtain_token(api, "gone", PASSWORD)

    assert response.status_code == 400
    assert not Token.objects.exists()


def test_missing_credentials_are_named_field_by_field(api):
    response = api.post(TOKEN_URL, {}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "username": ["This field is required."],
        "password": ["This field is required."],
    }


def test_token_authenticates_as_its_user(api, manager, cooperative, other_cooperative):
    own = make_household(cooperative=cooperative)
    make_household(cooperative=other_cooperative)
    token = obtain_token(api, "manager_a", PASSWORD).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api.get("/api/v1/households/")

    assert response.status_code == 200
    assert [h["id"] for h in response.json()["results"]] == [own.pk]


def test_token_authenticates_writes_without_csrf(api, manager, cooperative, product):
    household = make_household(cooperative=cooperative)
    token = obtain_token(api, "manager_a", PASSWORD).json()["token"]
    api = type(api)(enforce_csrf_checks=True)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api.post(
        "/api/v1/lots/",
        lot_body(product=product, shares=[(household, "10")]),
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["code"] == "API-001"


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Token not-a-real-token", "Invalid token."),
        ("Token", "Invalid token header. No credentials provided."),
        ("Token a b", "Invalid token header. Token string should not contain spaces."),
    ],
)
def test_bad_token_answers_401(api, manager, header, detail):
    api.credentials(HTTP_AUTHORIZATION=header)

    response = api.get("/api/v1/lots/")

    assert response.status_code == 401
    assert response.json() == {"detail": detail}


def test_token_of_a_deactivated_user_stops_working(api, manager):
    token = obtain_token(api, "manager_a", PASSWORD).json()["token"]
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api.get("/api/v1/lots/")

    assert response.status_code == 401
    assert response.json() == {"detail": "User inactive or deleted."}


# --- anonymous ----------------------------------------------------------------------


@pytest.mark.parametrize("path", LISTS)
def test_anonymous_is_refused_every_list(api, path):
    response = api.get(path)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == NOT_SIGNED_IN


OBJECTS_AND_WRITES = [
    ("post", "/api/v1/lots/"),
    ("post", "/api/v1/lots/{lot}/adjust/"),
    ("post", "/api/v1/lots/{lot}/write-off/"),
    ("post", "/api/v1/lots/import/"),
    ("post", "/api/v1/households/"),
    ("patch", "/api/v1/households/{household}/"),
    ("post", "/api/v1/households/{household}/status/"),
    ("patch", "/api/v1/cooperatives/{cooperative}/"),
    ("get", "/api/v1/lots/{lot}/"),
    ("get", "/api/v1/households/{household}/"),
    ("get", "/api/v1/cooperatives/{cooperative}/"),
    ("get", "/api/v1/stock-movements/{movement}/"),
]


def test_anonymous_is_refused_every_object_and_write(api, cooperative, product):
    household = make_household(cooperative=cooperative)
    lot = make_lot(cooperative=cooperative, product=product, households=[household])
    ids = {
        "lot": lot.pk,
        "household": household.pk,
        "cooperative": cooperative.pk,
        "movement": lot.movements.get().pk,
    }
    body = {"kg": "-1", "reason": "x", "size": 4}
    before = supply_state()

    answers = {
        f"{method} {path}": (response.status_code, response.json())
        for method, path in OBJECTS_AND_WRITES
        for response in [getattr(api, method)(path.format(**ids), body, format="json")]
    }

    assert answers == {f"{m} {p}": (401, NOT_SIGNED_IN) for m, p in OBJECTS_AND_WRITES}
    assert supply_state() == before


# --- schema and docs ----------------------------------------------------------------


def test_openapi_schema_renders_every_endpoint(api):
    response = api.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Nongjia API"
    assert {
        "/api/v1/auth/token/",
        "/api/v1/products/",
        "/api/v1/villages/",
        "/api/v1/cooperatives/",
        "/api/v1/cooperatives/{id}/",
        "/api/v1/households/",
        "/api/v1/households/{id}/",
        "/api/v1/households/{id}/status/",
        "/api/v1/lots/",
        "/api/v1/lots/{id}/",
        "/api/v1/lots/{id}/adjust/",
        "/api/v1/lots/{id}/write-off/",
        "/api/v1/lots/import/",
        "/api/v1/stock-movements/",
        "/api/v1/stock-movements/{id}/",
    } <= set(schema["paths"])
    # Only the writes that services back exist: no PUT, no DELETE on supply.
    supply = ("/api/v1/lots", "/api/v1/households", "/api/v1/cooperatives")
    methods = {
        method
        for path, item in schema["paths"].items()
        if path.startswith(supply)
        for method in item
    }
    assert methods == {"get", "post", "patch"}
    import_400 = schema["paths"]["/api/v1/lots/import/"]["post"]["responses"]["400"]
    # The file's rows by line, or the request's fields (refused first) by name.
    import_400_shapes = import_400["content"]["application/json"]["schema"]["anyOf"]
    assert import_400_shapes[0] == {"$ref": "#/components/schemas/LotImportErrors"}


def test_openapi_schema_renders_as_yaml(api):
    response = api.get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"/api/v1/lots/{id}/adjust/:" in response.content


def test_docs_page_loads_the_schema_from_our_own_static_files(api):
    response = api.get("/api/docs/")
    # Swagger UI's set-up script is a file of its own (no inline script for the
    # Content-Security-Policy to allow).
    script = api.get("/api/docs/", {"script": ""})

    assert response.status_code == script.status_code == 200
    content = response.content.decode()
    assert '<script src="/api/docs/?script="></script>' in content
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in content
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


# --- pagination ---------------------------------------------------------------------


def test_lists_are_paginated_with_count_next_and_results(api, staff):
    villages = [VillageFactory() for _ in range(3)]
    api.force_authenticate(staff)

    first = api.get("/api/v1/villages/", {"page_size": 2})
    second = api.get(first.json()["next"])

    assert first.status_code == second.status_code == 200
    assert first.json()["count"] == 3
    assert (
        first.json()["next"] == "http://testserver/api/v1/villages/?page=2&page_size=2"
    )
    assert first.json()["previous"] is None
    assert second.json()["next"] is None
    ids = [v["id"] for v in first.json()["results"] + second.json()["results"]]
    assert ids == [v.pk for v in villages]


def test_page_size_is_capped_at_200(api, shopper):
    town = VillageFactory().town
    Village.objects.bulk_create(
        Village(town=town, name=f"村{number:03d}") for number in range(250)
    )
    api.force_authenticate(shopper)

    default = api.get("/api/v1/villages/")
    capped = api.get("/api/v1/villages/", {"page_size": 100000})
    last = api.get("/api/v1/villages/", {"page_size": 100000, "page": 2})

    assert (default.json()["count"], len(default.json()["results"])) == (251, 50)
    assert (capped.json()["count"], len(capped.json()["results"])) == (251, 200)
    assert len(last.json()["results"]) == 51
    assert last.json()["next"] is None


@pytest.mark.parametrize("page_size", ["0", "-1", "abc", "1e9"])
def test_unusable_page_size_falls_back_to_the_default(api, shopper, page_size):
    town = VillageFactory().town
    Village.objects.bulk_create(
        Village(town=town, name=f"村{number:03d}") for number in range(59)
    )
    api.force_authenticate(shopper)

    response = api.get("/api/v1/villages/", {"page_size": page_size})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 50


@pytest.mark.parametrize("page", ["2", "0", "abc", str(2**70)])
def test_page_out_of_range_answers_404(api, shopper, page):
    VillageFactory()
    api.force_authenticate(shopper)

    response = api.get("/api/v1/villages/", {"page": page})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}
