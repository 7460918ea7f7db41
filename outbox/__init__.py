"""A transactional outbox for Celery: a task to run is a row written in the
transaction of the work it follows, then sent to the broker.

Why our own small app rather than a library: the maintained Django+Celery outbox
(django-celery-outbox) replaces the Celery app class so that every send goes through
its table, publishes only from its relay (every task waits for the relay's next
poll), pulls in structlog, Sentry and Datadog clients, and leaves de-duplication to
the tasks. We want the opposite trade: publish at once after commit when the broker
answers (failing within a few hundred milliseconds when it does not), a relay only
for what that missed, in-process tasks unchanged for the embedded default, and each
task run carrying its message's id so a task whose effect cannot be made idempotent
by its business key applies it once (``services.applying_once``). That is a few
hundred lines; see docs/operations.md, "Task outbox".
"""
