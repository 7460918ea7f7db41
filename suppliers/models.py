"""Supply-side records: where produce comes from and who grew it.

Lot quantities are kept in exact kilograms (3 decimals, i.e. grams). The database
enforces the stock invariants (0 <= reserved <= on hand) as a last line of defence;
the services in ``suppliers.stock`` keep them by locking before they write.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

KG = {"max_digits": 12, "decimal_places": 3}


class County(models.Model):
    """A county-level division of Qingyuan (district, county-level city or county)."""

    name = models.CharField(_("Name"), max_length=64, unique=True)
    code = models.SlugField(_("Code"), max_length=32, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("County")
        verbose_name_plural = _("Counties")

    def __str__(self):
        return self.name


class Town(models.Model):
    county = models.ForeignKey(
        County, verbose_name=_("County"), on_delete=models.PROTECT, related_name="towns"
    )
    name = models.CharField(_("Name"), max_length=64)

    class Meta:
        ordering = ["county_id", "name"]
        verbose_name = _("Town")
        verbose_name_plural = _("Towns")
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="town_unique_name")
        ]

    def __str__(self):
        return f"{self.county}{self.name}"


class Village(models.Model):
    town = models.ForeignKey(
        Town, verbose_name=_("Town"), on_delete=models.PROTECT, related_name="villages"
    )
    name = models.CharField(_("Name"), max_length=64)
    is_designated_poor = models.BooleanField(
        _("Provincially designated poor village"), default=False
    )

    class Meta:
        ordering = ["town_id", "name"]
        verbose_name = _("Village")
        verbose_name_plural = _("Villages")
        constraints = [
            models.UniqueConstraint(fields=["town", "name"], name="village_unique_name")
        ]

    def __str__(self):
        return f"{self.town}{self.name}"


class Cooperative(models.Model):
    """A farmers' cooperative. It *is* an Oscar partner: same primary key, so the
    cooperative's stock is Oscar stock and the partner's users are its managers."""

    partner = models.OneToOneField(
        "partner.Partner",
        primary_key=True,
        on_delete=models.PROTECT,
        related_name="cooperative",
    )
    registration_code = models.CharField(
        _("Registration code"),
        max_length=18,
        unique=True,
        help_text=_("Unified social credit code"),
    )
    village = models.ForeignKey(
        Village, verbose_name=_("Village"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("Address"), max_length=255, blank=True)
    contact_name = models.CharField(_("Contact"), max_length=64, blank=True)
    contact_phone = models.CharField(_("Contact phone"), max_length=32, blank=True)
    daily_capacity_kg = models.DecimalField(
        _("Daily capacity (kg)"),
        null=True,
        blank=True,
        help_text=_(
            "Most kg the cooperative can deliver to the distribution centre for one "
            "delivery date; empty: no limit"
        ),
        **KG,
    )
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)

    class Meta:
        ordering = ["partner_id"]
        verbose_name = _("Cooperative")
        verbose_name_plural = _("Cooperatives")
        constraints = [
            models.CheckConstraint(
                condition=Q(daily_capacity_kg__isnull=True)
                | Q(daily_capacity_kg__gte=0),
                name="cooperative_capacity",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.partner.name


class HouseholdStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered poor household")
    LIFTED = "lifted", _("Lifted out of poverty")
    MONITORED = "monitored", _("Under monitoring")


class Household(models.Model):
    """A registered poor household (建档立卡贫困户). Only what reports need is kept:
    no names, no national ID numbers."""

    archive_number = models.CharField(_("Archive number"), max_length=32, unique=True)
    village = models.ForeignKey(
        Village,
        verbose_name=_("Village"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    size = models.PositiveSmallIntegerField(_("Household size"))
    status = models.CharField(
        _("Poverty status"),
        max_length=16,
        choices=HouseholdStatus.choices,
        default=HouseholdStatus.REGISTERED,
    )
    year_lifted_out = models.PositiveSmallIntegerField(
        _("Year lifted out"), null=True, blank=True
    )
    cooperatives = models.ManyToManyField(
        Cooperative,
        through="Membership",
        related_name="households",
        verbose_name=_("Cooperatives"),
    )
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)

    class Meta:
        ordering = ["archive_number"]
        verbose_name = _("Household")
        verbose_name_plural = _("Households")
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gte=1) & Q(size__lte=30),
                name="household_size_range",
            ),
        ]

    def __str__(self):
        return self.archive_number


class Membership(models.Model):
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="memberships"
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="memberships"
    )
    joined_on = models.DateField(_("Joined on"))

    class Meta:
        verbose_name = _("Membership")
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "household"], name="membership_unique"
            )
        ]

    def __str__(self):
        return f"{self.household_id}@{self.cooperative_id}"


class HouseholdStatusChange(models.Model):
    """History of a household's poverty status; written with every change."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="status_changes"
    )
    status = models.CharField(max_length=16, choices=HouseholdStatus.choices)
    year_lifted_out = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["household_id", "changed_at", "id"]
        verbose_name = _("Household status change")

    def __str__(self):
        return f"{self.household_id}: {self.status}"


