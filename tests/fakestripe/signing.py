"""Webhook payloads signed the way Stripe signs them."""

import hashlib
import hmac
import json
import time


def signature_header(payload: str, secret: str, timestamp: int | None = None) -> str:
    """``t=<unix time>,v1=<HMAC-SHA256 of "<t>.<payload>" with the secret>``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256)
    return f"t={t},v1={mac.hexdigest()}"


def signed(event: dict, secret: str, **kwargs) -> tuple[str, str]:
    """The body and the ``Stripe-Signature`` header of a webhook delivery."""
    payload = json.dumps(event)
    return payload, signature_header(payload, secret, **kwargs)
