from celery import shared_task

from lovecards import services


@shared_task(name="lovecards.tasks.expire_cards")
def expire_cards() -> int:
    """Daily: cards past their expiry lose what is left (idempotent: an
    expired card is skipped)."""
    return services.expire_cards()
