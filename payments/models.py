"""Card payments: one ``Payment`` per PaymentIntent, its audit trail, its refunds,
and every Stripe webhook event we accepted (stored before it is processed).

A payment's status only moves forward (``STATUS_RANK``): Stripe does not promise
to deliver events in order, so a late ``processing`` after ``succeeded`` must not
move the payment backwards. Money is yuan (``Decimal``); fen exist only inside
``gateway``.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MONEY = {"max_digits": 12, "decimal_places": 2}
ZERO = Decimal("0.00")


class PaymentStatus(models.TextChoices):
    CREATED = "created", pgettext_lazy("payment status", "Created")
    REQUIRES_ACTION = "requires_action", _("Waiting for the card holder")
    PROCESSING = "processing", _("Processing")
    AUTHORISED = "authorised", _("Authorised")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Cancelled")
    SUCCEEDED = "succeeded", _("Paid")


# Forward only: a payment moves to a status of higher rank, never lower or equal.
# ``failed`` ranks below ``succeeded`` because Stripe lets a failed intent be paid
# with another card; ``canceled`` and ``failed`` share a rank (neither follows the
# other), and nothing follows ``succeeded``.
STATUS_RANK = {
    PaymentStatus.CREATED: 0,
    PaymentStatus.REQUIRES_ACTION: 1,
    PaymentStatus.PROCESSING: 2,
    PaymentStatus.AUTHORISED: 3,
    PaymentStatus.FAILED: 4,
    PaymentStatus.CANCELED: 4,
    PaymentStatus.SUCCEEDED: 5,
}


class Payment(models.Model):
    """A card payment for an order: one Stripe PaymentIntent.

    The order number is known before the order exists (Oscar takes payment before
    it writes the order), so the Oscar order is linked once it is placed."""

    order_number = models.CharField(_("Order number"), max_length=128, db_index=True)
    order = models.ForeignKey(
        "order.Order",
        verbose_name=_("Order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="card_payments",
    )
    intent_id = models.CharField(_("PaymentIntent"), max_length=255, unique=True)
    amount = models.DecimalField(_("Amount (yuan)"), **MONEY)
    currency = models.CharField(_("Currency"), max_length=3, default="CNY")
    status = models.CharField(
        _("Status"),
        max_length=16,
        choices=PaymentStatus.choices,
        default=PaymentStatus.CREATED,
    )
    refunded = models.DecimalField(_("Refunded (yuan)"), default=ZERO, **MONEY)
    error_message = models.CharField(_("Card error"), max_length=255, blank=True)
    idempotency_key = models.CharField(max_length=255, unique=True)
    # The payer's own key for the request that started this payment (an API
    # client's Idempotency-Key, a payment page's form): the same request again
    # answers this payment, whatever happened since.
    request_key = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Card payment")
        verbose_name_plural = _("Card payments")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payment_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(refunded__gte=0) & Q(refunded__lte=F("amount")),
                name="payment_refunded_within_amount",
            ),
        ]

    def __str__(self):
        return f"{self.order_number} {self.intent_id} ({self.status})"

    @property
    def refundable(self) -> Decimal:
        return self.amount - self.refunded


class ChangeKind(models.TextChoices):
    STATUS = "status", _("Status")
    REFUND = "refund", _("Refund")
    ORDER = "order", _("Order linked")


class PaymentChange(models.Model):
    """The audit row of every change to a payment, written in the change's own
    transaction: what changed, from what, why (which event or user)."""

    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, related_name="changes"
    )
    kind = models.CharField(max_length=8, choices=ChangeKind.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    amount = models.DecimalField(null=True, blank=True, **MONEY)
    source = models.CharField(
        _("Source"),
        max_length=255,
        blank=True,
        help_text=_("The Stripe event, API call or user behind the change"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("Card payment change")
        verbose_name_plural = _("Card payment changes")

    def __str__(self):
        return f"{self.payment_id}: {self.kind} {self.from_status}→{self.to_status}"


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Refunded")
    FAILED = "failed", _("Failed")


class Refund(models.Model):
    """A refund of part or all of a payment. Written (pending) before Stripe is
    called, so a crash between the two leaves a row the retry finishes; the
    idempotency key names what it refunds (e.g. one receipt line), so asking
    twice for the same thing is one refund."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.DecimalField(_("Amount (yuan)"), **MONEY)
    reason = models.CharField(_("Reason"), max_length=255)
    idempotency_key = models.CharField(max_length=255, unique=True)
    stripe_id = models.CharField(_("Stripe refund"), max_length=255, blank=True)
    status = models.CharField(
        _("Status"),
        max_length=16,
        choices=RefundStatus.choices,
        default=RefundStatus.PENDING,
    )
    error_message = models.CharField(max_length=255, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Requested"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("Card refund")
        verbose_name_plural = _("Card refunds")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="refund_amount_positive"
            ),
        ]

    def __str__(self):
        return f"{self.amount} of {self.payment_id} ({self.status})"


class StripeEvent(models.Model):
    """A webhook event as Stripe sent it. Stored once (the event id is unique): a
    re-delivery finds the row and does nothing; ``processed_at`` is set by the
    task that applied it, in the same transaction."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=64, db_index=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self):
        return f"{self.event_id} {self.type}"
