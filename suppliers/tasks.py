"""Celery tasks of the supply side: thin wrappers over services."""

from celery import shared_task

from suppliers import stock


@shared_task(name="suppliers.tasks.write_off_expired_lots")
def write_off_expired_lots() -> int:
    """Hourly: stock past best-before stops counting as stock. Idempotent: a lot
    already written off has nothing free left and is skipped."""
    return stock.write_off_expired_lots()
