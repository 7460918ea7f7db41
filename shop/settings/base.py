"""Base settings: every value comes from the environment.

With no environment set the shop runs embedded: a SQLite file in the project folder,
an in-process cache, and Celery tasks executed in-process. ``DATABASE_URL`` and
``REDIS_URL`` switch to PostgreSQL, a Redis cache and a Redis-brokered Celery worker.
"""

import os
from decimal import Decimal
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_HASHES, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _
from oscar.defaults import *  # noqa: F403  (Oscar's OSCAR_* defaults)

from shop.security.headers import handler_hashes

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
# With DEBUG off and no key the setting stays empty, and Django refuses to start
# ("The SECRET_KEY setting must not be empty"); production.py says so up front.
SECRET_KEY = env("DJANGO_SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Demo data (demo logins with a known password) is for local runs only; the
# production overlay forces this off and load_demo refuses to run.
ALLOW_DEMO_DATA = env_bool("NONGJIA_ALLOW_DEMO_DATA", default=DEBUG)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "axes",
    "csp",
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "shop.apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "shop.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "shop.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "shop.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "shop.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "shop.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "shop.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "shop.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "sorl.thumbnail",
    "treebeard",
    "django_tables2",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "suppliers.apps.SuppliersConfig",
    "suppliers.dashboard.apps.SupplyDashboardConfig",
    "channels.apps.ChannelsConfig",
    "channels.dashboard.apps.ChannelsDashboardConfig",
    "canteens.apps.CanteensConfig",
    "ledger.apps.LedgerConfig",
    "reports.apps.ReportsConfig",
    "ledger.dashboard.apps.LedgerDashboardConfig",
    "fulfilment.apps.FulfilmentConfig",
    "fulfilment.dashboard.apps.FulfilmentDashboardConfig",
    "payments.apps.PaymentsConfig",
    "lovecards.apps.LoveCardsConfig",
    "lovecards.dashboard.apps.LoveCardsDashboardConfig",
    "settlement.apps.SettlementConfig",
    "settlement.dashboard.apps.SettlementDashboardConfig",
    "billing.apps.BillingConfig",
    "audit.apps.AuditConfig",
    "outbox.apps.OutboxConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "shop.security.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Audit entries name the request's user, address and id (audit/context.py).
    "audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
    # A login that locked its account answers the lockout page (429).
    "axes.middleware.AxesMiddleware",
    # Last, so its process_exception is asked first: a lost database is a 503.
    "shop.outage.DatabaseOutageMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shop" / "templates"],
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

# --- Database ------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    # Connections are kept for a minute; each is checked before its first use in a
    # request, so one broken by a PostgreSQL restart is replaced, not failed on.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=60, conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / env("SQLITE_NAME", "db.sqlite3"),
            # BEGIN IMMEDIATE: each transaction takes SQLite's write lock up front, so
            # two writers are serialised instead of failing half-way with "locked".
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery ------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
# Seconds a cache call waits for Redis (connect, then each reply).
REDIS_CACHE_TIMEOUT = float(env("NONGJIA_REDIS_CACHE_TIMEOUT", "0.25"))
if REDIS_URL:
    # Fails soft and fast: while Redis is away a read is a miss and a write is
    # dropped, so a request never hangs or fails on the cache; what the cache
    # holds (love-card attempt counters, API throttles, Oscar's category URLs) may
    # be lost, nothing else (sessions are in the database). Not logged per call
    # (a traceback each, twice a request): /readyz and the outbox say Redis is away.
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": REDIS_CACHE_TIMEOUT,
                "SOCKET_TIMEOUT": REDIS_CACHE_TIMEOUT,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker, tasks run in-process after commit (outbox.services.enqueue)
