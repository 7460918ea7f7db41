"""The household ledger: append-only entries, one per household per sale part.

An entry is never updated or deleted; a correction is a reversing entry. Each entry
names its source (for example a receipt line) so an auditor can recompute it, and
carries the cooperative, product, lot, household and village it concerns.
``HouseholdIncome`` is a summary kept in the same transaction as the entries, so
routing can prefer the households that have earned least this year in one read.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

KG = {"max_digits": 14, "decimal_places": 3}
MONEY = {"max_digits": 14, "decimal_places": 2}


class SourceKind(models.TextChoices):
    RECEIPT_LINE = "receipt_line", _("Canteen receipt")
    STORE_LINE = "store_line", _("Store order line dispatched")
    COUNTER_SALE = "counter_sale", _("Counter sale")


class LedgerEntry(models.Model):
    source_kind = models.CharField(max_length=32, choices=SourceKind.choices)
    source_id = models.BigIntegerField()
    sale_date = models.DateField(_("Sale date"), db_index=True)
    channel = models.ForeignKey(
        "channels.Channel", on_delete=models.PROTECT, related_name="+"
    )
    reverses = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        help_text=_("The entry this one cancels (returns, refunds, corrections)"),
    )
    household = models.ForeignKey(
        "suppliers.Household", on_delete=models.PROTECT, related_name="ledger"
    )
    village = models.ForeignKey(
        "suppliers.Village", on_delete=models.PROTECT, related_name="+"
    )
    cooperative = models.ForeignKey(
        "suppliers.Cooperative", on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.PROTECT, related_name="+"
    )
    lot = models.ForeignKey(
        "suppliers.StockLot", on_delete=models.PROTECT, related_name="+"
    )
    kg = models.DecimalField(_("kg"), **KG)
    yuan = models.DecimalField(_("Yuan"), **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("Ledger entry")
        verbose_name_plural = _("Ledger entries")
        indexes = [models.Index(fields=["source_kind", "source_id"])]

    def __str__(self):
        return f"{self.household_id}: {self.kg} kg, {self.yuan} yuan"


class HouseholdIncome(models.Model):
    """A household's consumption-assistance sales in a calendar year (summary)."""

    household = models.ForeignKey(
        "suppliers.Household", on_delete=models.CASCADE, related_name="incomes"
    )
    year = models.PositiveSmallIntegerField()
    kg = models.DecimalField(default=0, **KG)
    yuan = models.DecimalField(default=0, **MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year"], name="household_income_year"
            )
        ]

    def __str__(self):
        return f"{self.household_id} {self.year}: {self.yuan}"
