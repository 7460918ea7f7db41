"""Who is acting right now, for the audit entries written meanwhile.

One context variable holds the current ``Actor``: set for each request by
``audit.middleware.AuditContextMiddleware``, for each Celery task by the
``task_prerun``/``task_postrun`` handlers below (connected in ``AuditConfig.ready``),
and by ``acting()`` around management commands and the demo loader. A context
variable, not a thread-local, so an eager task run inside a request gets its own
actor and gives the request's back when it ends.

A request's user is read when an entry is written, not when the request starts:
the API authenticates (a token) inside the view, after the middleware ran, and
DRF then sets the user on the Django request that the actor points at.
"""

import uuid
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass

SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    label: str = ""
    ip: str | None = None
    request_id: str = ""
    request: object = None  # the Django request whose user is acting, if any

    @property
    def user(self):
        user = getattr(self.request, "user", None)
        return user if user is not None and user.is_authenticated else None


NOBODY = Actor()
_current: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)


def current() -> Actor:
    return _current.get() or NOBODY


@contextmanager
def acting(
    *, label: str = "", ip: str | None = None, request_id: str = "", request=None
):
    """Act as someone for a while (``label="command:load_demo"``)."""
    token = _current.set(
        Actor(label=label, ip=ip, request_id=request_id, request=request)
    )
    try:
        yield
    finally:
        _current.reset(token)


# --- Celery ---------------------------------------------------------------------

# Tokens of the tasks running in this process, by task id: ``task_postrun`` gives
# back the actor ``task_prerun`` replaced (a request's, when the task ran eagerly).
_task_tokens: dict[str, Token] = {}


def task_started(*, task_id=None, task=None, **kwargs) -> None:
    """``task_prerun``: entries written by the task are the task's."""
    name = getattr(task, "name", "") or "unknown"
    _task_tokens[task_id or ""] = _current.set(
        Actor(label=f"task:{name}", request_id=(task_id or uuid.uuid4().hex)[:64])
    )


def task_finished(*, task_id=None, **kwargs) -> None:
    """``task_postrun``: back to whoever was acting before the task."""
    token = _task_tokens.pop(task_id or "", None)
    if token is None:
        return
    try:
        _current.reset(token)
    except ValueError:  # set in another context (a thread pool): start afresh
        _current.set(None)
