"""Login lockout (django-axes): who is counted, and what a locked-out client sees.

Every login calls ``django.contrib.auth.authenticate`` with the request: the store's
``/accounts/login/``, the dashboard's ``/dashboard/login/``, the admin's
``/admin/login/`` and the API's ``/api/v1/auth/token/``. ``LockoutBackend``, first
in ``AUTHENTICATION_BACKENDS``, refuses a locked account there before any password
is checked, and axes' signal handler counts each failure in the database: a
lockout must hold while Redis is down. The ``AXES_*`` settings
(shop/settings/base.py) say how many failures lock an account and for how long.

Failures are counted per login name, from any address: an attacker spreading
guesses over many addresses still gets only the limit per account and hour. Once
an account is locked, a login form answers 429 with this module's page and the API
token view a 429 in the API's JSON error shape. Both say when to try again (also as
``Retry-After``) and that staff can unlock sooner (``manage.py
axes_reset_username``, or the admin).
"""

import ipaddress
import math
from datetime import datetime

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.authtoken import views as authtoken_views
from rest_framework.throttling import BaseThrottle

from shop.security.throttling import AnonRateThrottle

TEMPLATE = "security/locked_out.html"


class LockoutBackend(AxesStandaloneBackend):
    """Axes' backend, except that a call without a request is passed on unchecked
    (axes raises on it: a 500). No login form makes one: they come from code with
    a password it already holds, Oscar's registration signing the new customer in
    with the password just chosen, and Django's test client."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The name failures are counted under (``AXES_USERNAME_CALLABLE``): the user
    name of the account an e-mail address belongs to, so that the store's login
    (by e-mail) and the dashboard's (by user name) share one count, and a success
    at either clears it; trimmed and lower-cased, as Oscar matches addresses.
    A name that is no one's is counted as typed, exactly like an account's."""
    value = (credentials or {}).get("username")
    if value is None:
        return None
    login = str(value).strip().lower()
    if "@" in login:
        owners = get_user_model().objects.filter(email__iexact=login)
        names = list(owners.values_list("username", flat=True)[:2])
        if len(names) == 1:
            return names[0].lower()
    return login


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, found as the API's throttles find it (the
    ``NUM_PROXIES`` rightmost X-Forwarded-For entries are our proxies'), so the
    records of a login and of an API request agree. A value that is not an address
    (a forged header) falls back to the socket's peer. ``AXES_CLIENT_IP_CALLABLE``.
    """
    ident = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(ident))
    except ValueError:
        return request.META.get("REMOTE_ADDR")


def locked_until(request: HttpRequest, credentials: dict | None) -> datetime:
    """When the account's lockout ends: the cool-off after its last counted failure
    (failures while locked are not counted, so the end does not move)."""
    last = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials)
    ).aggregate(last=Max("attempt_time"))["last"]
    return (last or timezone.now()) + get_cool_off(request)


def seconds_until(moment: datetime) -> int:
    return max(1, math.ceil((moment - timezone.now()).total_seconds()))


def locked_message(until: datetime) -> str:
    return _(
        "Too many failed sign-in attempts for this account. Try again after "
        "%(time)s, or ask the platform staff to unlock it."
    ) % {"time": date_format(timezone.localtime(until), "Y-m-d H:i")}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The page a login form answers once the account is locked
    (``AXES_LOCKOUT_CALLABLE``), in place of the form's own answer."""
    until = locked_until(request, credentials)
    response = render(
        request,
        TEMPLATE,
        {"message": locked_message(until), "until": until},
        status=status.HTTP_429_TOO_MANY_REQUESTS,
    )
    response["Retry-After"] = str(seconds_until(until))
    return response


class LockedOut(exceptions.APIException):
    """The API's answer for a locked account: 429, ``code`` "locked_out" (added by
    ``shop.api.errors``) and ``Retry-After`` (DRF sets it from ``wait``)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, *, until: datetime):
        self.wait = seconds_until(until)
        super().__init__(locked_message(until))


class ObtainAuthToken(authtoken_views.ObtainAuthToken):
    """DRF's token view, with the login lockout and the anonymous request rate.

    DRF passes its own request object to ``authenticate``, so axes marks that one
    as locked out and axes' middleware (which sees Django's request) never does:
    the view answers the lockout itself.
    """

    throttle_classes = (AnonRateThrottle,)

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            if getattr(request, "axes_locked_out", False):
                credentials = getattr(request, "axes_credentials", None)
                raise LockedOut(until=locked_until(request, credentials)) from None
            raise
