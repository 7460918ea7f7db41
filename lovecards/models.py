"""Love cards (消费扶贫爱心卡): prepaid cards with a number and a PIN, issued in
batches to an organisation (a union buying cards for its staff), spent in the
store on certified poverty-area produce.

A card's ``balance`` is a cached column: it always equals the sum of its
``CardTransaction`` rows, which are append-only and written in the same
transaction as the change (under the card's row lock). The database refuses a
negative balance as a last guard; the services never try one. Status changes
that are not money (wrong PINs, locks, unlocks, cancellation) are ``CardEvent``
rows, also written with the change.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 12, "decimal_places": 2}
ZERO = Decimal("0.00")


class CardBatch(models.Model):
    """Cards issued together to one organisation, all of one face value and
    expiry. The PINs were handed out once, at issue; only their hashes remain."""

    organisation_name = models.CharField(_("Organisation"), max_length=128)
    organisation = models.ForeignKey(
        "canteens.Organisation",
        verbose_name=_("Canteen organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="love_card_batches",
    )
    face_value = models.DecimalField(_("Face value (yuan)"), **MONEY)
    expires_on = models.DateField(_("Expires on"))
    count = models.PositiveIntegerField(_("Number of cards"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Issued at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Love-card batch")
        verbose_name_plural = _("Love-card batches")
        constraints = [
            models.CheckConstraint(
                condition=Q(face_value__gt=0), name="lovecard_batch_face_value"
            ),
            models.CheckConstraint(condition=Q(count__gt=0), name="lovecard_count"),
        ]

    def __str__(self):
        return f"{self.organisation_name} ({self.count} x {self.face_value})"


class CardStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LOCKED = "locked", _("Locked (wrong PINs)")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class LoveCard(models.Model):
    number = models.CharField(_("Card number"), max_length=16, unique=True)
    batch = models.ForeignKey(
        CardBatch,
        verbose_name=_("Batch"),
        on_delete=models.PROTECT,
        related_name="cards",
    )
    pin_hash = models.CharField(max_length=128)
    balance = models.DecimalField(_("Balance (yuan)"), default=ZERO, **MONEY)
    status = models.CharField(
        _("Status"),
        max_length=16,
        choices=CardStatus.choices,
        default=CardStatus.ACTIVE,
    )
    failed_attempts = models.PositiveSmallIntegerField(
        _("Wrong PINs in a row"), default=0
    )
    locked_until = models.DateTimeField(_("Locked until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("Love card")
        verbose_name_plural = _("Love cards")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="lovecard_balance_not_negative"
            ),
        ]

    def __str__(self):
        return self.masked_number

    @property
    def masked_number(self) -> str:
        return f"**** **** **** {self.number[-4:]}"

    @property
    def grouped_number(self) -> str:
        return " ".join(self.number[i : i + 4] for i in range(0, len(self.number), 4))


class TransactionKind(models.TextChoices):
    ISSUE = "issue", _("Issued")
    SPEND = "spend", _("Spent")
    REFUND = "refund", _("Refunded")
    EXPIRY = "expiry", _("Expired")


class CardTransaction(models.Model):
    """One change of a card's balance (signed: issue and refund add, spend and
    expiry take away). Never updated or deleted."""

    card = models.ForeignKey(
        LoveCard, on_delete=models.PROTECT, related_name="transactions"
    )
    kind = models.CharField(_("Kind"), max_length=8, choices=TransactionKind.choices)
    amount = models.DecimalField(_("Amount (yuan)"), **MONEY)
    balance_after = models.DecimalField(_("Balance after"), **MONEY)
    order_number = models.CharField(
        _("Order number"), max_length=128, blank=True, db_index=True
    )
    note = models.CharField(_("Note"), max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("By"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("At"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("Love-card transaction")
        verbose_name_plural = _("Love-card transactions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount=0), name="lovecard_transaction_not_zero"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["issue", "refund"], amount__gt=0)
                    | Q(kind__in=["spend", "expiry"], amount__lt=0)
                ),
                name="lovecard_transaction_sign",
            ),
        ]

    def __str__(self):
        return f"{self.card_id} {self.kind} {self.amount}"


class EventKind(models.TextChoices):
    WRONG_PIN = "wrong_pin", _("Wrong PIN")
    LOCKED = "locked", _("Locked")
    UNLOCKED = "unlocked", _("Unlocked")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class CardEvent(models.Model):
    """A change of a card's status or PIN counter: who, when, why."""

    card = models.ForeignKey(LoveCard, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("Kind"), max_length=16, choices=EventKind.choices)
    note = models.CharField(_("Note"), max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("By"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("At"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("Love-card event")
        verbose_name_plural = _("Love-card events")

    def __str__(self):
        return f"{self.card_id} {self.kind}"
