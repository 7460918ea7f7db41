"""The Stripe webhook endpoint: verify, store, answer. Applying the event is a
task's job (``payments.webhooks``), so Stripe never waits on our handlers."""

import logging

from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments import gateway, webhooks

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    try:
        event = gateway.verify_webhook(
            request.body, request.headers.get("Stripe-Signature", "")
        )
    except gateway.BadSignature as exc:
        logger.warning("Stripe webhook refused: %s", exc)
        return HttpResponseBadRequest("bad signature or payload")
    _stored, created = webhooks.store_event(event)
    return HttpResponse("ok" if created else "already received")
