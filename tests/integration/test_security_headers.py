"""Security headers: the Content-Security-Policy lets run exactly the scripts our
pages have (static files, the nonced inline script, Oscar's known inline event
handlers), Permissions-Policy switches unused features off, and the production
settings add HSTS, secure cookies and the rest (checked in a production process)."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from shop.security.headers import csp_hash
from tests.factories import UserFactory, make_staff

ROOT = Path(__file__).resolve().parents[2]
STORE = "/catalogue/"
SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER = re.compile(r"""\son[a-z]+="([^"]*)\"""")


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values for name, *values in (part.split() for part in policy.split(";"))
    }


def check_scripts(response) -> None:
    """Every inline script carries the response's nonce, and every inline event
    handler is one the policy allows by its hash."""
    html = response.content.decode()
    policy = directives(response)
    script_src = policy["script-src"]
    nonces = [v[len("'nonce-") : -1] for v in script_src if v.startswith("'nonce-")]
    for attributes in SCRIPT.findall(html):
        if "src=" not in attributes:
            assert nonces and f'nonce="{nonces[0]}"' in attributes, attributes
    for source in HANDLER.findall(html):
        assert csp_hash(source) in script_src, source


@pytest.mark.django_db
def test_pages_allow_our_scripts_and_no_other_inline_code(client):
    home = client.get(STORE)

    policy = directives(home)
    assert home.status_code == 200
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][:1] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'", "https://hooks.stripe.com"]
    assert "googleapis" not in home.content.decode()  # jQuery is ours
    # The mini-basket's "View basket" button has an inline handler.
    assert "window.location.href='/basket/';" in HANDLER.findall(home.content.decode())
    check_scripts(home)


@pytest.mark.django_db
def test_each_response_has_its_own_nonce(client):
    first, second = (directives(client.get(STORE))["script-src"] for _ in range(2))

    assert [v for v in first if v.startswith("'nonce-")] != [
        v for v in second if v.startswith("'nonce-")
    ]


@pytest.mark.django_db
def test_dashboard_admin_and_api_docs_pages_keep_to_the_policy(client):
    staff = make_staff(is_superuser=True)
    client.force_login(staff)
    pages = [
        reverse("dashboard:index"),
        reverse("dashboard:catalogue-class-create"),
        reverse("dashboard:catalogue-category-create"),
        "/admin/",
        "/basket/",
        "/api/docs/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        check_scripts(response)
    docs = client.get("/api/docs/").content.decode()
    assert all("src=" in attributes for attributes in SCRIPT.findall(docs))


@pytest.mark.django_db
def test_every_response_switches_unused_browser_features_off(client, api):
    api.force_authenticate(UserFactory())
    for response in (client.get(STORE), api.get("/api/v1/products/")):
        assert response["Permissions-Policy"] == (
            "accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
            "magnetometer=(), microphone=(), usb=()"
        )


PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.test import Client, RequestFactory

response = Client(HTTP_HOST="shop.example.com").get("/healthz", secure=True)
csrf = CsrfViewMiddleware(lambda request: (get_token(request), HttpResponse())[1])
cookie = csrf(RequestFactory().get("/", secure=True)).cookies[settings.CSRF_COOKIE_NAME]
print(json.dumps({
    "status": response.status_code,
    "headers": dict(response.headers),
    "csrf_cookie_secure": cookie["secure"],
    "session_cookie": [
        settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY
    ],
    "proxy_ssl_header": settings.SECURE_PROXY_SSL_HEADER,
}))
"""


def production(**overrides: str) -> dict:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="shop.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="shop.example.com",
        DATABASE_URL="",
        REDIS_URL="",
        **overrides,
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_production_sends_the_security_headers_and_secure_cookies():
    answer = production()

    headers = answer["headers"]
    assert answer["status"] == 200
    assert headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Permissions-Policy"].startswith("accelerometer=()")
    assert answer["csrf_cookie_secure"] is True
    assert answer["session_cookie"] == [True, True]
    assert answer["proxy_ssl_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_production_hsts_options_come_from_the_environment():
    answer = production(
        DJANGO_SECURE_HSTS_SECONDS="3600",
        DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="0",
        DJANGO_SECURE_HSTS_PRELOAD="0",
    )

    assert answer["headers"]["Strict-Transport-Security"] == "max-age=3600"
