"""The household ledger: append-only entries, one per household per sale part.

An entry is never updated or deleted; a correction is a reversing entry. Each entry
names its source (for example a receipt line) so an auditor can recompute it, and
carries the cooperative, product, lot, household and village it concerns.
``HouseholdIncome`` is a summary kept in the same transaction as the entries, so
routing can prefer the households that have earned least this year in one read.
"""

from django.conf import settings
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
    order_ref = models.CharField(
        _("Order"),
        max_length=40,
        help_text=_(
            "The order the sale belongs to (a bulk or store order, or one counter "
            "sale), for counting orders"
        ),
    )
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
        indexes = [
            models.Index(fields=["source_kind", "source_id"]),
            models.Index(fields=["household", "order_ref"]),
        ]

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


class CounterSaleBatch(models.Model):
    """Sales a channel operator reported (an upload or an API call), all or none.

    The same file (by content hash) or the same batch reference is refused a
    second time, so a re-upload is never counted twice.
    """

    reference = models.CharField(_("Batch reference"), max_length=64, unique=True)
    content_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    filename = models.CharField(_("File"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("Recorded at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("Withdrawn at"), null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Counter-sale batch")

    def __str__(self):
        return self.reference


class Attribution(models.TextChoices):
    LOT = "lot", _("Lot given")
    COOPERATIVE_FIFO = (
        "cooperative_fifo",
        _("Cooperative given: its lots, oldest first"),
    )
    FIFO = "fifo", _("Product only: lots oldest first")


class CounterSale(models.Model):
    """One reported sale: a day, a channel, a product, kg and yuan."""

    batch = models.ForeignKey(
        CounterSaleBatch, on_delete=models.PROTECT, related_name="sales"
    )
    line = models.PositiveIntegerField(_("Line"))
    sale_date = models.DateField(_("Sale date"))
    channel = models.ForeignKey(
        "channels.Channel", on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.PROTECT, related_name="+"
    )
    cooperative = models.ForeignKey(
        "suppliers.Cooperative",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lot = models.ForeignKey(
        "suppliers.StockLot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kg = models.DecimalField(_("kg"), **KG)
    yuan = models.DecimalField(_("Yuan"), **MONEY)
    attribution = models.CharField(
        _("Attributed by"), max_length=16, choices=Attribution.choices
    )

    class Meta:
        ordering = ["batch_id", "line"]
        verbose_name = _("Counter sale")
        constraints = [
            models.CheckConstraint(condition=models.Q(kg__gt=0), name="counter_kg"),
            models.CheckConstraint(
                condition=models.Q(yuan__gte=0), name="counter_yuan"
            ),
        ]

    def __str__(self):
        return f"{self.batch_id}:{self.line}"


# --- summaries for reports, kept in the same transaction as the entries ---------


class SalesFact(models.Model):
    """kg and yuan of the entries of one day (``grain`` "day") or month (``grain``
    "month", ``day`` its first day) per channel, cooperative, product and village:
    what reports sum instead of the ledger. Other groupings are joins of these keys.
    """

    grain = models.CharField(max_length=5)
    day = models.DateField()
    channel = models.ForeignKey(
        "channels.Channel", on_delete=models.PROTECT, related_name="+"
    )
    cooperative = models.ForeignKey(
        "suppliers.Cooperative", on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        "suppliers.Village", on_delete=models.PROTECT, related_name="+"
    )
    kg = models.DecimalField(default=0, **KG)
    yuan = models.DecimalField(default=0, **MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "channel", "cooperative", "product", "village"],
                name="sales_fact_key",
            )
        ]
        indexes = [models.Index(fields=["grain", "day"])]

    def __str__(self):
        return f"{self.grain} {self.day}: {self.yuan}"


class PeriodMember(models.Model):
    """A household (``kind`` "household") or an order (``kind`` "order") that had
    sales in a calendar period ("2020", "2020Q1", "2020-03"): its net kg and yuan,
    and its net yuan by channel, cooperative and product (maps of id to yuan).

    Distinct counts — households reached, orders — cannot be summed across rows or
    periods; these rows let reports count them exactly for calendar periods, under
    one dimension's filter or grouping, without reading the ledger. Net, so a
    household whose only sale was reversed is not counted.
    """

    kind = models.CharField(max_length=9)
    period = models.CharField(max_length=7)
    member = models.CharField(max_length=40)
    village = models.ForeignKey(
        "suppliers.Village",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The household's village (households only)",
    )
    kg = models.DecimalField(default=0, **KG)
    yuan = models.DecimalField(default=0, **MONEY)
    channels = models.JSONField(default=dict)
    cooperatives = models.JSONField(default=dict)
    products = models.JSONField(default=dict)
    villages = models.JSONField(
        default=dict, help_text="Net yuan by village (orders only)"
    )
    orders = models.PositiveIntegerField(
        default=0,
        help_text="Orders whose net yuan with the household is above zero "
        "(households only)",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period", "member"], name="period_member_key"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.member} in {self.period}"


class MemberCount(models.Model):
    """How many households (``kind`` "household") or orders (``kind`` "order") of a
    calendar period have a net yuan above zero within one key of a dimension: a
    channel, a channel kind, a canteen, a cooperative, a product, a category (a
    product counts in its categories and all above), a village, a town, a county,
    or ``dimension`` "total" (key ""). Moved with the period members whenever a
    member crosses zero in a key, so calendar-period reports read a few count rows
    instead of every member.
    """

    kind = models.CharField(max_length=9)
    period = models.CharField(max_length=7)
    dimension = models.CharField(max_length=12)
    key = models.CharField(max_length=40)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period", "dimension", "key"], name="member_count_key"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.period} {self.dimension} {self.key}: {self.count}"


class CountBasis(models.Model):
    """What a channel, product or village (``source``) counted as in a derived
    dimension when member counts first used it: a channel's kind or canteens, a
    product's categories and those above, a village's town or county. Should a
    look-up change later (a product moved to another category), the counts of
    that dimension no longer hold: reports then count the period members instead,
    ``verify_ledger`` reports the counts, and ``rebuild_member_counts`` rebuilds
    them on the look-ups of the day.
    """

    dimension = models.CharField(max_length=12)
    source = models.CharField(max_length=40)
    keys = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "source"], name="count_basis_key"
            )
        ]

    def __str__(self):
        return f"{self.dimension} {self.source}: {self.keys}"
