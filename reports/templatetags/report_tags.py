"""Template helpers of the report pages, and the store navigation's link to
them."""

from django import template
from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse

from reports.access import report_scope

register = template.Library()


@register.simple_tag
def background_export_url(name: str = "start") -> str:
    """Where the background export form posts (``list``: the user's exports), or
    "" while the exports are not installed (the pages then offer downloads
    only)."""
    try:
        return reverse(f"report-exports:{name}")
    except NoReverseMatch:
        return ""


@register.simple_tag(takes_context=True)
def sees_reports(context) -> bool:
    """Whether the navigation shows the signed-in user the sales reports."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    try:
        report_scope(user)
    except PermissionDenied:
        return False
    return True


@register.filter
def percent_change(change) -> str:
    """``12.5`` is ``+12.5%``; no figure before (None) is a dash."""
    if change is None:
        return "—"
    return f"+{change}%" if change > 0 else f"{change}%"
