"""A database outage answers 503 with ``Retry-After``, never a 500 page.

When PostgreSQL restarts, fails over or runs out of connections, requests fail with
``OperationalError`` or ``InterfaceError`` (the connection-level failures; an
``IntegrityError`` or a ``ProgrammingError`` is a bug and stays a 500). The client
is told to come back shortly: the API answers in its own error shape (``detail``
and ``code``, as ``shop.api.errors``), a page answers a small self-contained page
in both languages. Neither touches the database: the page is rendered without a
request, so no context processor runs. Each is logged once, as a warning.

Three places meet such an error, one answer for all:

- ``DatabaseOutageMiddleware.process_exception``: a view or its template;
- ``shop.api.errors.exception_handler``: an API view (DRF sees it first);
- ``server_error`` (``handler500``): a middleware (a session saved after the view),
  which Django turns into a response before any middleware could catch it.

Recovery needs nothing from here: with ``CONN_HEALTH_CHECKS`` (settings) a kept
connection that a restart broke is replaced before the next request's first query.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.defaults import server_error as default_server_error

logger = logging.getLogger(__name__)

CONNECTION_ERRORS = (OperationalError, InterfaceError)
# A PostgreSQL restart takes seconds; clients (and proxies) may retry after this.
RETRY_AFTER_SECONDS = 10
CODE = "service_unavailable"
TEMPLATE = "nongjia/503.html"


def is_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, CONNECTION_ERRORS)


def api_body() -> dict:
    """The API's body for a 503 (``shop.api.errors`` answers it from DRF views)."""
    detail = _("The service is temporarily unavailable. Please try again shortly.")
    return {"detail": detail, "code": CODE}


def unavailable(
    response: HttpResponse, *, request: HttpRequest, exc: BaseException
) -> HttpResponse:
    """A 503: when to come back, that no cache may keep it, and one warning in
    the log with the error (which may name hosts; the client sees neither)."""
    logger.warning(
        "Database unavailable, answered 503 for %s: %s: %s",
        request.path,
        type(exc).__name__,
        exc,
    )
    # Logged here, once: Django would log every 503 again at ERROR (with the
    # traceback when it came through handler500); an outage is expected.
    response._has_been_logged = True
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def outage_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        response = JsonResponse(api_body(), status=503)
    else:
        page = render_to_string(TEMPLATE, {"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(
            page, status=503, content_type="text/html; charset=utf-8"
        )
    return unavailable(response, request=request, exc=exc)


class DatabaseOutageMiddleware:
    """Turns a connection-level database error in a view into a 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not is_outage(exception):
            return None
        return outage_response(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: Django calls it inside its ``except`` block, so the error
    is still at hand; a database outage outside a view answers 503 too."""
    exc = sys.exc_info()[1]
    if is_outage(exc):
        return outage_response(request, exc)
    return default_server_error(request)
