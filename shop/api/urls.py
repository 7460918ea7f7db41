"""/api/v1/: authentication, the catalogue, and each domain app's endpoints, all on
one router so the API root lists them together."""

from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from fulfilment.api.urls import register as register_fulfilment
from shop.api.products import ProductViewSet
from suppliers.api.urls import register as register_supply

router = DefaultRouter()
router.register("products", ProductViewSet, basename="product")
register_supply(router)
register_fulfilment(router)

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    *router.urls,
]
