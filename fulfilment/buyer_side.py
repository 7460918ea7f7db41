"""What the canteen does with an order after placing it: approval, drafts, cancel."""

from decimal import Decimal

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from canteens.selectors import is_approver, is_buyer
from fulfilment import status
from fulfilment.errors import NotAllowedNow
from fulfilment.locking import lock_bulk_order
from fulfilment.models import (
    Allocation,
    AllocationEventKind,
    AllocationStatus,
    BulkOrder,
    OrderStatus,
)
from fulfilment.placing import (
    OrderInput,
    run_placed_checks,
    submit,
    validate_order,
)
from fulfilment.release import end_allocations
from fulfilment.validation import LineInput

ZERO = Decimal(0)
CANCELLABLE = (
    OrderStatus.DRAFT,
    OrderStatus.AWAITING_APPROVAL,
    OrderStatus.PLACED,
    OrderStatus.ROUTED,
    OrderStatus.ROUTED_SHORT,
    OrderStatus.ACCEPTED,
)


def _lines(bulk_order):
    return list(bulk_order.bulk_lines.select_related("product", "line"))


@transaction.atomic
@audit.batch()
def approve_order(*, order_id: int, approver, now=None) -> BulkOrder:
    """An approver's sign-off: the order is routed (and reserves) only now."""
    now = now or timezone.now()
    bulk_order = lock_bulk_order(order_id)
    if not is_approver(user=approver, organisation_id=bulk_order.organisation_id):
        raise BulkOrder.DoesNotExist
    if bulk_order.order.status != OrderStatus.AWAITING_APPROVAL:
        raise NotAllowedNow(_("This order is not awaiting approval."))
    bulk_order.approved_by = approver
    bulk_order.approved_at = now
    bulk_order.save(update_fields=["approved_by", "approved_at"])
    submit(bulk_order=bulk_order, lines=_lines(bulk_order), actor=approver, now=now)
    audit.record(
        "bulk_order.approved",
        bulk_order.order,
        {"status": [OrderStatus.AWAITING_APPROVAL, bulk_order.order.status]},
        actor=approver,
    )
    return bulk_order


@transaction.atomic
@audit.batch()
def confirm_draft(*, order_id: int, user, now=None) -> BulkOrder:
    """A buyer confirms a standing order's draft: checked again, then placed."""
    now = now or timezone.now()
    bulk_order = lock_bulk_order(order_id)
    if not is_buyer(user=user, organisation_id=bulk_order.organisation_id):
        raise BulkOrder.DoesNotExist
    if bulk_order.order.status != OrderStatus.DRAFT:
        raise NotAllowedNow(_("Only a draft can be confirmed."))
    lines = _lines(bulk_order)
    data = OrderInput(
        organisation_id=bulk_order.organisation_id,
        delivery_date=bulk_order.delivery_date,
        lines=tuple(LineInput(line.product.upc, line.units) for line in lines),
    )
    validate_order(
        organisation=bulk_order.organisation,
        data=data,
        today=timezone.localtime(now).date(),
    )
    total = sum((line.unit_price * line.units for line in lines), ZERO)
    run_placed_checks(bulk_order=bulk_order, total=total)
    if bulk_order.organisation.needs_approval(total):
        status.change(bulk_order.order, OrderStatus.AWAITING_APPROVAL)
    else:
        submit(bulk_order=bulk_order, lines=lines, actor=user, now=now)
    audit.record(
        "bulk_order.confirmed",
        bulk_order.order,
        {"status": [OrderStatus.DRAFT, bulk_order.order.status], "total": total},
        actor=user,
    )
    return bulk_order


@transaction.atomic
@audit.batch()
def cancel_order(*, order_id: int, user, reason: str = "", approver=False) -> BulkOrder:
    """Cancel before anything has shipped: every reservation is released.

    Buyers cancel their canteen's orders; an approver declining an order awaiting
    approval cancels it too (``approver=True``).
    """
    bulk_order = lock_bulk_order(order_id)
    allowed = (
        is_approver(user=user, organisation_id=bulk_order.organisation_id)
        if approver
        else is_buyer(user=user, organisation_id=bulk_order.organisation_id)
    )
    if not allowed:
        raise BulkOrder.DoesNotExist
    if approver and bulk_order.order.status != OrderStatus.AWAITING_APPROVAL:
        raise NotAllowedNow(_("Only an order awaiting approval can be declined."))
    shipped = Allocation.objects.filter(
        line__bulk_order=bulk_order,
        status__in=(AllocationStatus.SHIPPED, AllocationStatus.DELIVERED),
    )
    if bulk_order.order.status not in CANCELLABLE or shipped.exists():
        raise NotAllowedNow(
            _("An order that has shipped or been received cannot be cancelled.")
        )
    active = list(
        Allocation.objects.select_for_update()
        .filter(
            line__bulk_order=bulk_order,
            status__in=(AllocationStatus.PENDING, AllocationStatus.ACCEPTED),
        )
        .order_by("pk")
    )
    end_allocations(
        bulk_order,
        active,
        status=AllocationStatus.CANCELLED,
        event=AllocationEventKind.CANCELLED,
        reason=reason,
        movement_reason=_("order cancelled"),
        actor=user,
    )
    audit.record(
        "bulk_order.rejected" if approver else "bulk_order.cancelled",
        bulk_order.order,
        {
            "status": [bulk_order.order.status, OrderStatus.CANCELLED],
            "reason": reason.strip(),
        },
        actor=user,
    )
    status.change(bulk_order.order, OrderStatus.CANCELLED)
    OrderNote = apps.get_model("order", "OrderNote")
    OrderNote.objects.create(
        order=bulk_order.order,
        user=user,
        note_type="System",
        message=(_("Declined: %(why)s") if approver else _("Cancelled: %(why)s"))
        % {"why": reason.strip() or _("no reason given")},
    )
    return bulk_order
