"""/api/v1/: authentication and each domain app's endpoints."""

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("", include("suppliers.api.urls")),
]
