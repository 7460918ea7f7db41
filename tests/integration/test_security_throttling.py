"""API request rates (shop/security/throttling.py): a user, or an address without
credentials, over its rate answers 429 with Retry-After in the API's error shape;
others are not held back; a cache that fails lets requests through."""

import logging

import pytest
from django.core.cache import cache

from tests.caches import clear_cache
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"
TOKEN = "/api/v1/auth/token/"


@pytest.fixture
def rates(settings):
    """Sets the API's rates for the test; counts of earlier tests are dropped."""
    clear_cache()

    def set_rates(**rates):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"user": "1000/min", "anon": "1000/min", **rates},
        }

    yield set_rates
    clear_cache()


def test_a_user_over_the_rate_gets_429_with_retry_after(api, rates):
    rates(user="3/min")
    buyer, other = UserFactory(), UserFactory()
    api.force_authenticate(buyer)

    answers = [api.get(PRODUCTS).status_code for _ in range(3)]
    refused = api.get(PRODUCTS)

    assert answers == [200, 200, 200]
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 55 <= wait <= 60
    assert refused.json() == {
        "detail": f"Request was throttled. Expected available in {wait} seconds.",
        "code": "throttled",
    }
    api.force_authenticate(other)
    assert api.get(PRODUCTS).status_code == 200


def test_requests_without_credentials_are_counted_per_address(api, rates):
    rates(anon="2/min")
    UserFactory(username="buyer")
    body = {"username": "buyer", "password": "wrong"}

    answers = [
        api.post(TOKEN, body, REMOTE_ADDR="203.0.113.7").status_code for _ in range(3)
    ]
    elsewhere = api.post(TOKEN, body, REMOTE_ADDR="198.51.100.9")

    assert answers == [400, 400, 429]
    assert elsewhere.status_code == 400


def test_a_changed_rate_applies_at_once(api, rates):
    api.force_authenticate(UserFactory())
    rates(user="1/min")
    assert [api.get(PRODUCTS).status_code for _ in range(2)] == [200, 429]
    rates(user="5/min")
    assert api.get(PRODUCTS).status_code == 200


def test_requests_go_through_when_the_cache_fails(api, rates, monkeypatch, caplog):
    rates(user="1/min")
    api.force_authenticate(UserFactory())

    def down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(cache, "get", down)
    with caplog.at_level(logging.WARNING, logger="shop.security.throttling"):
        answers = [api.get(PRODUCTS).status_code for _ in range(3)]

    assert answers == [200, 200, 200]
    assert [r.getMessage() for r in caplog.records] == [
        "API throttle user skipped: the cache failed"
    ] * 3
