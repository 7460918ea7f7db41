"""Settlement: what the platform owes each cooperative per period, and whether the
money went on to the households.

A statement is computed once, when issued, from the ledger entries it settles and
then frozen: its figures are stored, never recomputed, and each settled entry is
linked to it (``StatementEntry``, one statement per entry ever), so no entry is
paid twice or forgotten. Every state change writes a ``SettlementEvent`` in the
same transaction.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

KG = {"max_digits": 14, "decimal_places": 3}
MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 6, "decimal_places": 5}


class SettlementPeriod(models.Model):
    """Sale dates ``start`` to ``end``, both included. ``closed`` once its
    statements are issued; periods follow each other without gaps."""

    start = models.DateField(_("Start"), unique=True)
    end = models.DateField(_("End"))
    closed = models.BooleanField(_("Closed"), default=False)
    issued_at = models.DateTimeField(_("Issued at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start"]
        verbose_name = _("Settlement period")
        verbose_name_plural = _("Settlement periods")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")),
                name="settlement_period_end_after_start",
            )
        ]

    def __str__(self):
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


class Statement(models.Model):
    """One cooperative's statement for one period, frozen when issued.

    ``goods_yuan`` is the net yuan of every ledger entry settled here (reversals
    included), of which ``adjustments_yuan`` came from entries of earlier periods
    written after those were issued; ``fee_yuan`` is ``goods_yuan * fee_rate``
    rounded half-up to the fen, and ``payout_yuan`` is exactly ``goods_yuan -
    fee_yuan``.
    """

    period = models.ForeignKey(
        SettlementPeriod, on_delete=models.PROTECT, related_name="statements"
    )
    cooperative = models.ForeignKey(
        "suppliers.Cooperative", on_delete=models.PROTECT, related_name="statements"
    )
    number = models.CharField(_("Statement number"), max_length=40, unique=True)
    issued_at = models.DateTimeField(_("Issued at"))
    goods_kg = models.DecimalField(_("Goods (kg)"), **KG)
    goods_yuan = models.DecimalField(_("Goods received (yuan)"), **MONEY)
    adjustments_yuan = models.DecimalField(
        _("Of which adjustments (yuan)"), default=0, **MONEY
    )
    fee_rate = models.DecimalField(_("Platform fee rate"), **RATE)
    fee_yuan = models.DecimalField(_("Platform fee (yuan)"), **MONEY)
    payout_yuan = models.DecimalField(_("Payout (yuan)"), **MONEY)

    class Meta:
        ordering = ["-period__start", "cooperative_id"]
        verbose_name = _("Settlement statement")
        verbose_name_plural = _("Settlement statements")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "cooperative"], name="statement_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    payout_yuan=models.F("goods_yuan") - models.F("fee_yuan")
                ),
                name="statement_payout_is_goods_less_fee",
            ),
        ]

    def __str__(self):
        return self.number


class StatementLine(models.Model):
    """Goods by product and channel; ``adjustment`` lines settle entries of
    earlier periods written after those periods were issued."""

    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.PROTECT, related_name="+"
    )
    channel = models.ForeignKey(
        "channels.Channel", on_delete=models.PROTECT, related_name="+"
    )
    adjustment = models.BooleanField(_("Adjustment"), default=False)
    kg = models.DecimalField(_("kg"), **KG)
    yuan = models.DecimalField(_("Yuan"), **MONEY)

    class Meta:
        ordering = ["statement_id", "adjustment", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "product", "channel", "adjustment"],
                name="statement_line_key",
            )
        ]

    def __str__(self):
        return f"{self.statement_id}: {self.product_id}/{self.channel_id}"


class StatementHousehold(models.Model):
    """What a member household earned in the statement: the sum of its entries."""

    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, related_name="households"
    )
    household = models.ForeignKey(
        "suppliers.Household", on_delete=models.PROTECT, related_name="+"
    )
    kg = models.DecimalField(_("kg"), **KG)
    yuan = models.DecimalField(_("Earned (yuan)"), **MONEY)

    class Meta:
        ordering = ["statement_id", "household__archive_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "household"], name="statement_household_key"
            )
        ]

    def __str__(self):
        return f"{self.statement_id}: {self.household_id} {self.yuan}"


class StatementEntry(models.Model):
    """A ledger entry settled by a statement: each entry once, ever."""

    statement = models.ForeignKey(
        Statement, on_delete=models.PROTECT, related_name="entries"
    )
    entry = models.OneToOneField(
        "ledger.LedgerEntry", on_delete=models.PROTECT, related_name="settlement"
    )

    def __str__(self):
        return f"{self.statement_id}: {self.entry_id}"


class Payout(models.Model):
    """The platform paid a statement's payout to the cooperative (once)."""

    statement = models.OneToOneField(
        Statement, on_delete=models.PROTECT, related_name="payout"
    )
    amount = models.DecimalField(_("Amount (yuan)"), **MONEY)
    paid_at = models.DateTimeField(_("Paid at"))
    reference = models.CharField(_("Payment reference"), max_length=64)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("Payout")

    def __str__(self):
        return f"{self.statement_id}: {self.amount}"


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    MOBILE = "mobile", _("Mobile payment")


class HouseholdPayment(models.Model):
    """The cooperative paid a household its share of a statement (or part of it)."""

    line = models.ForeignKey(
        StatementHousehold, on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(_("Amount (yuan)"), **MONEY)
    paid_on = models.DateField(_("Paid on"))
    method = models.CharField(_("Method"), max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(_("Reference"), max_length=64, blank=True)
    overpayment = models.BooleanField(
        _("Overpayment accepted"),
        default=False,
        help_text=_("Paid beyond what the household earned in the statement"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["line_id", "paid_on", "id"]
        verbose_name = _("Household payment")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="household_payment_positive"
            )
        ]

    def __str__(self):
        return f"{self.line_id}: {self.amount}"


class EventKind(models.TextChoices):
    PERIOD_OPENED = "period_opened", _("Period opened")
    PERIOD_ISSUED = "period_issued", _("Statements issued")
    STATEMENT_ISSUED = "statement_issued", _("Statement issued")
    PAYOUT_PAID = "payout_paid", _("Payout paid")
    HOUSEHOLD_PAID = "household_paid", _("Household paid")


class SettlementEvent(models.Model):
    """An audit row for every settlement state change (append-only)."""

    kind = models.CharField(max_length=20, choices=EventKind.choices)
    period = models.ForeignKey(
        SettlementPeriod, on_delete=models.PROTECT, related_name="events"
    )
    statement = models.ForeignKey(
        Statement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("Settlement event")

    def __str__(self):
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"
