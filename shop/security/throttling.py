"""The API's request rates: per user (every token is one user's) and, for requests
without credentials, per client address.

The rates are ``DEFAULT_THROTTLE_RATES`` (``API_THROTTLE_USER``,
``API_THROTTLE_ANON``); a request over its rate answers 429 with ``Retry-After``
and the API's error shape (``shop.api.errors``). The counts live in the default
cache, Redis in production. A throttle protects capacity; it must not take the API
down with Redis, so a request whose count cannot be read or written goes through.
"""

import logging

from rest_framework import throttling
from rest_framework.settings import api_settings

logger = logging.getLogger(__name__)


class FailOpenMixin:
    """Lets the request through when the cache fails, and reads the rate when the
    request comes (DRF reads it when the module is imported), so a changed
    setting applies at once."""

    def get_rate(self):
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        return super().get_rate()

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:
            # Whatever the backend raises (redis-py, django-redis, a timeout): the
            # request is served uncounted, and the log says why.
            logger.warning(
                "API throttle %s skipped: the cache failed", self.scope, exc_info=True
            )
            return True


class UserRateThrottle(FailOpenMixin, throttling.UserRateThrottle):
    pass


class AnonRateThrottle(FailOpenMixin, throttling.AnonRateThrottle):
    pass
