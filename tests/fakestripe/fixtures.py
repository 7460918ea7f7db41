"""pytest fixtures: the fake Stripe API (one server per test session, emptied for
each test) with the settings pointing the real library at it."""

import pytest

from tests.fakestripe.server import (
    PUBLISHABLE_KEY,
    SECRET_KEY,
    WEBHOOK_SECRET,
    FakeStripeServer,
)
from tests.fakestripe.signing import signed


@pytest.fixture(scope="session")
def fake_stripe_server():
    server = FakeStripeServer().start()
    yield server
    server.stop()


@pytest.fixture
def fake_stripe(fake_stripe_server, settings):
    """The fake's state (``.intents``, ``.events``...), with card payment on."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake_stripe_server.url
    fake_stripe_server.fake.reset()
    return fake_stripe_server.fake


@pytest.fixture
def stripe_off(settings):
    """No Stripe keys, as on a machine without them."""
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.STRIPE_API_BASE = ""


@pytest.fixture
def deliver_webhook(client):
    """Posts an event to our webhook, signed with the webhook secret (or another)."""

    def deliver(event: dict, *, secret: str = WEBHOOK_SECRET, **kwargs):
        payload, header = signed(event, secret, **kwargs)
        return client.post(
            "/payments/stripe/webhook/",
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        )

    return deliver
