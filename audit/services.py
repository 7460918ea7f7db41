"""Writing the audit log: ``record`` one change, ``record_many`` one action on
many objects, and ``batch`` to make everything recorded inside it one INSERT.

Services call these inside their own transaction, next to the change, so the
entry commits or rolls back with it. Who acted comes from the ``actor`` a service
was given (when it names a signed-in user) or else from ``audit.context``: the
request's user, a task's ``task:<name>``, a command's label, else ``system``.

Query cost: ``record`` outside a batch is one INSERT; inside ``batch()`` nothing
is written until the outermost batch ends, then all its entries go in one
``bulk_create``. A service that records several things (placing an order routes
it: the order and its allocations) runs under ``batch()`` and so costs one INSERT
whatever the number of lines (on PostgreSQL; SQLite takes 99 entries a statement).
A batch must sit inside the transaction (``@transaction.atomic`` above
``@batch()``). A batch that ends with an exception writes nothing; a nested one
drops only what it recorded, as the savepoint of the service it wraps is rolled
back.
"""

import datetime
import enum
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise

from audit import context
from audit.models import AuditEntry

_pending: ContextVar[list[AuditEntry] | None] = ContextVar(
    "audit_pending", default=None
)

Changes = Mapping[str, Any] | None


def jsonable(value):
    """Changes as JSON that reads back equal: Decimal as a string (never a
    float), dates in ISO format, model instances by primary key."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(jsonable(item) for item in value)
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list]:
    """``{field: [old, new]}`` for the fields whose value changed."""
    return {
        field: [before.get(field), value]
        for field, value in after.items()
        if before.get(field) != value
    }


def form_changes(form) -> dict[str, list]:
    """``{field: [old, new]}`` for what a model form (an admin page's) changed."""
    return {
        field: [form.initial.get(field), form.cleaned_data.get(field)]
        for field in form.changed_data
    }


def user_label(user) -> str:
    return (getattr(user, "email", "") or user.get_username())[:255]


def _entry(action: str, obj, changes: Changes, actor, now) -> AuditEntry:
    acting = context.current()
    user = actor if getattr(actor, "is_authenticated", False) else acting.user
    return AuditEntry(
        at=now,
        actor_id=user.pk if user is not None else None,
        actor_label=user_label(user)
        if user is not None
        else (acting.label or context.SYSTEM),
        ip=acting.ip,
        request_id=acting.request_id,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk)[:64],
        object_repr=str(obj)[:200],
        changes=jsonable(dict(changes or {})),
    )


def _write(entries: list[AuditEntry]) -> list[AuditEntry]:
    pending = _pending.get()
    if pending is not None:
        pending.extend(entries)
    elif entries:
        AuditEntry.objects.bulk_create(entries)
    return entries


def record(action: str, obj, changes: Changes = None, *, actor=None) -> AuditEntry:
    """Record ``action`` (``"channel.updated"``) on ``obj`` (a model instance) with
    its ``changes``: ``{field: [old, new]}`` for edits, or the figures of the
    action (``{"kg": Decimal("12.5")}``)."""
    return _write([_entry(action, obj, changes, actor, timezone.now())])[0]


def record_many(
    action: str,
    objs: Iterable,
    changes: Callable[[Any], Changes] | Changes = None,
    *,
    actor=None,
) -> list[AuditEntry]:
    """The same action on many objects, in one INSERT; ``changes`` is one mapping
    for all or a function of each object."""
    now = timezone.now()
    return _write(
        [
            _entry(
                action, obj, changes(obj) if callable(changes) else changes, actor, now
            )
            for obj in objs
        ]
    )


@contextmanager
def batch():
    """Everything recorded inside is written in one INSERT when the outermost
    batch ends (as a decorator: ``@batch()``, under ``@transaction.atomic``)."""
    pending = _pending.get()
    if pending is not None:
        mark = len(pending)
        try:
            yield
        except BaseException:
            del pending[mark:]
            raise
        return
    pending = []
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    if pending:
        AuditEntry.objects.bulk_create(pending)
