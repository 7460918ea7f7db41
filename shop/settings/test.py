"""Test overlay: fast hashing, demo data allowed, same database switch as base."""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-secret-key"  # noqa: S105

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOW_DEMO_DATA = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
