"""A small fake of Stripe's API, served on 127.0.0.1 in a thread.

Enough of the v1 API for the real ``stripe`` library: payment intents (create,
retrieve, confirm, capture, cancel) and refunds, form-encoded requests, Stripe's
JSON error shape, and ``Idempotency-Key`` honoured (the same key answers the first
response again; the same key with other parameters is an ``idempotency_error``).

Stripe's test payment methods decide what a confirmation does:
``pm_card_visa`` succeeds, ``pm_card_chargeDeclined`` is declined (402, card_error),
``pm_card_threeDSecure2Required`` needs the card holder (``requires_action`` with a
redirect), ``pm_card_processing`` stays ``processing`` (not a Stripe id: ours, for
the asynchronous case). Each state change is also written as the event Stripe would
send (``events``), for the tests to deliver to our webhook, in any order.
"""

import itertools
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse

SECRET_KEY = "sk_test_fake_nongjia"
PUBLISHABLE_KEY = "pk_test_fake_nongjia"
WEBHOOK_SECRET = "whsec_fake_nongjia"

SUCCEEDS = {"pm_card_visa", "pm_card_mastercard"}
DECLINED = {"pm_card_chargeDeclined": "generic_decline"}
NEEDS_ACTION = {"pm_card_threeDSecure2Required", "pm_card_authenticationRequired"}
PROCESSING = {"pm_card_processing"}


class StripeFailure(Exception):
    def __init__(self, status: int, error: dict):
        super().__init__(error.get("message", ""))
        self.status = status
        self.error = error


def unflatten(pairs) -> dict:
    """``metadata[a]=1&payment_method_types[0]=card`` back into a dict."""
    out: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(out)


def _lists(node):
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_lists(node[k]) for k in sorted(node, key=int)]
        return {k: _lists(v) for k, v in node.items()}
    return node


