"""One JSON error shape for the API, whatever layer refused the request.

DRF answers its own validation and parse errors; this adds domain errors:
Django ``ValidationError`` from services (400, field by field), ``StockConflict``
and its kinds (409, with a ``code``), ``IdempotencyConflict`` (422) and
``ObjectDoesNotExist`` or ``Http404`` (404, always "Not found."), so no service
error becomes a 500. A lost database connection is a 503 (``shop.outage``). A 429
(over the request rate, or a locked login) says which with its ``code``.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from fulfilment.errors import IdempotencyConflict, InsufficientStock
from shop import outage
from suppliers.errors import StockConflict


def exception_handler(exc, context):
    if outage.is_outage(exc):
        response = Response(
            outage.api_body(), status=status.HTTP_503_SERVICE_UNAVAILABLE
        )
        return outage.unavailable(response, request=context["request"], exc=exc)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                field: [str(m) for m in msgs]
                for field, msgs in exc.message_dict.items()
            }
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, InsufficientStock):
        body = {exc.field: [exc.message], "code": exc.code, "short_kg": exc.short}
        return Response(body, status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, StockConflict):
        return Response(
            {exc.field: [exc.message], "code": getattr(exc, "code", "conflict")},
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, IdempotencyConflict):
        return Response(
            {"idempotency_key": [exc.message], "code": "idempotency_key_reused"},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    elif isinstance(exc, ObjectDoesNotExist | Http404):
        exc = exceptions.NotFound()  # one message, naming no model
    elif (
        isinstance(exc, exceptions.APIException)
        and exc.status_code == status.HTTP_429_TOO_MANY_REQUESTS
    ):
        # Over the request rate ("throttled") or a locked login ("locked_out",
        # shop.security.lockout): DRF writes the detail and Retry-After.
        response = drf_exception_handler(exc, context)
        response.data["code"] = exc.get_codes()
        return response
    return drf_exception_handler(exc, context)


def page_not_found(request, exception):
    """``handler404``: a URL under /api/ that matches no endpoint (an id that is
    not a number, say) answers in the API's shape, not with the site's HTML page."""
    if request.path_info.startswith("/api/"):
        detail = str(exceptions.NotFound.default_detail)
        return JsonResponse({"detail": detail}, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)
