"""Stripe, behind one module: the only place that imports ``stripe``.

Everything else speaks yuan (``Decimal``, two places) and our own exceptions; the
conversion to fen (Stripe's minor unit for CNY) happens here and refuses an amount
that is not a whole number of fen, rather than rounding someone's money. Every call
that creates or moves money carries the caller's idempotency key, so a retried
request (ours or the library's) can never charge or refund twice.

Configured from settings on each call (never at import time): without
``STRIPE_SECRET_KEY`` and ``STRIPE_WEBHOOK_SECRET`` card payment is switched off
(``enabled()`` is false) and the rest of the shop works without it.
``STRIPE_API_BASE`` points the library at another API server: the tests' fake one.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import stripe
from django.conf import settings

CURRENCY = "cny"
FEN_PER_YUAN = 100
# Stripe's maximum amount for a single charge in CNY is far below this; it is a
# guard against a typing error turning into a very large charge.
MAX_FEN = 99_999_999


class GatewayError(Exception):
    """Something went wrong talking to Stripe. ``transient`` errors may succeed
    when retried with the same idempotency key; the others will not."""

    transient = False

    def __init__(self, message: str, *, code: str = "", intent: "Intent | None" = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.intent = intent


class PaymentsDisabled(GatewayError):
    """No Stripe keys in the environment: card payment is switched off."""


class CardDeclined(GatewayError):
    """The card was refused (declined, expired, wrong CVC...): tell the payer."""


class GatewayUnavailable(GatewayError):
    """Network trouble, rate limiting or a Stripe-side error: retry later."""

    transient = True


class GatewayRejected(GatewayError):
    """Stripe refused the request itself (bad parameters, keys, idempotency key
    reused with other parameters): a bug or a misconfiguration, not the payer's."""


class IdempotencyKeyReused(GatewayRejected):
    """The idempotency key was already used with other parameters: another
    request for the same thing (another card, another amount) came first."""


class BadSignature(Exception):
    """A webhook whose signature or payload does not verify."""


@dataclass(frozen=True)
class Intent:
    """What we keep of a PaymentIntent."""

    id: str
    status: str
    amount_yuan: Decimal
    currency: str
    client_secret: str = ""
    redirect_url: str = ""
    error_message: str = ""
    latest_charge: str = ""
    payment_method: str = ""
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundResult:
    id: str
    status: str
    amount_yuan: Decimal


# --- configuration -------------------------------------------------------------------


def enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def publishable_key() -> str:
    return settings.STRIPE_PUBLISHABLE_KEY


def _client() -> stripe.StripeClient:
    if not enabled():
        raise PaymentsDisabled("Card payment is switched off (no Stripe keys).")
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base,
        max_network_retries=2,  # safe: every money-moving call has its key
    )


# --- money ---------------------------------------------------------------------------


def to_fen(amount_yuan: Decimal) -> int:
    """Yuan to fen, exactly; a fraction of a fen is refused, never rounded."""
    if not isinstance(amount_yuan, Decimal):
        raise TypeError("amounts are Decimal yuan")
    fen = amount_yuan * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount_yuan} yuan is not a whole number of fen")
    if not 0 < fen <= MAX_FEN:
        raise ValueError(f"{amount_yuan} yuan is out of range for a card payment")
    return int(fen)


def to_yuan(fen: int) -> Decimal:
    return (Decimal(int(fen)) / FEN_PER_YUAN).quantize(Decimal("0.01"))


# --- calls ---------------------------------------------------------------------------


def create_payment_intent(
    *,
    amount_yuan: Decimal,
    order_number: str,
    idempotency_key: str,
    metadata: dict | None = None,
    payment_method: str = "",
    return_url: str = "",
) -> Intent:
    """A PaymentIntent for the order; confirmed at once when a payment method is
    given (the server-side flow), which may leave it ``requires_action``."""
    params = {
        "amount": to_fen(amount_yuan),
        "currency": CURRENCY,
        "description": f"Order {order_number}",
        "metadata": {**(metadata or {}), "order_number": order_number},
    }
    if payment_method:
        params.update(
            payment_method=payment_method,
            payment_method_types=["card"],
            confirm=True,
        )
        if return_url:
            params["return_url"] = return_url
    return _call(
        lambda c: c.v1.payment_intents.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    )


