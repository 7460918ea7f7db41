"""Standing orders: a canteen's weekly order, created ahead of each delivery day.

``create_due_orders`` runs hourly (Celery beat). For each active standing order it
creates the order of every delivery date on the standing order's weekday that lies
between the canteen's lead time and ``days_ahead`` from today — normally exactly
one, ``days_ahead`` before; after a pause it catches up on dates still orderable.
It never creates two orders for one standing order and date: it checks first and a
unique constraint backs the check, so two runs at once create one order.

Buyers save a template (``save_standing_order``, checked like an order; or
``standing_order_from_order``, from an order they placed) and stop it
(``deactivate_standing_order``); only a canteen's buyers do either.
"""

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canteens.models import Organisation, Role, Weekday
from canteens.selectors import is_buyer, organisations_for
from fulfilment.locking import lock_bulk_order
from fulfilment.models import (
    BulkOrder,
    OrderStatus,
    StandingOrder,
    StandingOrderLine,
    StandingOrderMode,
)
from fulfilment.placing import OrderInput, place_bulk_order, products_by_sku
from fulfilment.validation import (
    LineError,
    LineInput,
    OrderInvalid,
    PricedLine,
    check_lines_shape,
    price_lines,
)
from shop.apps.partner.strategy import Selector
from suppliers.errors import StockConflict

log = logging.getLogger(__name__)


@dataclass
class Run:
    created: list[str] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


NAME_LENGTH = StandingOrder._meta.get_field("name").max_length


def first_delivery(
    *, organisation: Organisation, weekday: int, today: datetime.date
) -> datetime.date:
    """The first date on ``weekday`` the canteen's lead time still allows."""
    day = today + datetime.timedelta(days=organisation.lead_time_days)
    return day + datetime.timedelta(days=(weekday - day.isoweekday()) % 7)


def next_delivery(
    standing: StandingOrder, *, today: datetime.date | None = None
) -> datetime.date | None:
    """The delivery date of the next order the standing order will create, or
    ``None`` when it will create none (stopped; the canteen closed, no longer
    delivering that day, or asking more notice than ``days_ahead``).

    Reads ``standing.orders`` (prefetch the upcoming ones for lists).
    """
    today = today or timezone.localdate()
    organisation = standing.organisation
    if not (
        standing.is_active
        and organisation.is_active
        and organisation.delivers_on_weekday(standing.weekday)
        and organisation.lead_time_days <= standing.days_ahead
    ):
        return None
    made = {order.delivery_date for order in standing.orders.all()}
    day = first_delivery(
        organisation=organisation, weekday=standing.weekday, today=today
    )
    while day in made:
        day += datetime.timedelta(days=7)
    return day


def created_on(
    standing: StandingOrder, delivery: datetime.date, *, today: datetime.date
) -> datetime.date:
    """When ``create_due_orders`` creates the order of ``delivery``."""
    return max(today, delivery - datetime.timedelta(days=standing.days_ahead))


def _check(
    *,
    organisation: Organisation,
    name: str,
    weekday: int,
    days_ahead: int,
    mode: str,
    lines: list[LineInput],
    today: datetime.date,
) -> list[PricedLine]:
    """Every rule of a template, all errors together (as ``OrderInvalid``)."""
    fields: dict[str, list[str]] = {}
    errors: list[LineError] = []
    if len(name) > NAME_LENGTH:
        fields["name"] = [_("At most %(n)s characters.") % {"n": NAME_LENGTH}]
    if weekday not in Weekday.values:
        fields["weekday"] = [_("Choose a day from 1 (Monday) to 7 (Sunday).")]
    elif not organisation.delivers_on_weekday(weekday):
        fields["weekday"] = [
            _("%(org)s takes no deliveries on %(day)s.")
            % {"org": organisation.name, "day": Weekday(weekday).label}
        ]
    lead, most = organisation.lead_time_days, organisation.max_days_ahead
    if not lead <= days_ahead <= most:
        fields["days_ahead"] = [
            _("Between %(a)s and %(b)s days.") % {"a": lead, "b": most}
        ]
    if mode not in StandingOrderMode.values:
        fields["mode"] = [
            _("Choose one of: %(modes)s.")
            % {"modes": ", ".join(StandingOrderMode.values)}
        ]
    check_lines_shape(lines, errors, fields)
    # Sold now, and certified on the first delivery the template would order.
    day = first_delivery(
        organisation=organisation,
        weekday=weekday if weekday in Weekday.values else 1,
        today=today,
    )
    priced = price_lines(
        lines,
        products_by_sku([line.sku for line in lines]),
        Selector().strategy(),
        day,
        errors,
    )
    if fields or errors:
        raise OrderInvalid(fields=fields, lines=sorted(errors, key=lambda e: e.index))
    return priced