# so nothing needs a worker.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A pool process killed mid-task (OOM killer, kill -9) puts its task back on the
# queue instead of acknowledging it as failed: tasks are idempotent, and otherwise
# its work would be lost (tests/faults/test_worker_kill.py).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    "write-off-expired-lots": {
        "task": "suppliers.tasks.write_off_expired_lots",
        "schedule": 60 * 60,
    },
    "expire-unanswered-allocations": {
        "task": "fulfilment.tasks.expire_unanswered_allocations",
        "schedule": 5 * 60,
    },
    "retry-shortfalls": {
        "task": "fulfilment.tasks.retry_shortfalls",
        "schedule": 10 * 60,
    },
    "create-standing-orders": {
        "task": "fulfilment.tasks.create_standing_orders",
        "schedule": 60 * 60,
    },
    # Last month's reports, on the 1st at 03:30 (CELERY_TIMEZONE, Asia/Shanghai).
    "monthly-reports": {
        "task": "reports.tasks.schedule_monthly_reports",
        "schedule": crontab(minute=30, hour=3, day_of_month=1),
    },
    "resume-stalled-report-exports": {
        "task": "reports.tasks.resume_stalled_exports",
        "schedule": 15 * 60,
    },
    # Stripe webhook events stored but never applied (their task was lost).
    "resend-stale-stripe-events": {
        "task": "payments.tasks.resend_stale_stripe_events",
        "schedule": 10 * 60,
    },
    # Refunds left pending without a Stripe id (their send_refund task died).
    "resend-stale-refunds": {
        "task": "payments.tasks.resend_stale_refunds",
        "schedule": 10 * 60,
    },
    # Love cards past their expiry lose what is left, daily at 00:30.
    "expire-love-cards": {
        "task": "lovecards.tasks.expire_cards",
        "schedule": crontab(minute=30, hour=0),
    },
    # Issue ended settlement periods and open the next (idempotent), daily at 02:15.
    "settle-ended-periods": {
        "task": "settlement.tasks.settle_ended_periods",
        "schedule": crontab(minute=15, hour=2),
    },
    # Canteen invoices past due with money owed: flagged and emailed once, 08:00.
    "flag-overdue-invoices": {
        "task": "billing.tasks.flag_overdue_invoices",
        "schedule": crontab(minute=0, hour=8),
    },
    # Outbox rows sent over NONGJIA_OUTBOX_KEEP_DAYS ago are deleted, daily at 04:10.
    "purge-sent-outbox-messages": {
        "task": "outbox.tasks.purge_sent_messages",
        "schedule": crontab(minute=10, hour=4),
    },
}
# A killed worker's unacknowledged task goes back to the queue after this many
# seconds (Redis transport); tasks are idempotent, so a rerun is harmless.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "3600"))
}
# Task outbox (outbox/, docs/operations.md "Task outbox"): services enqueue tasks
# as rows in their transaction; after commit a web process publishes at once on a
# connection of its own that gives up after this many seconds (workers and beat
# keep Celery's patient one); after a failure it leaves publishing to the relay
# (manage.py relay_outbox) for the breaker's seconds. Sent rows are kept this
# many days.
NONGJIA_OUTBOX_PUBLISH_TIMEOUT = float(env("NONGJIA_OUTBOX_PUBLISH_TIMEOUT", "0.3"))
NONGJIA_OUTBOX_BREAKER_SECONDS = float(env("NONGJIA_OUTBOX_BREAKER_SECONDS", "5"))
NONGJIA_OUTBOX_KEEP_DAYS = int(env("NONGJIA_OUTBOX_KEEP_DAYS", "7"))

