"""Template helpers for the canteen pages and the store's navigation."""

from django import template

from canteens.models import Role, as_percent
from canteens.selectors import organisation_ids
from fulfilment.web.presenters import status_label
from suppliers.access import sees_all_supply

register = template.Library()


@register.filter
def order_status(status: str) -> str:
    """A bulk order's status in words (``Order.status`` holds the code)."""
    return status_label(status)


@register.filter
def share(ratio) -> str:
    """A reserved share as a percentage: ``0.30`` is ``30%``."""
    return "" if ratio is None else as_percent(ratio)


@register.simple_tag(takes_context=True)
def canteen_roles(context) -> dict:
    """Which canteen links the navigation shows the signed-in user."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"buyer": False, "member": False, "reports": False}
    buyer = bool(organisation_ids(user=user, role=Role.BUYER))
    return {
        "buyer": buyer,
        "member": buyer or bool(organisation_ids(user=user)),
        "reports": sees_all_supply(user),
    }
