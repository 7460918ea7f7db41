"""The checks an order must pass before anything is written, with clear messages.

Errors are collected, not raised one at a time: a buyer fixing an upload sees every
bad row at once. Line errors keep the line's index so the upload can report file
line numbers and the API the position in ``lines``.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.apps.catalogue.models import CertificateStatus


@dataclass(frozen=True)
class LineInput:
    sku: str
    units: int


@dataclass(frozen=True)
class LineError:
    index: int
    field: str
    message: str


class OrderInvalid(ValidationError):
    """A refused order: field errors, and line errors by index in ``lines``."""

    def __init__(self, *, fields: dict[str, list[str]], lines: list[LineError]):
        self.field_errors = fields
        self.line_errors = lines
        flat = {name: list(messages) for name, messages in fields.items()}
        for error in lines:
            flat.setdefault(f"lines[{error.index}].{error.field}", []).append(
                error.message
            )
        super().__init__(flat)


@dataclass(frozen=True)
class PricedLine:
    product: object
    units: int
    unit_price: Decimal


def check_lines_shape(lines: list[LineInput], errors: list[LineError], fields) -> None:
    """Checks that need no database: count, units, duplicate SKUs."""
    if not lines:
        fields.setdefault("lines", []).append(_("Order at least one product."))
    if len(lines) > settings.NONGJIA_MAX_ORDER_LINES:
        fields.setdefault("lines", []).append(
            _("At most %(n)s lines in one order.")
            % {"n": settings.NONGJIA_MAX_ORDER_LINES}
        )
    seen: dict[str, int] = {}
    ceiling = settings.NONGJIA_MAX_LINE_UNITS
    for index, line in enumerate(lines):
        if not isinstance(line.units, int) or isinstance(line.units, bool):
            errors.append(LineError(index, "units", _("Give a whole number of units.")))
        elif line.units <= 0:
            errors.append(
                LineError(index, "units", _("Order at least one unit of sale."))
            )
        elif line.units > ceiling:
            errors.append(
                LineError(
                    index,
                    "units",
                    _("At most %(n)s units in one line.") % {"n": ceiling},
                )
            )
        sku = line.sku.strip()
        if sku in seen:
            errors.append(
                LineError(
                    index,
                    "sku",
                    _("%(sku)s is already ordered in line %(line)s.")
                    % {"sku": sku, "line": seen[sku] + 1},
                )
            )
        else:
            seen[sku] = index


def check_delivery_date(
    organisation, delivery_date: datetime.date, fields, *, today=None
) -> None:
    today = today or timezone.localdate()
    earliest = today + datetime.timedelta(days=organisation.lead_time_days)
    latest = today + datetime.timedelta(days=organisation.max_days_ahead)
    problems = fields.setdefault("delivery_date", [])
    if delivery_date < earliest:
        problems.append(
            _("Deliveries need %(days)s days' notice: the earliest date is %(date)s.")
            % {"days": organisation.lead_time_days, "date": earliest.isoformat()}
        )
    elif delivery_date > latest:
        problems.append(
            _("Orders can be placed at most %(days)s days ahead (until %(date)s).")
            % {"days": organisation.max_days_ahead, "date": latest.isoformat()}
        )
    if not organisation.delivers_on(delivery_date):
        problems.append(
            _("%(org)s takes no deliveries on %(day)s.")
            % {"org": organisation.name, "day": delivery_date.strftime("%A")}
        )
    if not problems:
        del fields["delivery_date"]


def why_not_orderable(*, product, price, delivery_date) -> str | None:
    """Why ``product`` cannot be ordered for ``delivery_date`` at ``price`` (its
    strategy price), or ``None`` if it can.

    The checks ``price_lines`` makes when the order is placed, for the answers
    that list what may be ordered (the quick-order grid, the availability API):
    they must not offer a product that placing the order refuses.
    """
    status = product.certificate_status(on=delivery_date)
    if status != CertificateStatus.VALID:
        return str(CertificateStatus(status).label)
    if not product.net_weight_kg or not price.exists:
        return _("Not on sale.")
    return None


def price_lines(
    lines: list[LineInput], products_by_sku: dict, strategy, delivery_date, errors
) -> list[PricedLine]:
    """Each line's product and price, or an error saying why it cannot be sold."""
    priced = []
    for index, line in enumerate(lines):
        product = products_by_sku.get(line.sku.strip())
        if product is None:
            errors.append(
                LineError(index, "sku", _("Unknown SKU %(sku)s.") % {"sku": line.sku})
            )
            continue
        status = product.certificate_status(on=delivery_date)
        if status != CertificateStatus.VALID:
            errors.append(
                LineError(
                    index,
                    "sku",
                    _("%(title)s cannot be ordered: %(why)s.")
                    % {
                        "title": product.get_title(),
                        "why": CertificateStatus(status).label,
                    },
                )
            )
            continue
        price = strategy.fetch_for_product(product).price
        if not product.net_weight_kg or not price.exists:
            errors.append(
                LineError(
                    index,
                    "sku",
                    _("%(title)s is not on sale.") % {"title": product.get_title()},
                )
            )
            continue
        if isinstance(line.units, int):
            priced.append(PricedLine(product, line.units, price.excl_tax))
    return priced