# --- Auth ---------------------------------------------------------------------
AUTHENTICATION_BACKENDS = (
    # First: refuses a locked-out account before any backend checks a password.
    "shop.security.lockout.LockoutBackend",
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"
# Login lockout (django-axes, shop/security/lockout.py). OWASP ASVS V2.2.1 allows at
# most 100 failed attempts an hour on one account; here 10 failures in a row (each
# within the lockout time of the last) lock the login name, from any address, for
# 60 minutes after the tenth. Tries while locked are refused and not counted, so
# the lock ends when the page says; a successful login clears the count. An
# e-mail address counts for its account's user name. Counted in the database, so
# a Redis outage unlocks nobody.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(env("NONGJIA_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = int(env("NONGJIA_LOGIN_LOCKOUT_MINUTES", "60")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "shop.security.lockout.username"
AXES_CLIENT_IP_CALLABLE = "shop.security.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "shop.security.lockout.lockout_response"
# Masked in the form data axes keeps of a failure (it always masks "password";
# the store's login form prefixes its fields with "login-").
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "login-username",
    "login-password",
]
AXES_VERBOSE = False  # no banner at every process start; failures are still logged
# axes.W006 asks for "ip_address" in AXES_LOCKOUT_PARAMETERS, against attackers who
# rotate user agents; failures of a name are summed over every address and agent,
# so they gain nothing. An address lock would lock a canteen's whole office (one
# NAT address) after ten typos, and everyone behind a misconfigured proxy.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- Security headers ----------------------------------------------------------------
# Content-Security-Policy (django-csp): scripts from our own static files only, plus
# the one inline script of Oscar's pages, by the request's nonce
# (shop/templates/oscar/base.html), and Oscar's inline event handlers, by their
# hashes (shop/security/headers.py). Styles may be inline (Oscar's dashboard, its
# editor and our progress bars set style attributes). Forms post to us, or follow a
# card payment to Stripe's 3-D Secure redirect. No page may be framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE, UNSAFE_HASHES, *handler_hashes()],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF, "https://hooks.stripe.com"],
        "frame-ancestors": [NONE],
    }
}
# Browser features no page uses, off for our pages and anything they embed.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), usb=()"
)

