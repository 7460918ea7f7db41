"""Overdue invoices: each is flagged once, with an audit row, and the canteen's
buyers and approvers are told by email once the flag is committed (the email task
is written to the outbox in the flag's transaction and sends once however often
it is delivered).

The flag is ``Invoice.overdue_notified_at``, set by a conditional update under
the account's lock (the order every billing change takes: account first), so
two runs of the daily task, or a run racing a payment, flag an invoice at most
once and never deadlock with the matching of a payment.
"""

import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing import selectors
from billing.models import AccountEvent, AccountEventKind, Invoice
from billing.services import lock_account
from canteens.models import Member, Role
from outbox.services import applying_once, enqueue


def invoices_to_flag(*, today: datetime.date) -> list[int]:
    """Ids of the overdue invoices not flagged yet, oldest first."""
    unflagged = Invoice.objects.filter(overdue_notified_at__isnull=True)
    return list(
        selectors.overdue(unflagged, today=today)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def flag_overdue_invoice(*, invoice_id: int, today: datetime.date) -> bool:
    """Flag one invoice overdue on ``today``; ``False`` (and nothing written) if
    it is flagged already, paid, or not yet due."""
    account_id = (
        Invoice.objects.filter(pk=invoice_id).values_list("account_id", flat=True)
    ).first()
    if account_id is None:
        return False
    lock_account(account_id)
    flagged = Invoice.objects.filter(
        pk=invoice_id,
        overdue_notified_at__isnull=True,
        due_on__lt=today,
        settled__lt=F("amount"),
    ).update(overdue_notified_at=timezone.now())
    if not flagged:
        return False
    invoice = Invoice.objects.get(pk=invoice_id)
    AccountEvent.objects.create(
        account_id=account_id,
        kind=AccountEventKind.OVERDUE,
        detail={
            "invoice": invoice.number,
            "due_on": invoice.due_on.isoformat(),
            "outstanding": str(invoice.outstanding),
            "days_overdue": (today - invoice.due_on).days,
        },
    )
    enqueue(send_overdue_notice, invoice_id)
    return True


def _recipients(organisation_id: int) -> list[str]:
    members = Member.objects.filter(
        organisation_id=organisation_id, role__in=(Role.BUYER, Role.APPROVER)
    ).select_related("user")
    return sorted({m.user.email for m in members if m.user.email})


@shared_task(name="billing.overdue.send_overdue_notice", bind=True)
def send_overdue_notice(self, invoice_id: int) -> bool:
    """Tell the canteen's buyers and approvers that an invoice is overdue (in the
    site's language), composed from what is true when the task runs: an invoice
    paid meanwhile is not mentioned."""
    with applying_once(self) as first:
        return first and _send_overdue_notice(invoice_id)


def _send_overdue_notice(invoice_id: int) -> bool:
    invoice = Invoice.objects.select_related(
        "account__organisation", "bulk_order__order"
    ).get(pk=invoice_id)
    if invoice.outstanding <= 0:
        return False
    recipients = _recipients(invoice.account.organisation_id)
    if not recipients:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "number": invoice.number,
            "order": invoice.bulk_order.order.number,
            "canteen": invoice.account.organisation.name,
            "issued": invoice.issued_on.isoformat(),
            "due": invoice.due_on.isoformat(),
            "amount": invoice.amount,
            "outstanding": invoice.outstanding,
        }
        subject = _("Invoice %(number)s is overdue") % values
        body = (
            _(
                "%(canteen)s: invoice %(number)s for order %(order)s, issued on "
                "%(issued)s, was due on %(due)s.\n"
                "Amount: %(amount)s yuan; still to pay: %(outstanding)s yuan.\n\n"
                "Please pay by bank transfer quoting the invoice number. Orders on "
                "account stop when the credit limit is reached."
            )
            % values
        )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return True
