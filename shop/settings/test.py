"""Test overlay: fast hashing, demo data allowed, same database switch as base."""

import os

from .base import *  # noqa: F403

SECRET_KEY = "test-only-secret-key"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOW_DEMO_DATA = True
# Files the tests write (report exports) stay out of the development media folder.
MEDIA_ROOT = BASE_DIR / os.environ.get("MEDIA_ROOT", "var/test-media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Files, so a real worker's export can be downloaded by the test process (both
    # given the same MEDIA_ROOT); the export tests point MEDIA_ROOT at a tmp dir.
    "exports": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
}

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not shared-cache memory: threads in race tests then take SQLite's real
    # write lock (BEGIN IMMEDIATE) instead of failing with "table is locked".
    # One file per process, so parallel test runs in one checkout never share it.
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")
    }

# With Redis, parallel test processes (pytest-xdist) share one Redis database:
# each keeps its cache keys under a prefix of its own, so one's counters, cached
# objects (keyed by ids of its own test database) and clearing (tests.caches)
# never reach another's. A worker a test starts inherits the variable.
if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = "test-" + os.environ.get(
        "PYTEST_XDIST_WORKER", "main"
    )

# Tasks run in-process (after commit, outbox.services.enqueue) even with REDIS_URL,
# so tests see their effects at once; the functional worker tests and the outbox's
# own tests switch to the real broker (or a stand-in) and write outbox rows.
CELERY_TASK_ALWAYS_EAGER = True

# Tests assert exact English messages; the zh-hans default is tested explicitly.
LANGUAGE_CODE = "en"

# API rates no test reaches (the counts outlive a test in the cache); the throttle
# tests lower them.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"user": "1000000/min", "anon": "1000000/min"},
}