# --- i18n -------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / env("STATIC_ROOT", "var/static")
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / env("MEDIA_ROOT", "var/media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    # Report exports: under MEDIA_ROOT, in random folders, downloaded only through
    # the access-checking view (reports.web.exports, the report-exports API).
    "exports": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
}
WHITENOISE_USE_FINDERS = True
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Largest uploads, in MB (shop/uploads.py): spreadsheets read by an import (an upload
# path may take less: the canteen's order upload takes 2 MB), and images or
# documents kept in media (product and category images, attribute files).
NONGJIA_MAX_SPREADSHEET_BYTES = (
    int(env("NONGJIA_MAX_SPREADSHEET_MB", "5")) * 1024 * 1024
)
NONGJIA_MAX_IMAGE_BYTES = int(env("NONGJIA_MAX_IMAGE_MB", "5")) * 1024 * 1024

# --- Oscar ------------------------------------------------------------------------
OSCAR_SHOP_NAME = _("Qingyuan Nongjia")
OSCAR_SHOP_TAGLINE = _("Consumption assistance for Qingyuan's mountain villages")
OSCAR_DEFAULT_CURRENCY = "CNY"
OSCAR_CURRENCY_FORMAT = {"CNY": {"format": "¥#,##0.00"}}
OSCAR_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "shop@nongjia.example")
OSCAR_ALLOW_ANON_CHECKOUT = False
OSCAR_DASHBOARD_NAVIGATION = OSCAR_DASHBOARD_NAVIGATION + [
    {
        "label": _("Supply"),
        "icon": "fas fa-seedling",
        "children": [
            {"label": _("Stock lots"), "url_name": "dashboard:supply-lot-list"},
            {"label": _("Import lots"), "url_name": "dashboard:supply-lot-import"},
            {"label": _("Households"), "url_name": "dashboard:supply-household-list"},
            {
                "label": _("Stock movements"),
                "url_name": "dashboard:supply-movement-list",
            },
        ],
    },
    {
        "label": _("Deliveries"),
        "icon": "fas fa-truck",
        "children": [
            {
                "label": _("Allocations"),
                "url_name": "dashboard:fulfilment-allocation-list",
            },
            {
                "label": _("Delivery days"),
                "url_name": "dashboard:fulfilment-delivery-list",
            },
        ],
    },
    {
        "label": _("Channels"),
        "icon": "fas fa-store",
        "children": [
            {
                "label": _("Direct-supply channels"),
                "url_name": "dashboard:channel-list",
            },
            {"label": _("Open a channel"), "url_name": "dashboard:channel-create"},
        ],
    },
    {
        "label": _("Sales"),
        "icon": "fas fa-cash-register",
        "children": [
            {
                "label": _("Counter-sale batches"),
                "url_name": "dashboard:sales-batch-list",
            },
            {"label": _("Upload counter sales"), "url_name": "dashboard:sales-upload"},
        ],
    },
    {
        "label": _("Love cards"),
        "icon": "fas fa-heart",
        "children": [
            {
                "label": _("Love-card batches"),
                "url_name": "dashboard:lovecards-batch-list",
            },
            {"label": _("Issue a batch"), "url_name": "dashboard:lovecards-issue"},
        ],
    },
    {
        "label": _("Settlement"),
        "icon": "fas fa-file-invoice-dollar",
        "children": [
            {
                "label": _("Settlement statements"),
                "url_name": "dashboard:settlement-statement-list",
            },
            {
                "label": _("Settlement periods"),
                "url_name": "dashboard:settlement-period-list",
            },
        ],
    },
    {
        "label": _("Card payments"),
        "icon": "far fa-credit-card",
        "children": [
            {
                "label": _("Card payments and refunds"),
                "url_name": "payments:dashboard-payment-list",
                # Outside Oscar's dashboard apps, so Oscar cannot ask the view.
                "access_fn": lambda user, *args, **kwargs: user.is_staff,
            },
        ],
    },
    {
        "label": _("Canteen accounts"),
        "icon": "fas fa-file-invoice",
        "children": [
            {
                "label": _("Canteen accounts"),
                "url_name": "billing-dashboard:account-list",
                # Outside Oscar's dashboard apps, so Oscar cannot ask the view.
                "access_fn": lambda user, *args, **kwargs: user.is_staff,
            },
        ],
    },
    {
        "label": _("Audit log"),
        "icon": "fas fa-history",
        "children": [
            {
                "label": _("Who changed what"),
                "url_name": "audit-dashboard:entry-list",
                # Outside Oscar's dashboard apps, so Oscar cannot ask the view.
                "access_fn": lambda user, *args, **kwargs: user.is_staff,
            },
        ],
    },
]
# Bulk orders' statuses change only through fulfilment's services: the dashboard
# offers no manual transitions (each status maps to none).
OSCAR_ORDER_STATUS_PIPELINE = dict.fromkeys(
    (
        "draft",
        "awaiting_approval",
        "placed",
        "routed",
        "routed_short",
        "accepted",
        "shipped",
        "delivered",
        "received",
        "cancelled",
    ),
    (),
)
# No search index: shop.apps.search browses and searches the database, and haystack
# is not an installed app. Oscar's own search modules, which Oscar's class loader
# still imports next to ours, import haystack, and haystack needs this to import.
HAYSTACK_CONNECTIONS = {
    "default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}
}

