"""``POST /api/v1/bulk-orders/{number}/card-payment/``: a canteen's buyer pays a
bulk order by card. A thin adapter over ``payments.services.pay_order_by_card``.

Who may: a buyer of the order's canteen. Like the bulk-order API's own writes, a
user who buys for no canteen at all (staff, officials, approvers only) is refused
as a role (403) whatever the number; a buyer asking for an order of a canteen they
do not buy for gets 404, as for an order that does not exist.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from canteens.models import Role
from canteens.selectors import organisation_ids
from fulfilment.selectors import orders_visible
from payments import gateway, services
from payments.api.serializers import (
    CardPaymentCreateSerializer,
    CardPaymentErrorSerializer,
    CardPaymentSerializer,
    RequestKeySerializer,
)
from payments.models import PaymentStatus
from shop.api.parsers import JSONParser

REPLAYED_HEADER = "Idempotent-Replayed"
ONLY_BUYERS = gettext_lazy("Only a canteen's buyers can pay its orders by card.")


def _error(code: str, message: str, http_status: int, **extra) -> Response:
    return Response({"detail": message, "code": code, **extra}, status=http_status)


def payment_answer(started: services.Started) -> dict:
    payment = started.payment
    waiting = payment.status == PaymentStatus.REQUIRES_ACTION
    next_action = None
    if waiting:
        next_action = {
            "type": "redirect_to_url" if started.redirect_url else "use_stripe_sdk",
            "redirect_url": started.redirect_url,
        }
    return {
        "order": payment.order_number,
        "payment": payment.pk,
        "status": payment.status,
        "amount": payment.amount,
        "currency": payment.currency,
        "refunded": payment.refunded,
        "client_secret": started.client_secret if waiting else "",
        "next_action": next_action,
    }


def _checked(serializer_class, data):
    body = serializer_class(data=data)
    if not body.is_valid():
        raise ValidationError(body.errors)
    return body.validated_data


ERROR = CardPaymentErrorSerializer


class BulkOrderCardPaymentView(APIView):
    """Pay a bulk order by card, for its total."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="bulk_orders_card_payment_create",
        tags=["bulk-orders"],
        request=CardPaymentCreateSerializer,
        parameters=[
            OpenApiParameter("number", str, OpenApiParameter.PATH),
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description=(
                    "Up to 200 characters. The same key again answers the payment "
                    "the first request started (header Idempotent-Replayed: true; "
                    "a refused card is refused again); with another payment method "
                    "it answers 422."
                ),
            ),
        ],
        responses={
            200: CardPaymentSerializer,
            402: OpenApiResponse(ERROR, description="The card was refused"),
            403: OpenApiResponse(description="Not a canteen's buyer"),
            404: OpenApiResponse(description="No such order at your canteens"),
            409: OpenApiResponse(
                ERROR,
                description="Not payable now (code cancelled, already_paid or "
                "payment_under_way)",
            ),
            422: OpenApiResponse(
                ERROR, description="Idempotency-Key used with another card"
            ),
            502: OpenApiResponse(ERROR, description="Stripe refused the request"),
            503: OpenApiResponse(
                ERROR,
                description="Card payment switched off (no Stripe keys), or "
                "Stripe unreachable",
            ),
        },
    )
    def post(self, request, number):
        """Pay the order's total with a Stripe payment method, confirmed at once.

        Answers the payment's status: ``succeeded`` when paid; ``requires_action``
        when the bank asks the card holder to confirm (3-D Secure), with the
        ``client_secret`` for Stripe.js and the ``next_action`` (the bank's page
        when it redirects); ``processing`` while the bank decides. The webhook
        then records the outcome."""
        buyer_of = organisation_ids(user=request.user, role=Role.BUYER)
        if not buyer_of:
            raise PermissionDenied(ONLY_BUYERS)
        bulk_order = get_object_or_404(
            orders_visible(user=request.user).filter(organisation_id__in=buyer_of),
            order__number=number,
        )
        header = _checked(
            RequestKeySerializer,
            {"idempotency_key": request.headers.get("Idempotency-Key", "")},
        )
        body = _checked(CardPaymentCreateSerializer, request.data)
        client_key = header["idempotency_key"]
        try:
            started = services.pay_order_by_card(
                order=bulk_order.order,
                payment_method=body["payment_method"],
                request_key=f"api-{request.user.pk}-{client_key}" if client_key else "",
                return_url=body["return_url"],
            )
        except gateway.PaymentsDisabled:
            return _error(
                "card_payment_off",
                _(
                    "Card payment is switched off: this shop has no Stripe keys "
                    "configured. Pay this order another way."
                ),
                status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        except services.OrderNotPayable as exc:
            return _error(exc.code, exc.message, status.HTTP_409_CONFLICT)
        except services.RequestKeyReused as exc:
            return _error(
                "idempotency_key_reused",
                exc.message,
                status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        except services.CardPaymentFailed as exc:
            extra = {"payment": exc.payment.pk} if exc.payment is not None else {}
            return _error(
                "card_declined", exc.message, status.HTTP_402_PAYMENT_REQUIRED, **extra
            )
        except gateway.GatewayUnavailable as exc:
            return _error(
                "stripe_unavailable",
                _("Stripe cannot be reached just now; try again in a moment.")
                + f" ({exc.message})",
                status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        except gateway.GatewayRejected as exc:
            return _error("stripe_refused", exc.message, status.HTTP_502_BAD_GATEWAY)
        response = Response(CardPaymentSerializer(payment_answer(started)).data)
        if started.replayed:
            response[REPLAYED_HEADER] = "true"
        return response
