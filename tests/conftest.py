"""Shared fixtures: one cooperative per manager, and a user for each role."""

import os

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import (
    ProductFactory,
    UserFactory,
    make_cooperative,
    make_household,
    make_official,
    make_staff,
)

pytest_plugins = ["tests.fakestripe.fixtures"]


def pytest_collection_modifyitems(config, items):
    """Skip tests whose real services are not configured (never silently in CI)."""
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_worker = bool(os.environ.get("REDIS_URL"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL=postgres://"))
        if "worker" in item.keywords and not has_worker:
            item.add_marker(pytest.mark.skip(reason="needs REDIS_URL and a worker"))


@pytest.fixture
def manager(db):
    return UserFactory(username="manager_a")


@pytest.fixture
def cooperative(manager):
    return make_cooperative(name="英德市万仔蚕桑专业合作社", managers=[manager])


@pytest.fixture
def other_manager(db):
    return UserFactory(username="manager_b")


@pytest.fixture
def other_cooperative(other_manager):
    return make_cooperative(name="连州菜心合作社", managers=[other_manager])


@pytest.fixture
def staff(db):
    return make_staff(username="staff")


@pytest.fixture
def official(db):
    return make_official(username="official")


@pytest.fixture
def shopper(db):
    return UserFactory(username="shopper")


@pytest.fixture
def product(db):
    return ProductFactory()


@pytest.fixture
def household(cooperative):
    return make_household(cooperative=cooperative)


@pytest.fixture
def api():
    """An API client; ``api.force_authenticate(user)`` to act as someone."""
    return APIClient()
