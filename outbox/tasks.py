"""Celery tasks of the outbox. Importing this module registers them."""

from celery import shared_task

from outbox import services


@shared_task(name="outbox.tasks.purge_sent_messages")
def purge_sent_messages() -> int:
    """Daily (beat): sent rows older than ``NONGJIA_OUTBOX_KEEP_DAYS`` go.
    Idempotent: a second run finds nothing more to delete."""
    return services.purge_sent()
