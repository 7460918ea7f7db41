"""Project URLs: the Oscar store and dashboard, the REST API and its docs."""

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from shop import health

# A database outage outside a view answers 503, like one inside (shop/outage.py).
handler500 = "shop.outage.server_error"
# An unknown URL under /api/ answers JSON like the API's own 404s.
handler404 = "shop.api.errors.page_not_found"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("shop.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's set-up script as a file of its own, not
    # inline, so the Content-Security-Policy needs no exception for it.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path("canteen/account/", include("billing.web.urls")),
    path("canteen/", include("fulfilment.web.urls")),
    path("reports/canteens/", include("fulfilment.web.report_urls")),
    path("reports/exports/", include("reports.web.export_urls")),
    path("reports/settlement/", include("settlement.web.urls")),
    path("reports/", include("reports.web.urls")),
    path("payments/", include("payments.urls")),
    path("lovecard/", include("lovecards.urls")),
    path("dashboard/canteen-accounts/", include("billing.dashboard.urls")),
    path("dashboard/audit/", include("audit.dashboard.urls")),
    path("", include(apps.get_app_config("oscar").urls[0])),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