class FakeStripe:
    """The state of the fake: intents, charges, refunds, events, idempotency."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.intents: dict[str, dict] = {}
            self.charges: dict[str, dict] = {}
            self.refunds: dict[str, dict] = {}
            self.events: list[dict] = []
            self.idempotent: dict[str, tuple] = {}
            self.requests: list[tuple[str, str, dict, str]] = []
            self.ids = itertools.count(1)
            self.base_url = getattr(self, "base_url", "")

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self.ids):06d}"

    # --- requests --------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict, key: str):
        with self.lock:
            self.requests.append((method, path, params, key))
            if key:
                seen = self.idempotent.get(key)
                if seen is not None:
                    if seen[0] != (method, path, params):
                        return 400, _error(
                            "idempotency_error",
                            "Keys for idempotent requests can only be used with "
                            "the same parameters they were first used with.",
                        )
                    return seen[1], seen[2]
            try:
                status, body = 200, self.route(method, path, params)
            except StripeFailure as exc:
                status, body = exc.status, {"error": exc.error}
            if key and method == "POST":
                self.idempotent[key] = ((method, path, params), status, body)
            return status, body

    def route(self, method: str, path: str, params: dict) -> dict:
        parts = path.strip("/").split("/")
        if parts[:2] == ["v1", "payment_intents"]:
            if len(parts) == 2 and method == "POST":
                return self.create_intent(params)
            intent = self.intent(parts[2])
            if len(parts) == 3 and method == "GET":
                return intent
            if len(parts) == 3 and method == "POST":
                intent["metadata"].update(params.get("metadata", {}))
                return intent
            if len(parts) == 4 and method == "POST":
                action = {
                    "confirm": self.confirm,
                    "capture": self.capture,
                    "cancel": self.cancel,
                }.get(parts[3])
                if action:
                    return action(intent, params)
        if parts == ["v1", "refunds"] and method == "POST":
            return self.create_refund(params)
        raise StripeFailure(
            404,
            {
                "type": "invalid_request_error",
                "message": f"Unrecognized request URL ({method}: {path}).",
            },
        )

    def intent(self, intent_id: str) -> dict:
        if intent_id not in self.intents:
            raise StripeFailure(
                404,
                {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "param": "intent",
                    "message": f"No such payment_intent: '{intent_id}'",
                },
            )
        return self.intents[intent_id]

    # --- payment intents -------------------------------------------------------

    def create_intent(self, params: dict) -> dict:
        amount = params.get("amount", "")
        if not amount.isdigit() or int(amount) < 1:
            raise StripeFailure(400, _param_error("amount", "Invalid integer"))
        if params.get("currency") != "cny":
            raise StripeFailure(400, _param_error("currency", "Invalid currency"))
        intent_id = self.new_id("pi")
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(amount),
            "amount_received": 0,
            "currency": "cny",
            "capture_method": params.get("capture_method", "automatic"),
            "client_secret": f"{intent_id}_secret_fake",
            "created": int(time.time()),
            "description": params.get("description"),
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": params.get("metadata", {}),
            "next_action": None,
            "payment_method": params.get("payment_method"),
            "payment_method_types": params.get("payment_method_types", ["card"]),
            "status": "requires_payment_method",
        }
        if intent["payment_method"]:
            intent["status"] = "requires_confirmation"
        self.intents[intent_id] = intent
        self.event("payment_intent.created", intent)
        if params.get("confirm") == "true":
            return self.confirm(intent, params)
        return intent

    def confirm(self, intent: dict, params: dict) -> dict:
        if intent["status"] not in ("requires_payment_method", "requires_confirmation"):
            raise StripeFailure(
                400,
                {
                    "type": "invalid_request_error",
                    "code": "payment_intent_unexpected_state",
                    "message": "This PaymentIntent's status is "
                    f"{intent['status']}; it cannot be confirmed.",
                },
            )
        method = params.get("payment_method") or intent["payment_method"]
        intent["payment_method"] = method
        intent["last_payment_error"] = None
        if method in SUCCEEDS:
            return self.pay(intent)
        if method in DECLINED:
            charge = self.charge(intent, status="failed")
            error = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": DECLINED[method],
                "charge": charge["id"],
                "message": "Your card was declined.",
            }
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = dict(error)
            self.event("payment_intent.payment_failed", intent)
            raise StripeFailure(402, {**error, "payment_intent": _copy(intent)})
        if method in NEEDS_ACTION:
            intent["status"] = "requires_action"
            intent["next_action"] = {
                "type": "redirect_to_url",
                "redirect_to_url": {
                    "url": f"{self.base_url}/3ds/{intent['id']}",
                    "return_url": params.get("return_url"),
                },
            }
            self.event("payment_intent.requires_action", intent)
            return intent
        if method in PROCESSING:
            intent["status"] = "processing"
            self.event("payment_intent.processing", intent)
            return intent
        raise StripeFailure(
            400,
            {
                "type": "invalid_request_error",
                "code": "resource_missing",
                "param": "payment_method",
                "message": f"No such PaymentMethod: '{method}'",
            },
        )

    def pay(self, intent: dict) -> dict:
        charge = self.charge(intent, status="succeeded")
        intent["next_action"] = None
        if intent["capture_method"] == "manual":
            intent["status"] = "requires_capture"
            self.event("payment_intent.amount_capturable_updated", intent)
            return intent
        charge["captured"] = True
        intent["status"] = "succeeded"
        intent["amount_received"] = intent["amount"]
        self.event("payment_intent.succeeded", intent)
        return intent

    def charge(self, intent: dict, *, status: str) -> dict:
        charge = {
            "id": self.new_id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_refunded": 0,
            "captured": False,
            "currency": "cny",
            "payment_intent": intent["id"],
            "refunded": False,
            "refunds": {"object": "list", "data": [], "has_more": False},
            "status": status,
        }
        self.charges[charge["id"]] = charge
        intent["latest_charge"] = charge["id"]
        return charge

    def capture(self, intent: dict, params: dict) -> dict:
        if intent["status"] != "requires_capture":
            raise StripeFailure(400, _state_error(intent, "captured"))
        self.charges[intent["latest_charge"]]["captured"] = True
        intent["status"] = "succeeded"
        intent["amount_received"] = int(
            params.get("amount_to_capture", intent["amount"])
        )
        self.event("payment_intent.succeeded", intent)
        return intent

    def cancel(self, intent: dict, params: dict) -> dict:
        if intent["status"] in ("succeeded", "canceled", "processing"):
            raise StripeFailure(400, _state_error(intent, "canceled"))
        intent["status"] = "canceled"
        intent["next_action"] = None
        self.event("payment_intent.canceled", intent)
        return intent

    def authenticate(self, intent_id: str, *, succeed: bool = True) -> dict:
        """The card holder passes (or fails) the bank's 3-D Secure page."""
        with self.lock:
            intent = self.intent(intent_id)
            if succeed:
                return _copy(self.pay(intent))
            intent["status"] = "requires_payment_method"
            intent["next_action"] = None
            intent["last_payment_error"] = {
                "type": "card_error",
                "code": "payment_intent_authentication_failure",
                "message": "The card holder did not authenticate.",
            }
            self.event("payment_intent.payment_failed", intent)
            return _copy(intent)

    # --- refunds -----------------------------------------------------------------

    def create_refund(self, params: dict) -> dict:
        intent = self.intent(params.get("payment_intent", ""))
        if intent["status"] != "succeeded":
            raise StripeFailure(400, _state_error(intent, "refunded"))
        charge = self.charges[intent["latest_charge"]]
        left = intent["amount_received"] - charge["amount_refunded"]
        amount = int(params.get("amount", left))
        if amount < 1 or amount > left:
            raise StripeFailure(
                400,
                {
                    "type": "invalid_request_error",
                    "code": "amount_too_large"
                    if amount > left
                    else "parameter_invalid_integer",
                    "param": "amount",
                    "message": f"Refund amount ({amount}) is greater than "
                    f"unrefunded amount on charge ({left})",
                },
            )
        refund = {
            "id": self.new_id("re"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "currency": "cny",
            "metadata": params.get("metadata", {}),
            "payment_intent": intent["id"],
            "reason": params.get("reason"),
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, refund)
        self.event("refund.created", refund)
        self.event("charge.refunded", charge)
        return refund

    # --- events ------------------------------------------------------------------

    def event(self, kind: str, obj: dict) -> None:
        self.events.append(
            {
                "id": self.new_id("evt"),
                "object": "event",
                "api_version": "2025-03-31.basil",
                "created": int(time.time()),
                "data": {"object": _copy(obj)},
                "livemode": False,
                "pending_webhooks": 1,
                "type": kind,
            }
        )

    def events_of(self, kind: str, object_id: str = "") -> list[dict]:
        return [
            e
            for e in self.events
            if e["type"] == kind
            and (not object_id or e["data"]["object"]["id"] == object_id)
        ]


def _copy(obj: dict) -> dict:
    return json.loads(json.dumps(obj))


def _error(kind: str, message: str) -> dict:
    return {"error": {"type": kind, "message": message}}


def _param_error(param: str, message: str) -> dict:
    return {"type": "invalid_request_error", "param": param, "message": message}


def _state_error(intent: dict, verb: str) -> dict:
    return {
        "type": "invalid_request_error",
        "code": "payment_intent_unexpected_state",
        "message": f"This PaymentIntent could not be {verb} because it has a "
        f"status of {intent['status']}.",
    }


def _handler(fake: FakeStripe):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self._answer("GET")

        def do_POST(self):
            self._answer("POST")

        def do_DELETE(self):
            self._answer("DELETE")

        def _answer(self, method):
            url = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            pairs = parse_qsl(body if method == "POST" else url.query)
            auth = self.headers.get("Authorization", "")
            if auth != f"Bearer {SECRET_KEY}":
                status, answer = (
                    401,
                    _error("invalid_request_error", "Invalid API Key provided."),
                )
            else:
                status, answer = fake.handle(
                    method,
                    url.path,
                    unflatten(pairs),
                    self.headers.get("Idempotency-Key", ""),
                )
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", f"req_fake{time.monotonic_ns()}")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A client gone before its answer (a worker killed on purpose by the
        fault tests) is not an error of the fake; anything else is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeStripeServer:
    """The fake, listening on a free local port until ``stop()``."""

    def __init__(self):
        self.fake = FakeStripe()
        self.httpd = _Server(("127.0.0.1", 0), _handler(self.fake))
        host, port = self.httpd.server_address
        self.url = f"http://{host}:{port}"
        self.fake.base_url = self.url
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> "FakeStripeServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
