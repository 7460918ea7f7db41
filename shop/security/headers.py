"""Response headers Django and django-csp do not write: Permissions-Policy, and the
CSP hashes of the inline event handlers in Oscar's templates.

The settings import this module, so it imports nothing from Django's apps.
"""

import base64
import hashlib

from django.conf import settings

# Inline event handlers (onclick="...") in the templates we serve: Oscar's cancel
# links, pop-up close links, the mini-basket's "View basket" button and print
# buttons (ours on the delivery documents too). A nonce cannot allow an attribute;
# CSP's 'unsafe-hashes' allows exactly these sources and no other inline code.
# tests/integration/test_security_headers.py checks the pages' handlers are here.
# Left out: the two handlers of Oscar's product image widget, which name each
# image's element and so cannot be hashed in advance; blocked, they leave the
# "Upload Image" button showing beside a chosen image's preview.
INLINE_EVENT_HANDLERS = (
    "window.history.go(-1);return false",
    "history.go(-1);return false",
    "javascript:history.go(-1);",
    "window.close();return false;",
    "window.location.href='/basket/';",
    "window.print()",
)


def csp_hash(source: str) -> str:
    """A CSP source expression allowing exactly ``source``."""
    digest = hashlib.sha256(source.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def handler_hashes() -> list[str]:
    return [csp_hash(source) for source in INLINE_EVENT_HANDLERS]


class PermissionsPolicyMiddleware:
    """Adds ``PERMISSIONS_POLICY`` (browser features no page of ours uses, switched
    off for our pages and anything they embed) unless a view set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response
