"""Settings for our side of the benchmark: the shop as production runs it.

``shop.settings.base`` with DEBUG off, on a PostgreSQL database whose name starts
with ``nongjia_bench`` (refused otherwise: the server is shared), and Celery tasks
queued rather than run in the request, as with a real broker and worker. The broker
is Kombu's in-memory transport, so nothing leaves the process and no worker ever
picks the emails up.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from shop.settings.base import *  # noqa: F403
from shop.settings.base import DATABASES

SECRET_KEY = "bench-only-secret-key"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

if not DATABASES["default"]["ENGINE"].endswith("postgresql") or not str(
    DATABASES["default"]["NAME"]
).startswith("nongjia_bench"):
    raise ImproperlyConfigured(
        "The benchmark runs on PostgreSQL, in a database named nongjia_bench*: "
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/nongjia_bench"
    )

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