def retrieve(intent_id: str) -> Intent:
    return _call(lambda c: c.v1.payment_intents.retrieve(intent_id))


def capture(
    intent_id: str, *, idempotency_key: str, amount_yuan: Decimal | None = None
) -> Intent:
    params = {} if amount_yuan is None else {"amount_to_capture": to_fen(amount_yuan)}
    return _call(
        lambda c: c.v1.payment_intents.capture(
            intent_id, params=params, options={"idempotency_key": idempotency_key}
        )
    )


def cancel(intent_id: str, *, idempotency_key: str) -> Intent:
    return _call(
        lambda c: c.v1.payment_intents.cancel(
            intent_id, options={"idempotency_key": idempotency_key}
        )
    )


def refund(
    intent_id: str,
    *,
    amount_yuan: Decimal,
    idempotency_key: str,
    reason: str = "",
    metadata: dict | None = None,
) -> RefundResult:
    """Refund part or all of a succeeded intent. Stripe's own ``reason`` takes
    only its three codes; ours (in words) travels in the metadata."""
    params = {
        "payment_intent": intent_id,
        "amount": to_fen(amount_yuan),
        "reason": "requested_by_customer",
        "metadata": {**(metadata or {}), "reason": reason[:500]},
    }
    try:
        result = _client().v1.refunds.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    except stripe.StripeError as exc:
        raise _translate(exc) from exc
    return RefundResult(
        id=result.id, status=result.status, amount_yuan=to_yuan(result.amount)
    )


def verify_webhook(payload: bytes, signature: str) -> dict:
    """The event, as plain data, if Stripe signed it with our webhook secret."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise BadSignature("no webhook secret configured")
    try:
        event = stripe.Webhook.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET
        )
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise BadSignature(str(exc)) from exc
    data = event.to_dict()
    if not data.get("id") or not data.get("type"):
        raise BadSignature("not an event")
    return data


# --- translation -------------------------------------------------------------------


def _call(request) -> Intent:
    try:
        return intent_of(request(_client()))
    except stripe.StripeError as exc:
        raise _translate(exc) from exc


def intent_of(obj) -> Intent:
    """Our view of a PaymentIntent, from a library object or a webhook's dict."""
    data = obj if isinstance(obj, dict) else obj.to_dict()
    action = data.get("next_action") or {}
    redirect = (action.get("redirect_to_url") or {}).get("url") or ""
    error = data.get("last_payment_error") or {}
    charge = data.get("latest_charge") or ""
    method = data.get("payment_method") or ""
    return Intent(
        id=data["id"],
        status=data["status"],
        amount_yuan=to_yuan(data["amount"]),
        currency=(data.get("currency") or CURRENCY).upper(),
        client_secret=data.get("client_secret") or "",
        redirect_url=redirect,
        error_message=error.get("message") or "",
        latest_charge=charge if isinstance(charge, str) else charge.get("id", ""),
        payment_method=method if isinstance(method, str) else method.get("id", ""),
        metadata=dict(data.get("metadata") or {}),
    )


# Stripe's error code for a request whose idempotency key another request holds.
KEY_IN_USE = "idempotency_key_in_use"


def _translate(exc: "stripe.StripeError") -> GatewayError:
    message = exc.user_message or str(exc) or exc.__class__.__name__
    code = getattr(exc, "code", "") or ""
    if isinstance(exc, stripe.CardError):
        body = (exc.json_body or {}).get("error", {})
        intent = body.get("payment_intent")
        return CardDeclined(
            message, code=code, intent=intent_of(intent) if intent else None
        )
    if isinstance(
        exc, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError
    ):
        return GatewayUnavailable(message, code=code)
    if isinstance(exc, stripe.IdempotencyError):
        if code == KEY_IN_USE:
            # Our own request with the same key is still running at Stripe (a
            # re-delivered task, the refund sweep): nothing was saved for this
            # one, and trying again later gets the first one's answer.
            return GatewayUnavailable(message, code=code)
        return IdempotencyKeyReused(message, code=code)
    return GatewayRejected(message, code=code)