@transaction.atomic
def save_standing_order(
    *,
    organisation_id: int,
    user,
    name: str,
    weekday: int,
    days_ahead: int,
    mode: str,
    lines: Sequence[LineInput],
    today: datetime.date | None = None,
) -> StandingOrder:
    """Save a canteen's weekly template, checked like an order (``OrderInvalid``
    with every error at once).

    Only the canteen's buyers save one (``Organisation.DoesNotExist`` otherwise):
    the orders it creates are placed in its author's name.
    """
    organisation = organisations_for(user=user, role=Role.BUYER).get(pk=organisation_id)
    name = name.strip() or _("Weekly order")
    priced = _check(
        organisation=organisation,
        name=name,
        weekday=weekday,
        days_ahead=days_ahead,
        mode=mode,
        lines=list(lines),
        today=today or timezone.localdate(),
    )
    standing = StandingOrder.objects.create(
        organisation=organisation,
        name=name,
        weekday=weekday,
        days_ahead=days_ahead,
        mode=mode,
        created_by=user,
    )
    StandingOrderLine.objects.bulk_create(
        StandingOrderLine(standing_order=standing, product=p.product, units=p.units)
        for p in priced
    )
    return standing


@transaction.atomic
def standing_order_from_order(
    *,
    order_id: int,
    user,
    name: str,
    days_ahead: int,
    mode: str,
    today: datetime.date | None = None,
) -> StandingOrder:
    """A buyer's order as a weekly template: its lines, on its delivery weekday.

    The order becomes the template's order for its own delivery date (unless it
    is cancelled or already a standing order's), so that week is not ordered
    twice. Another canteen's order, or one the user does not buy for, is not
    found.
    """
    bulk_order = lock_bulk_order(order_id)
    if not is_buyer(user=user, organisation_id=bulk_order.organisation_id):
        raise BulkOrder.DoesNotExist
    lines = bulk_order.bulk_lines.select_related("product").order_by("line_id")
    standing = save_standing_order(
        organisation_id=bulk_order.organisation_id,
        user=user,
        name=name,
        weekday=bulk_order.delivery_date.isoweekday(),
        days_ahead=days_ahead,
        mode=mode,
        lines=[LineInput(line.product.upc, line.units) for line in lines],
        today=today,
    )
    if (
        bulk_order.standing_order_id is None
        and bulk_order.order.status != OrderStatus.CANCELLED
    ):
        bulk_order.standing_order = standing
        bulk_order.save(update_fields=["standing_order"])
    return standing


@transaction.atomic
def deactivate_standing_order(*, standing_order_id: int, user) -> StandingOrder:
    """Stop a standing order: it creates no more orders (those made stay).

    Only the canteen's buyers stop one (``StandingOrder.DoesNotExist`` otherwise);
    stopping a stopped one changes nothing.
    """
    standing = StandingOrder.objects.select_for_update().get(pk=standing_order_id)
    if not is_buyer(user=user, organisation_id=standing.organisation_id):
        raise StandingOrder.DoesNotExist
    if standing.is_active:
        standing.is_active = False
        standing.save(update_fields=["is_active"])
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
    """The order number created; "" if none is due any more (another run made it,
    or a buyer stopped the standing order since the run began); else why it
    failed."""
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
            # Locked as ``deactivate_standing_order`` locks it: stopped means stopped.
            still_active = StandingOrder.objects.select_for_update().filter(
                pk=standing.pk, is_active=True
            )
            if not still_active.exists():
                return ""
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
    except (ValidationError, StockConflict) as exc:  # short, or beyond credit
        log.warning("standing order %s for %s not created: %s", standing.pk, day, exc)
        return str(exc)
    return placed.bulk_order.order.number
