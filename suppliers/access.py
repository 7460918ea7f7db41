"""Who may see and change which supply-side records.

Roles: platform staff (``is_staff``), officials (the ``officials`` group, read-only),
cooperative managers (users of the cooperative's Oscar partner), everyone else.
"""

from django.contrib.auth.models import AnonymousUser, User

OFFICIALS_GROUP = "officials"


def is_staff(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def is_official(user: User | AnonymousUser) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    cached = getattr(user, "_nongjia_is_official", None)
    if cached is None:
        cached = user.groups.filter(name=OFFICIALS_GROUP).exists()
        user._nongjia_is_official = cached
    return cached


def sees_all_supply(user: User | AnonymousUser) -> bool:
    """Staff and officials see every cooperative's records."""
    return is_staff(user) or is_official(user)
