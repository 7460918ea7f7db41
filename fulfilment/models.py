"""Canteen bulk orders, their routing to harvest lots, and what arrived.

A bulk order *is* an Oscar order (number, status, lines, notes, shipping events): the
records here extend it one-to-one (``BulkOrder`` per order, ``BulkLine`` per line)
with what Oscar has no place for — the canteen, the delivery date, kilograms — and
add the allocations of each line to cooperatives' lots.

Oscar's ``Order.status`` is the order's status (values of ``OrderStatus``); it and
every allocation's status change only through ``fulfilment.services``, which write
an audit row (Oscar's ``OrderStatusChange``, our ``AllocationEvent``) in the same
transaction.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

KG = {"max_digits": 12, "decimal_places": 3}
MONEY = {"max_digits": 12, "decimal_places": 2}
ZERO = Decimal("0")


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    PLACED = "placed", _("Placed")
    ROUTED = "routed", _("Routed")
    ROUTED_SHORT = "routed_short", _("Routed with shortfall")
    ACCEPTED = "accepted", _("Accepted by cooperatives")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


# Orders whose lines still hold (or may still get) reservations.
OPEN_STATUSES = (
    OrderStatus.PLACED,
    OrderStatus.ROUTED,
    OrderStatus.ROUTED_SHORT,
    OrderStatus.ACCEPTED,
    OrderStatus.SHIPPED,
)


class BulkOrder(models.Model):
    """A canteen's order for one delivery date (extends an Oscar order)."""

    order = models.OneToOneField(
        "order.Order", primary_key=True, on_delete=models.CASCADE, related_name="bulk"
    )
    organisation = models.ForeignKey(
        "canteens.Organisation",
        verbose_name=_("Canteen"),
        on_delete=models.PROTECT,
        related_name="bulk_orders",
    )
    delivery_date = models.DateField(_("Delivery date"), db_index=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Placed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    all_or_nothing = models.BooleanField(
        _("All or nothing"),
        default=False,
        help_text=_("Refuse the order rather than accept a shortfall"),
    )
    retry_until = models.DateTimeField(
        _("Shortfall retried until"),
        help_text=_("Short lines are re-routed when stock arrives until this cut-off"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("Approved at"), null=True, blank=True)
    standing_order = models.ForeignKey(
        "StandingOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )

    class Meta:
        verbose_name = _("Bulk order")
        verbose_name_plural = _("Bulk orders")
        constraints = [
            models.UniqueConstraint(
                fields=["standing_order", "delivery_date"],
                condition=Q(standing_order__isnull=False),
                name="one_order_per_standing_order_and_date",
            )
        ]

    def __str__(self):
        return str(self.order_id)


class BulkLine(models.Model):
    """A line in kilograms: ordered, still short, and (after receipt) received."""

    line = models.OneToOneField(
        "order.Line", primary_key=True, on_delete=models.CASCADE, related_name="bulk"
    )
    bulk_order = models.ForeignKey(
        BulkOrder, on_delete=models.CASCADE, related_name="bulk_lines"
    )
    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.PROTECT, related_name="+"
    )
    units = models.PositiveIntegerField(_("Units"))
    unit_kg = models.DecimalField(_("Net kg per unit"), **KG)
    unit_price = models.DecimalField(_("Price per unit"), **MONEY)
    ordered_kg = models.DecimalField(_("Ordered (kg)"), **KG)
    short_kg = models.DecimalField(_("Short (kg)"), default=ZERO, **KG)
    received_kg = models.DecimalField(_("Received (kg)"), null=True, blank=True, **KG)

    class Meta:
        ordering = ["line_id"]
        verbose_name = _("Bulk order line")
        constraints = [
            models.CheckConstraint(condition=Q(units__gt=0), name="bulkline_units"),
            models.CheckConstraint(
                condition=Q(short_kg__gte=0) & Q(short_kg__lte=F("ordered_kg")),
                name="bulkline_short_within_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.line_id}: {self.units} x {self.unit_kg} kg"

    @property
    def price_per_kg(self) -> Decimal:
        return self.unit_price / self.unit_kg


class AllocationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the cooperative")
    ACCEPTED = "accepted", _("Accepted")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Not answered in time")
    CANCELLED = "cancelled", _("Cancelled")


# Allocations that count against the line, the lot and the cooperative's capacity.
ACTIVE_ALLOCATIONS = (
    AllocationStatus.PENDING,
    AllocationStatus.ACCEPTED,
    AllocationStatus.SHIPPED,
    AllocationStatus.DELIVERED,
)


class Allocation(models.Model):
    """Kilograms of one lot reserved for one line, and why that lot was chosen."""

    line = models.ForeignKey(
        BulkLine, on_delete=models.CASCADE, related_name="allocations"
    )
    lot = models.ForeignKey(
        "suppliers.StockLot", on_delete=models.PROTECT, related_name="allocations"
    )
    # Kept from the lot so a cooperative's list and capacity are one indexed read.
    cooperative = models.ForeignKey(
        "suppliers.Cooperative", on_delete=models.PROTECT, related_name="allocations"
    )
    delivery_date = models.DateField(_("Delivery date"))
    kg = models.DecimalField(_("Allocated (kg)"), **KG)
    shipped_kg = models.DecimalField(_("Shipped (kg)"), null=True, blank=True, **KG)
    status = models.CharField(
        _("Status"),
        max_length=16,
        choices=AllocationStatus.choices,
        default=AllocationStatus.PENDING,
    )
    respond_by = models.DateTimeField(_("Answer by"))
    scores = models.JSONField(_("Routing scores"), default=dict)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("Allocation")
        verbose_name_plural = _("Allocations")
        indexes = [
            models.Index(fields=["cooperative", "status"]),
            models.Index(fields=["cooperative", "delivery_date"]),
            models.Index(fields=["status", "respond_by"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kg__gt=0), name="allocation_kg"),
            models.CheckConstraint(
                condition=Q(shipped_kg__isnull=True) | Q(shipped_kg__gte=0),
                name="allocation_shipped_kg",
            ),
        ]

    def __str__(self):
        return f"{self.kg} kg of lot {self.lot_id} for line {self.line_id}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_ALLOCATIONS


class AllocationEventKind(models.TextChoices):
    ROUTED = "routed", _("Routed")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class AllocationEvent(models.Model):
    """The audit trail of an allocation, written with each change."""

    allocation = models.ForeignKey(
        Allocation, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=16, choices=AllocationEventKind.choices)
    kg = models.DecimalField(**KG)
    reason = models.CharField(max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["allocation_id", "id"]
        verbose_name = _("Allocation event")

    def __str__(self):
        return f"{self.allocation_id}: {self.kind} {self.kg} kg"


class Rejection(models.Model):
    """A cooperative that refused (or let expire) a line is not routed it again."""

    line = models.ForeignKey(
        BulkLine, on_delete=models.CASCADE, related_name="rejections"
    )
    cooperative = models.ForeignKey(
        "suppliers.Cooperative", on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["line", "cooperative"], name="rejection_unique"
            )
        ]

    def __str__(self):
        return f"{self.cooperative_id} refused line {self.line_id}"


class IdempotencyKey(models.Model):
    """An ``Idempotency-Key`` a user sent with a create call, and its answer."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    order = models.ForeignKey(BulkOrder, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique")
        ]

    def __str__(self):
        return self.key


class OrderNumber(models.Model):
    """A counter: one row per bulk order, whose id makes the order number."""

    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return str(self.pk)


class StandingOrderMode(models.TextChoices):
    DRAFT = "draft", _("Create a draft to confirm")
    PLACE = "place", _("Place the order directly")


class StandingOrder(models.Model):
    """A canteen's weekly order, created ``days_ahead`` before each delivery."""

    organisation = models.ForeignKey(
        "canteens.Organisation", on_delete=models.CASCADE, related_name="standing"
    )
    name = models.CharField(_("Name"), max_length=128)
    weekday = models.PositiveSmallIntegerField(
        _("Delivery day"), help_text=_("ISO weekday, 1 = Monday")
    )
    days_ahead = models.PositiveSmallIntegerField(_("Created days ahead"), default=3)
    mode = models.CharField(
        _("Mode"),
        max_length=8,
        choices=StandingOrderMode.choices,
        default=StandingOrderMode.DRAFT,
    )
    is_active = models.BooleanField(_("Active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation_id", "weekday", "id"]
        verbose_name = _("Standing order")
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=1) & Q(weekday__lte=7),
                name="standing_weekday",
            )
        ]

    def __str__(self):
        return self.name


class StandingOrderLine(models.Model):
    standing_order = models.ForeignKey(
        StandingOrder, on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.CASCADE, related_name="+"
    )
    units = models.PositiveIntegerField(_("Units"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["standing_order", "product"], name="standing_line_unique"
            ),
            models.CheckConstraint(condition=Q(units__gt=0), name="standing_units"),
        ]

    def __str__(self):
        return f"{self.product_id} x {self.units}"


class Receipt(models.Model):
    """The canteen's confirmation of what arrived, with actual weights."""

    bulk_order = models.OneToOneField(
        BulkOrder, on_delete=models.PROTECT, related_name="receipt"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("Note"), blank=True)
    created_at = models.DateTimeField(_("Received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Receipt")

    def __str__(self):
        return f"receipt of {self.bulk_order_id}"


class Disposition(models.TextChoices):
    NONE = "none", _("Nothing to decide")
    PENDING = "pending", _("Staff to decide")
    RETURNED = "returned", _("Returned to stock")
    WRITTEN_OFF = "written_off", _("Written off")


class ReceiptLine(models.Model):
    """What arrived of one line; outside the tolerance it is flagged."""

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines")
    line = models.OneToOneField(
        BulkLine, on_delete=models.PROTECT, related_name="receipt_line"
    )
    shipped_kg = models.DecimalField(_("Shipped (kg)"), **KG)
    received_kg = models.DecimalField(_("Received (kg)"), **KG)
    amount = models.DecimalField(
        _("Amount due (yuan)"), help_text=_("Received kg at the line's price"), **MONEY
    )
    flagged = models.BooleanField(_("Outside tolerance"), default=False)
    note = models.CharField(_("Note"), max_length=255, blank=True)
    disposition = models.CharField(
        _("Short kg"),
        max_length=16,
        choices=Disposition.choices,
        default=Disposition.NONE,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["line_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(received_kg__gte=0), name="receipt_received_kg"
            )
        ]

    def __str__(self):
        return f"{self.line_id}: {self.received_kg} kg"

    @property
    def missing_kg(self) -> Decimal:
        return max(self.shipped_kg - self.received_kg, ZERO)
