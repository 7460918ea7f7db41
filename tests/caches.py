"""Emptying the cache between tests that count in it (lockouts, throttles, love-card
attempts) without touching another test process's keys."""

from django.core.cache import cache


def clear_cache() -> None:
    """This process's keys only: on Redis, ``cache.clear()`` would empty the whole
    database that parallel test processes share (shop.settings.test gives each a
    key prefix); the in-process cache of the embedded default is this process's."""
    if hasattr(cache, "delete_pattern"):  # django-redis: applies the key prefix
        cache.delete_pattern("*")
    else:
        cache.clear()
