"""Standing orders: a canteen's weekly order, created ahead of each delivery day.

``create_due_orders`` runs hourly (Celery beat). For each active standing order it
creates the order of every delivery date on the standing order's weekday that lies
between the canteen's lead time and ``days_ahead`` from today — normally exactly
one, ``days_ahead`` before; after a pause it catches up on dates still orderable.
It never creates two orders for one standing order and date: it checks first and a
unique constraint backs the check, so two runs at once create one order.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canteens.models import Organisation
from canteens.selectors import is_buyer
from fulfilment.errors import InsufficientStock
from fulfilment.models import (
    BulkOrder,
    StandingOrder,
    StandingOrderLine,
    StandingOrderMode,
)
from fulfilment.placing import OrderInput, place_bulk_order
from fulfilment.validation import LineInput

log = logging.getLogger(__name__)


@dataclass
class Run:
    created: list[str] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


@transaction.atomic
def save_standing_order(
    *,
    organisation: Organisation,
    user,
    name: str,
    weekday: int,
    days_ahead: int,
    mode: str,
    lines: list[LineInput],
    products_by_sku: dict,
) -> StandingOrder:
    """Save a weekly template (its SKUs resolved by the caller's validation)."""
    if not organisation.delivers_on_weekday(weekday):
        raise ValidationError({"weekday": _("The canteen takes no deliveries then.")})
    if not organisation.lead_time_days <= days_ahead <= organisation.max_days_ahead:
        raise ValidationError(
            {
                "days_ahead": _("Between %(a)s and %(b)s days.")
                % {"a": organisation.lead_time_days, "b": organisation.max_days_ahead}
            }
        )
    standing = StandingOrder.objects.create(
        organisation=organisation,
        name=name.strip() or _("Weekly order"),
        weekday=weekday,
        days_ahead=days_ahead,
        mode=mode,
        created_by=user,
    )
    StandingOrderLine.objects.bulk_create(
        StandingOrderLine(
            standing_order=standing,
            product=products_by_sku[line.sku.strip()],
            units=line.units,
        )
        for line in lines
    )
    return standing


def _due_dates(standing: StandingOrder, today: datetime.date):
    lead = standing.organisation.lead_time_days
    for ahead in range(lead, standing.days_ahead + 1):
        day = today + datetime.timedelta(days=ahead)
        if day.isoweekday() == standing.weekday:
            yield day


def create_due_orders(*, today: datetime.date | None = None) -> Run:
    """Create the orders standing orders call for now; safe to run any number of
    times (each order in its own transaction)."""
    today = today or timezone.localdate()
    run = Run()
    standing_orders = (
        StandingOrder.objects.filter(is_active=True, organisation__is_active=True)
        .select_related("organisation", "created_by")
        .prefetch_related("lines__product")
        .order_by("pk")
    )
    for standing in standing_orders:
        existing = set(standing.orders.values_list("delivery_date", flat=True))
        for day in _due_dates(standing, today):
            if day in existing:
                continue
            outcome = _create_one(standing, day)
            if outcome.startswith("B"):
                run.created.append(outcome)
            elif outcome:
                run.failed.append((standing.pk, outcome))
    return run


def _create_one(standing: StandingOrder, day: datetime.date) -> str:
    """The order number created, "" if another run made it, else why it failed."""
    user = standing.created_by
    if user is None or not is_buyer(
        user=user, organisation_id=standing.organisation_id
    ):
        return _("its author is no longer a buyer of the canteen")
    data = OrderInput(
        organisation_id=standing.organisation_id,
        delivery_date=day,
        lines=tuple(LineInput(s.product.upc, s.units) for s in standing.lines.all()),
        note=_("Standing order: %(name)s") % {"name": standing.name},
    )
    try:
        with transaction.atomic():
            placed = place_bulk_order(
                user=user,
                data=data,
                standing_order=standing,
                as_draft=standing.mode == StandingOrderMode.DRAFT,
            )
    except IntegrityError:
        if BulkOrder.objects.filter(
            standing_order=standing, delivery_date=day
        ).exists():
            return ""
        raise
    except (ValidationError, InsufficientStock) as exc:
        log.warning("standing order %s for %s not created: %s", standing.pk, day, exc)
        return str(exc)
    return placed.bulk_order.order.number
