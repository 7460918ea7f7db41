"""Fixtures of the functional tests (real worker, browser)."""

import uuid

import pytest

from tests.functional.workers import start_worker, stop_worker


@pytest.fixture
def queue_name():
    return f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def worker_queue(queue_name):
    """A worker reading ``queue_name``; stopped after the test."""
    process = start_worker(queue_name)
    yield queue_name
    stop_worker(process)