# --- Bulk orders (fulfilment) ---------------------------------------------------------
# Routing policy, documented in fulfilment/routing.py. Cooperatives for a line are
# ranked by ``cooperative_order``, lots within a cooperative by ``lot_order``;
# with ``fewest_cooperatives`` a line uses as few cooperatives as can cover it.
NONGJIA_ROUTING = {
    "fewest_cooperatives": env_bool("NONGJIA_ROUTING_FEWEST_COOPERATIVES", True),
    "cooperative_order": env_list(
        "NONGJIA_ROUTING_COOPERATIVE_ORDER", "least_income,earliest_best_before"
    ),
    "lot_order": env_list(
        "NONGJIA_ROUTING_LOT_ORDER", "earliest_best_before,least_income"
    ),
}
NONGJIA_ACCEPT_WITHIN_HOURS = int(env("NONGJIA_ACCEPT_WITHIN_HOURS", "24"))
# Short lines are retried until this many hours before the delivery day starts.
NONGJIA_CUTOFF_HOURS = int(env("NONGJIA_CUTOFF_HOURS", "12"))
NONGJIA_MAX_LINE_UNITS = int(env("NONGJIA_MAX_LINE_UNITS", "10000"))
NONGJIA_MAX_ORDER_LINES = int(env("NONGJIA_MAX_ORDER_LINES", "500"))
# Received weight within this fraction of the shipped weight is not flagged.
NONGJIA_RECEIPT_TOLERANCE = env("NONGJIA_RECEIPT_TOLERANCE", "0.02")
# Called in the lot's transaction with the product id whenever a lot is received:
# bulk orders short of that product are retried (a task sent through the outbox,
# after commit). A setting, so suppliers never imports them.
NONGJIA_LOT_RECEIVED_HOOKS = ["fulfilment.tasks.lot_received"]
# Called in the receipt's transaction with the receipt id whenever a canteen
# confirms a receipt: card-paid lines received short are refunded (a task sent
# through the outbox, after commit). A setting, so fulfilment never
# imports payments.
NONGJIA_RECEIPT_CONFIRMED_HOOKS = ["payments.tasks.receipt_confirmed"]
# Called inside the order's transaction when a canteen commits to an order (placed,
# or a draft confirmed) with the bulk order and its total; may refuse it. Orders
# of a canteen with an account are charged to it, within its credit limit.
NONGJIA_ORDER_PLACED_CHECKS = ["billing.services.charge_to_account"]
# Called inside the receipt's transaction with the receipt and its lines: orders
# on account are invoiced for what was received.
NONGJIA_RECEIPT_RECORDERS = ["billing.services.invoice_receipt"]
# How ``manage.py verify_ledger`` recomputes each kind of ledger source from its
# records: the app that owns the records owns the rule.
NONGJIA_LEDGER_SOURCES = {
    "receipt_line": "fulfilment.ledger_sources.receipt_line_parts",
    "counter_sale": "ledger.audit.counter_sale_parts",
    "store_line": "shop.apps.order.ledger_sources.store_line_parts",
}
# --- Cooperative settlement (settlement/) ------------------------------------------
# The platform's fee on goods received, a fraction (0.015 = 1.5%); none by default,
# as on the national platform. Periods are this many days long (fortnightly).
NONGJIA_PLATFORM_FEE_RATE = Decimal(env("NONGJIA_PLATFORM_FEE_RATE", "0"))
NONGJIA_SETTLEMENT_DAYS = int(env("NONGJIA_SETTLEMENT_DAYS", "14"))
# --- Audit log (audit/) ----------------------------------------------------------------
# Reverse proxies trusted in front of the web processes (the deployment's Caddy: 1):
# the audit log then takes the client's address from X-Forwarded-For, else from
# the connection. Leave 0 where clients reach the web processes directly.
NONGJIA_PROXY_HOPS = int(env("NONGJIA_PROXY_HOPS", "0"))
# --- Card payments (Stripe, payments/gateway.py) -----------------------------------------
# Without the secret key and the webhook secret card payment is switched off (the
# checkout says so); everything else works. STRIPE_API_BASE only for tests.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env("STRIPE_API_BASE")

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "shop@nongjia.example")

# --- API --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "shop.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "shop.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "shop.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "shop.api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    # Requests per user (a token is one user's) and, without credentials, per client
    # address; over the rate a request answers 429 with Retry-After. Counted in the
    # cache; while it is down requests go through (shop/security/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "shop.security.throttling.UserRateThrottle",
        "shop.security.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_THROTTLE_USER", "1200/min"),
        "anon": env("API_THROTTLE_ANON", "60/min"),
    },
    # The client's address, as the audit log finds it (NONGJIA_PROXY_HOPS).
    "NUM_PROXIES": NONGJIA_PROXY_HOPS,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Nongjia API",
    "DESCRIPTION": "Qingyuan consumption-assistance marketplace: supply side.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two models have a "status": each keeps a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "suppliers.models.HouseholdStatus",
        "ReportExportStatusEnum": "reports.models.ExportStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # One line per stock record saved (Oscar's stock alerts), none of use.
        "oscar.alerts": {"level": "WARNING"},
        # The stripe library logs every request at INFO; payments logs what matters.
        "stripe": {"level": "WARNING"},
        # Failed logins and lockouts are warnings; the rest is chatter.
        "axes": {"level": "WARNING"},
    },
}
