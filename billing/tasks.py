"""Celery tasks of billing: thin, idempotent wrappers over ``billing.overdue``."""

from celery import shared_task
from django.utils import timezone

from billing import overdue

# Registered with the worker by importing this module (autodiscovery).
send_overdue_notice = overdue.send_overdue_notice


@shared_task(name="billing.tasks.flag_overdue_invoices")
def flag_overdue_invoices() -> int:
    """Daily: flag each invoice past its due date with money owed, once; its
    canteen is emailed after the flag commits. Returns how many were flagged."""
    today = timezone.localdate()
    return sum(
        overdue.flag_overdue_invoice(invoice_id=invoice_id, today=today)
        for invoice_id in overdue.invoices_to_flag(today=today)
    )
