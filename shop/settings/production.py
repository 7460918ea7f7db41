"""Production overlay: DEBUG refused, a strong secret key, secure cookies, never demo
data. Every variable read here and in base.py is listed in deploy/env.example."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import _DEV_SECRET_KEY, DATABASES, DEBUG, SECRET_KEY, env, env_bool

if DEBUG:
    raise ImproperlyConfigured(
        "DJANGO_DEBUG must be off with shop.settings.production."
    )
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
# The same test as Django's security.W009 (and deploy/bin/lib.sh), refused up front.
if (
    len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
    or SECRET_KEY.startswith("django-insecure-")
    or SECRET_KEY == _DEV_SECRET_KEY
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is weak: use at least 50 random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )

ALLOW_DEMO_DATA = False

# --- HTTPS (TLS ends at the reverse proxy, which sets X-Forwarded-Proto) ----------
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Probes reach a web process directly over plain HTTP: no redirect for them.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("DJANGO_SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
# Off only if another host under the domain must stay on plain HTTP, or the domain
# is not to be submitted to the browsers' preload list (hstspreload.org).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Other headers (base.py adds Content-Security-Policy and Permissions-Policy) ---
# Django's defaults, written out so that changing one is a decision
# (tests/integration/test_security_headers.py checks the headers).
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Database: fail fast when PostgreSQL is away (base.py checks reused ones) ----
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(env("DATABASE_CONNECT_TIMEOUT", "5"))
    )

# --- Celery ----------------------------------------------------------------------------
# Workers also load the ping task that proves they take work (deploy/bin/smoke).
CELERY_INCLUDE = ["shop.health"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Mail: an SMTP relay when EMAIL_BACKEND says smtp --------------------------------
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10
SERVER_EMAIL = env("SERVER_EMAIL", env("DEFAULT_FROM_EMAIL", "shop@nongjia.example"))
