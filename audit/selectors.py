"""Reading the audit log: entries newest first, narrowed by what, who and when.

The staff page (``audit.dashboard``) and the API (``audit.api``) check their
query strings into an ``AuditQuery`` and read through ``audit_entries``, so both
answer the same question the same way.
"""

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.models import AuditEntry


@dataclass(frozen=True)
class AuditQuery:
    object_type: str = ""  # a model's label: "order.order", "suppliers.stocklot"
    object_id: str = ""
    actor: int | None = None  # a user's id
    actor_label: str = ""  # the start of a label: "buyer@", "task:"
    action: str = ""  # "allocation.accepted", or "allocation" for all of them
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None  # included


def is_object_type(label: str) -> bool:
    """A model's lower-case label (``app_label.model``) the project knows."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return False
    return model._meta.label_lower == label


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_entries(query: AuditQuery = AuditQuery()) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if query.object_type:
        entries = entries.filter(object_type=query.object_type)
    if query.object_id:
        entries = entries.filter(object_id=query.object_id)
    if query.actor is not None:
        entries = entries.filter(actor_id=query.actor)
    if query.actor_label:
        entries = entries.filter(actor_label__istartswith=query.actor_label)
    if query.action:
        entries = entries.filter(
            Q(action=query.action) | Q(action__startswith=f"{query.action}.")
        )
    if query.date_from:
        entries = entries.filter(at__gte=_start_of(query.date_from))
    if query.date_to:
        entries = entries.filter(
            at__lt=_start_of(query.date_to + datetime.timedelta(days=1))
        )
    return entries.order_by("-at", "-pk")
