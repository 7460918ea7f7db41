"""A lost database answers 503 with Retry-After (JSON on the API, a small page
elsewhere), logged as a warning; other database errors stay 500s."""

import logging
import runpy
from unittest import mock

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import IntegrityError, InterfaceError, OperationalError, connection
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.authtoken.models import Token

from shop.api.products import ProductViewSet
from shop.outage import RETRY_AFTER_SECONDS

# What psycopg says when PostgreSQL goes away: it names the host, which the
# client must never see.
LOST = "server closed the connection unexpectedly (host 10.9.8.7, user shopadmin)"
MESSAGE = "The service is temporarily unavailable. Please try again shortly."


def database_down():
    """Every query fails the way a connection to a stopped server does."""
    return mock.patch.object(
        connection, "ensure_connection", side_effect=OperationalError(LOST)
    )


def assert_unavailable(response):
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-cache" in response["Cache-Control"]
    assert b"10.9.8.7" not in response.content
    assert b"shopadmin" not in response.content
    assert b"Traceback" not in response.content


@pytest.mark.parametrize("error", [OperationalError(LOST), InterfaceError(LOST)])
def test_an_api_request_answers_503_json_when_the_connection_fails(
    api, shopper, caplog, error
):
    api.force_authenticate(shopper)
    with (
        mock.patch.object(ProductViewSet, "get_queryset", side_effect=error),
        caplog.at_level(logging.WARNING, logger="shop.outage"),
    ):
        response = api.get("/api/v1/products/")

    assert_unavailable(response)
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": MESSAGE, "code": "service_unavailable"}
    [record] = caplog.records
    assert (record.name, record.levelname) == ("shop.outage", "WARNING")
    assert record.getMessage() == (
        f"Database unavailable, answered 503 for /api/v1/products/: "
        f"{type(error).__name__}: {LOST}"
    )


def test_an_api_request_answers_503_json_when_the_database_is_down(api, shopper):
    # The token's lookup is the request's first query: it fails inside DRF.
    token = Token.objects.create(user=shopper)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    with database_down():
        response = api.get("/api/v1/products/")

    assert_unavailable(response)
    assert response.json()["code"] == "service_unavailable"


def test_a_page_answers_the_503_page_without_touching_the_database(client, db):
    with database_down():
        response = client.get("/catalogue/")

    assert_unavailable(response)
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert page.startswith("<!DOCTYPE html>")
    chinese, english = page.split('<section lang="en">')
    with translation.override("zh-hans"):
        heading = gettext("Service temporarily unavailable")
    assert f'<section lang="zh-hans">\n    <h1>{heading}</h1>' in chinese
    assert "<h1>Service temporarily unavailable</h1>" in english
    assert MESSAGE in english
    assert f'content="{RETRY_AFTER_SECONDS}"' in page  # reloads itself
    assert "<link" not in page  # self-contained: no static file to fetch


def test_the_site_answers_again_as_soon_as_the_database_is_back(client, db):
    with database_down():
        assert client.get("/catalogue/").status_code == 503

    assert client.get("/catalogue/").status_code == 200


def test_an_integrity_error_stays_a_500(api, shopper):
    # A constraint violation is a bug, not an outage: retrying will not help.
    api.force_authenticate(shopper)
    api.raise_request_exception = False
    error = IntegrityError("duplicate key value violates unique constraint")
    with mock.patch.object(ProductViewSet, "get_queryset", side_effect=error):
        response = api.get("/api/v1/products/")

    assert response.status_code == 500
    assert "Retry-After" not in response


def test_a_page_with_another_database_error_stays_a_500(db):
    client = Client(raise_request_exception=False)
    error = IntegrityError("duplicate key value violates unique constraint")
    with mock.patch.object(connection, "ensure_connection", side_effect=error):
        response = client.get("/catalogue/")

    assert response.status_code == 500
    assert "Retry-After" not in response


def test_a_database_lost_in_a_middleware_answers_503_too(db, caplog):
    # The view answered; saving the session after it found the database gone.
    # Django turns that into a response before any middleware sees it: the
    # handler500 view answers the outage page.
    client = Client(raise_request_exception=False)
    error = OperationalError(LOST)
    with (
        mock.patch.object(SessionMiddleware, "process_response", side_effect=error),
        caplog.at_level(logging.WARNING),
    ):
        response = client.get("/catalogue/")

    assert_unavailable(response)
    assert MESSAGE in response.content.decode()
    # One warning, not Django's ERROR with a traceback.
    assert [(r.name, r.levelname) for r in caplog.records] == [
        ("shop.outage", "WARNING")
    ]


def test_another_error_in_a_middleware_is_still_the_plain_500(db):
    client = Client(raise_request_exception=False)
    error = ValueError("a bug")
    with mock.patch.object(SessionMiddleware, "process_response", side_effect=error):
        response = client.get("/catalogue/")

    assert response.status_code == 500
    assert "Retry-After" not in response
    assert b"Service temporarily unavailable" not in response.content


def test_reused_postgresql_connections_are_checked_before_use(monkeypatch, settings):
    # A connection broken by a PostgreSQL restart is replaced at the next
    # request's first query instead of failing it: what makes recovery automatic.
    monkeypatch.setenv("DATABASE_URL", "postgres://shop@db.example:5432/nongjia")
    base = runpy.run_path(str(settings.BASE_DIR / "shop" / "settings" / "base.py"))

    default = base["DATABASES"]["default"]
    assert (default["CONN_MAX_AGE"], default["CONN_HEALTH_CHECKS"]) == (60, True)
