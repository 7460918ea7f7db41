"""Each request acts as its user, from its address, under a request id.

Placed after ``AuthenticationMiddleware``. The request id is the caller's
``X-Request-ID`` when it is a plain token (a proxy's, or a client's that wants to
find its request in the log), else a new one; the response carries it back.

The address is ``REMOTE_ADDR``, unless ``NONGJIA_PROXY_HOPS`` says how many
reverse proxies we trust in front of the web processes (the deployment's Caddy:
1): then it is the address the nearest of them saw, taken from the right of
``X-Forwarded-For``, where a client cannot forge it.
"""

import ipaddress
import re
import uuid

from django.conf import settings

from audit.context import acting

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
ANONYMOUS = "anonymous"


def request_id_of(request) -> str:
    given = request.headers.get("X-Request-ID", "")
    return given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def client_ip(request) -> str | None:
    address = request.META.get("REMOTE_ADDR", "")
    hops = getattr(settings, "NONGJIA_PROXY_HOPS", 0)
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_of(request)
        with acting(
            label=ANONYMOUS,  # unless the request's user signs in
            request=request,
            ip=client_ip(request),
            request_id=request_id,
        ):
            response = self.get_response(request)
        response.headers.setdefault("X-Request-ID", request_id)
        return response