class StockLot(models.Model):
    """A harvest lot of one product at one cooperative, traced to its households."""

    cooperative = models.ForeignKey(
        Cooperative,
        verbose_name=_("Cooperative"),
        on_delete=models.PROTECT,
        related_name="lots",
    )
    product = models.ForeignKey(
        "catalogue.Product",
        verbose_name=_("Product"),
        on_delete=models.PROTECT,
        related_name="lots",
    )
    code = models.CharField(_("Lot code"), max_length=64)
    harvest_date = models.DateField(_("Harvest date"))
    best_before = models.DateField(_("Best before"))
    received_kg = models.DecimalField(_("Received (kg)"), **KG)
    on_hand_kg = models.DecimalField(_("On hand (kg)"), **KG)
    reserved_kg = models.DecimalField(_("Reserved (kg)"), default=Decimal("0"), **KG)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["best_before", "id"]
        verbose_name = _("Stock lot")
        verbose_name_plural = _("Stock lots")
        indexes = [models.Index(fields=["cooperative", "product", "best_before"])]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "code"], name="lot_code"),
            models.CheckConstraint(condition=Q(received_kg__gt=0), name="lot_received"),
            models.CheckConstraint(condition=Q(on_hand_kg__gte=0), name="lot_on_hand"),
            models.CheckConstraint(
                condition=Q(reserved_kg__gte=0) & Q(reserved_kg__lte=F("on_hand_kg")),
                name="lot_reserved_within_on_hand",
            ),
            models.CheckConstraint(
                condition=Q(best_before__gte=F("harvest_date")), name="lot_dates"
            ),
        ]

    def __str__(self):
        return self.code

    @property
    def available_kg(self) -> Decimal:
        return self.on_hand_kg - self.reserved_kg


class LotShare(models.Model):
    """One household's kilograms in a lot; a lot's shares sum to its received kg."""

    lot = models.ForeignKey(StockLot, on_delete=models.CASCADE, related_name="shares")
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="lot_shares"
    )
    kg = models.DecimalField(_("kg"), **KG)

    class Meta:
        ordering = ["lot_id", "household_id"]
        verbose_name = _("Household share")
        constraints = [
            models.UniqueConstraint(fields=["lot", "household"], name="share_unique"),
            models.CheckConstraint(condition=Q(kg__gt=0), name="share_positive"),
        ]

    def __str__(self):
        return f"{self.household_id}: {self.kg} kg"


class MovementKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    RESERVED = "reserved", _("Reserved")
    RELEASED = "released", _("Released")
    SHIPPED = "shipped", _("Shipped")
    WRITTEN_OFF = "written_off", _("Written off")
    ADJUSTED = "adjusted", _("Adjusted")
    RETURNED = "returned", _("Returned")


class StockMovement(models.Model):
    """Every change to a lot, with who and why. A lot's on-hand and reserved kg are
    exactly the sums of its movements' deltas (checked by the tests)."""

    lot = models.ForeignKey(
        StockLot, on_delete=models.PROTECT, related_name="movements"
    )
    kind = models.CharField(_("Kind"), max_length=16, choices=MovementKind.choices)
    on_hand_delta_kg = models.DecimalField(_("On-hand change (kg)"), **KG)
    reserved_delta_kg = models.DecimalField(_("Reserved change (kg)"), **KG)
    on_hand_after_kg = models.DecimalField(_("On hand after (kg)"), **KG)
    reserved_after_kg = models.DecimalField(_("Reserved after (kg)"), **KG)
    reason = models.CharField(_("Reason"), max_length=255, blank=True)
    reference = models.CharField(_("Reference"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("By"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("At"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Stock movement")
        verbose_name_plural = _("Stock movements")

    def __str__(self):
        return f"{self.kind} {self.on_hand_delta_kg}/{self.reserved_delta_kg} kg"
