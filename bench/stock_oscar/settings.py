"""A minimal, unmodified django-oscar 4.2 shop, as Oscar's "Building your own shop"
guide sets one up: Oscar's default apps (``oscar.INSTALLED_APPS``) plus
sorl-thumbnail, its middleware and context processors, the default strategy and
shipping repository, Haystack's simple backend. None of our apps, forks or
templates. DEBUG off, like our side.
"""

import os
import tempfile

import dj_database_url
import oscar
from django.core.exceptions import ImproperlyConfigured
from oscar.defaults import *  # noqa: F403

SECRET_KEY = "bench-only-secret-key"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

INSTALLED_APPS = [*oscar.INSTALLED_APPS, "sorl.thumbnail"]
SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
]
ROOT_URLCONF = "bench.stock_oscar.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ],
        },
    },
]
AUTHENTICATION_BACKENDS = (
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
)
HAYSTACK_CONNECTIONS = {
    "default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}
}

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get(
            "BENCH_OSCAR_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/nongjia_bench_oscar",
        ),
        conn_max_age=60,
    )
}
# "We recommend using ATOMIC_REQUESTS to tie transactions to requests" (Oscar's
# getting-started guide): one commit per request, as on our side.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if not str(DATABASES["default"]["NAME"]).startswith("nongjia_bench"):
    raise ImproperlyConfigured("Stock Oscar's database must be named nongjia_bench*.")
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Oscar sends the order confirmation inside the request: kept in memory here, so
# no mail server's round trip is timed.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The order pipeline from Oscar's getting-started guide.
OSCAR_INITIAL_ORDER_STATUS = "Pending"
OSCAR_INITIAL_LINE_STATUS = "Pending"
OSCAR_ORDER_STATUS_PIPELINE = {
    "Pending": ("Being processed", "Cancelled"),
    "Being processed": ("Processed", "Cancelled"),
    "Cancelled": (),
}
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
LANGUAGE_CODE = "en-gb"
STATIC_URL = "/static/"
MEDIA_URL = "/media/"
MEDIA_ROOT = os.path.join(tempfile.gettempdir(), "nongjia-bench-oscar-media")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
