"""Fixtures of the functional tests (real worker, browser)."""

import uuid
from pathlib import Path

import pytest

from shop.celery import app as celery_app
from tests.functional.workers import start_worker, stop_worker


@pytest.fixture
def queue_name():
    """A queue of the test's own, on the real broker (tasks are eager otherwise)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield f"test-{uuid.uuid4().hex[:8]}"
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def worker_queue(queue_name):
    """A worker reading ``queue_name``; stopped after the test."""
    process = start_worker(queue_name)
    yield queue_name
    stop_worker(process)


# --- the browser: Debian's headless Chromium through Playwright ----------------------
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


@pytest.fixture
def browser_page(live_server, monkeypatch):
    """Opens browser pages in a language (``browser_page("zh-CN")``) against the
    live server; never a downloaded browser. The ORM stays usable in the test while
    Playwright's event loop runs."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        contexts = []

        def open_page(locale: str = "en-US"):
            context = browser.new_context(locale=locale, base_url=live_server.url)
            context.set_default_timeout(TIMEOUT_MS)
            contexts.append(context)
            return context.new_page()

        try:
            yield open_page
        finally:
            for context in contexts:
                context.close()
            browser.close()


@pytest.fixture
def page(browser_page):
    """An English-speaking page (tests read the English source strings)."""
    return browser_page("en-US")
