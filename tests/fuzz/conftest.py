"""The fuzz suite's world: built once for the session inside a transaction that is
rolled back at the end (like ``TestCase.setUpTestData``), so the rest of a test run
never sees it; each test then runs in its own savepoint."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction

from tests.fuzz.world import build_world


@pytest.fixture(scope="session")
def fuzz_world(django_db_setup, django_db_blocker):
    # Requests go through the WSGI handler itself, not Django's test client, so
    # its signals would close the connection holding the open transaction; the
    # test client disconnects them the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
