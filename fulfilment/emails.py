"""Emails about bulk orders (console backend unless configured), sent by a task.

Messages are composed from the database when the task runs, so a retried task sends
what is true then. An email cannot be taken back, so each outbox message sends its
emails once however often it is delivered (``outbox.services.applying_once``).
Buyers hear of their order's routing, shortfall, re-routing and dispatch; each
cooperative's managers hear of allocations waiting for them.
"""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from canteens.models import Role
from fulfilment.models import Allocation, AllocationStatus, BulkOrder, OrderStatus
from outbox.services import applying_once


def _buyer_emails(bulk_order) -> list[str]:
    members = bulk_order.organisation.members.filter(role=Role.BUYER)
    return sorted(
        {m.user.email for m in members.select_related("user") if m.user.email}
    )


def _manager_emails(cooperative) -> list[str]:
    return sorted({u.email for u in cooperative.partner.users.all() if u.email})


def _order_summary(bulk_order) -> str:
    rows = []
    for line in bulk_order.bulk_lines.select_related("line").order_by("line_id"):
        row = f"- {line.line.title} x {line.units}: {line.ordered_kg} kg"
        if line.short_kg:
            row += " " + _("(short %(kg)s kg)") % {"kg": line.short_kg}
        rows.append(row)
    return "\n".join(rows)


def _tell_buyer(bulk_order, kind: str) -> None:
    number, day = bulk_order.order.number, bulk_order.delivery_date
    subjects = {
        "routed": _("Order %(number)s for %(day)s: %(status)s"),
        "rerouted": _("Order %(number)s for %(day)s re-routed: %(status)s"),
        "shipped": _("Order %(number)s for %(day)s is on its way"),
    }
    status = OrderStatus(bulk_order.order.status).label
    subject = subjects[kind] % {"number": number, "day": day, "status": status}
    short = any(line.short_kg for line in bulk_order.bulk_lines.all())
    body = _order_summary(bulk_order)
    if short and kind != "shipped":
        body += "\n\n" + _(
            "Some lines are short: we keep looking for stock until the cut-off."
        )
    recipients = _buyer_emails(bulk_order)
    if recipients:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def _tell_cooperatives(bulk_order, cooperative_ids) -> None:
    allocations = (
        Allocation.objects.filter(
            line__bulk_order=bulk_order,
            cooperative_id__in=cooperative_ids,
            status=AllocationStatus.PENDING,
        )
        .select_related("cooperative__partner", "lot", "line__line")
        .order_by("cooperative_id", "id")
    )
    by_cooperative = {}
    for allocation in allocations:
        by_cooperative.setdefault(allocation.cooperative, []).append(allocation)
    for cooperative, items in by_cooperative.items():
        recipients = _manager_emails(cooperative)
        if not recipients:
            continue
        body = "\n".join(
            f"- {a.line.line.title}: {a.kg} kg, {a.lot.code}" for a in items
        )
        body += "\n\n" + _("Accept or reject by %(when)s.") % {
            "when": timezone.localtime(min(a.respond_by for a in items)).strftime(
                "%Y-%m-%d %H:%M"
            )
        }
        send_mail(
            _("New allocations for delivery on %(day)s")
            % {"day": bulk_order.delivery_date},
            body,
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )


@shared_task(name="fulfilment.emails.send", bind=True)
def send(self, kind: str, order_id: int, cooperative_ids=()) -> None:
    """Send the emails of ``kind`` about an order (in the site's language)."""
    with applying_once(self) as first:
        if not first:
            return
        bulk_order = BulkOrder.objects.select_related("order", "organisation").get(
            pk=order_id
        )
        with translation.override(settings.LANGUAGE_CODE):
            _tell_buyer(bulk_order, kind)
            if cooperative_ids:
                _tell_cooperatives(bulk_order, list(cooperative_ids))
