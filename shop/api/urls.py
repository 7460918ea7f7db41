"""/api/v1/: authentication, the catalogue, and each domain app's endpoints, all on
one router so the API root lists them together."""

from django.urls import path
from rest_framework.routers import DefaultRouter
from rest_framework.settings import api_settings

from audit.api.urls import register as register_audit
from billing.api.urls import register as register_billing
from channels.api.urls import register as register_channels
from fulfilment.api.urls import register as register_fulfilment
from ledger.api.urls import register as register_ledger
from payments.api.urls import urlpatterns as payments_urls
from reports.api.urls import register as register_reports
from settlement.api.urls import register as register_settlement
from shop.api.products import ProductViewSet
from shop.security.lockout import ObtainAuthToken
from suppliers.api.urls import register as register_supply

router = DefaultRouter()
router.register("products", ProductViewSet, basename="product")
register_supply(router)
register_fulfilment(router)
register_channels(router)
register_ledger(router)
register_reports(router)
register_settlement(router)
register_billing(router)
register_audit(router)

# DRF's token view (with the login lockout) brings its own parsers; ours turn a body
# nested too deeply into a 400 where DRF's JSON parser lets the RecursionError
# through (a 500).
obtain_auth_token = ObtainAuthToken.as_view(
    parser_classes=api_settings.DEFAULT_PARSER_CLASSES
)

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    *payments_urls,
    *router.urls,
]
