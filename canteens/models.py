"""Institutional canteens in Guangzhou that buy Qingyuan produce in bulk.

An organisation's ordering rules (delivery days and window, lead time, how far ahead,
approval threshold) live here because they are the canteen's own; the services that
place orders (``fulfilment``) read them. Each canteen is one of the direct-supply
channels sales are reported by (``channel``, created with the canteen), and keeps a
yearly procurement plan: the share of its food budget reserved for poverty-area
produce (``ProcurementPlan``; progress against it is read in ``fulfilment.quota``).
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 12, "decimal_places": 2}
RATIO = {"max_digits": 3, "decimal_places": 2}

# Budget units reserve at least this share of canteen food procurement for
# poverty-area produce: the national floor, and Guangdong's own requirement.
NATIONAL_FLOOR = Decimal("0.10")
PROVINCIAL_SHARE = Decimal("0.30")


def as_percent(ratio: Decimal) -> str:
    """A share as people write it: ``Decimal("0.10")`` is ``10%``."""
    return f"{(ratio * 100).normalize():f}%"


class OrganisationKind(models.TextChoices):
    AGENCY = "agency", _("Government agency")
    STATE_FIRM = "state_firm", _("State-owned enterprise")
    SCHOOL = "school", _("School")
    HOSPITAL = "hospital", _("Hospital")
    ARMY = "army", _("Army canteen")
    OTHER = "other", _("Other")


class District(models.TextChoices):
    """The eleven districts of Guangzhou."""

    YUEXIU = "yuexiu", _("Yuexiu")
    HAIZHU = "haizhu", _("Haizhu")
    LIWAN = "liwan", _("Liwan")
    TIANHE = "tianhe", _("Tianhe")
    BAIYUN = "baiyun", _("Baiyun")
    HUANGPU = "huangpu", _("Huangpu")
    PANYU = "panyu", _("Panyu")
    HUADU = "huadu", _("Huadu")
    NANSHA = "nansha", _("Nansha")
    CONGHUA = "conghua", _("Conghua")
    ZENGCHENG = "zengcheng", _("Zengcheng")


class Weekday(models.IntegerChoices):
    """ISO weekdays, as ``date.isoweekday()`` numbers them."""

    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


class Organisation(models.Model):
    """A canteen: where and when produce is delivered, and its ordering rules."""

    name = models.CharField(_("Name"), max_length=128, unique=True)
    kind = models.CharField(_("Kind"), max_length=16, choices=OrganisationKind.choices)
    district = models.CharField(
        _("Guangzhou district"), max_length=16, choices=District.choices
    )
    delivery_address = models.CharField(_("Delivery address"), max_length=255)
    contact_name = models.CharField(_("Contact"), max_length=64, blank=True)
    contact_phone = models.CharField(_("Contact phone"), max_length=32, blank=True)
    delivery_weekdays = models.JSONField(
        _("Delivery days"),
        default=list,
        help_text=_("ISO weekdays (1 = Monday ... 7 = Sunday) deliveries may arrive"),
    )
    window_start = models.TimeField(
        _("Delivery window from"), default=datetime.time(6, 0)
    )
    window_end = models.TimeField(_("Delivery window to"), default=datetime.time(9, 0))
    lead_time_days = models.PositiveSmallIntegerField(
        _("Lead time (days)"),
        default=2,
        help_text=_("Orders must be placed at least this many days before delivery"),
    )
    max_days_ahead = models.PositiveSmallIntegerField(
        _("Order at most (days ahead)"), default=28
    )
    approval_threshold = models.DecimalField(
        _("Approval needed above (yuan)"),
        null=True,
        blank=True,
        help_text=_("Orders above this total wait for an approver; empty: never"),
        **MONEY,
    )
    channel = models.OneToOneField(
        "channels.Channel",
        verbose_name=_("Channel"),
        on_delete=models.PROTECT,
        related_name="canteen",
        help_text=_("The direct-supply channel the canteen's purchases count in"),
    )
    is_active = models.BooleanField(_("Active"), default=True)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Canteen")
        verbose_name_plural = _("Canteens")
        constraints = [
            models.CheckConstraint(
                condition=Q(window_start__lt=models.F("window_end")),
                name="organisation_window",
            ),
            models.CheckConstraint(
                condition=Q(approval_threshold__isnull=True)
                | Q(approval_threshold__gte=Decimal("0")),
                name="organisation_threshold",
            ),
        ]

    def __str__(self):
        return self.name

    def delivers_on(self, day: datetime.date) -> bool:
        return self.delivers_on_weekday(day.isoweekday())

    def delivers_on_weekday(self, weekday: int) -> bool:
        return weekday in self.delivery_weekdays

    def needs_approval(self, total: Decimal) -> bool:
        return self.approval_threshold is not None and total > self.approval_threshold


class Role(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    APPROVER = "approver", _("Approver")


class Member(models.Model):
    """A user's role at a canteen; a user holding both roles has two rows."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="canteen_roles"
    )
    role = models.CharField(_("Role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("Canteen member")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user", "role"], name="member_unique_role"
            )
        ]

    def __str__(self):
        return f"{self.user_id}@{self.organisation_id}: {self.role}"


class ProcurementPlan(models.Model):
    """A canteen's food-procurement budget for one year and the share of it reserved
    for poverty-area produce (预留份额); the target is budget times share.

    One row per year rather than fields on ``Organisation``: budgets change every
    year, and last year's progress is read against last year's plan. Written only by
    ``canteens.services.set_procurement_plan``.
    """

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("Canteen"),
        on_delete=models.CASCADE,
        related_name="procurement_plans",
    )
    year = models.PositiveSmallIntegerField(_("Year"))
    food_budget = models.DecimalField(
        _("Annual food-procurement budget (yuan)"), **MONEY
    )
    reserved_ratio = models.DecimalField(
        _("Reserved share"),
        default=PROVINCIAL_SHARE,
        help_text=_(
            "Share of the food budget reserved for poverty-area produce, "
            "from 0.10 to 1.00 (0.30 means 30 percent)"
        ),
        **RATIO,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("Updated"), auto_now=True)

    class Meta:
        ordering = ["organisation_id", "year"]
        verbose_name = _("Procurement plan")
        verbose_name_plural = _("Procurement plans")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"], name="procurement_plan_unique_year"
            ),
            models.CheckConstraint(
                condition=Q(food_budget__gte=Decimal("0")),
                name="procurement_plan_budget",
            ),
            models.CheckConstraint(
                condition=Q(reserved_ratio__gte=NATIONAL_FLOOR)
                & Q(reserved_ratio__lte=Decimal("1")),
                name="procurement_plan_ratio",
            ),
        ]

    def __str__(self):
        return f"{self.organisation_id} {self.year}: {self.reserved_ratio}"

    @property
    def target(self) -> Decimal:
        """Yuan of poverty-area produce to buy in the year: exact, not rounded."""
        return self.food_budget * self.reserved_ratio

    @property
    def below_provincial(self) -> bool:
        return self.reserved_ratio < PROVINCIAL_SHARE
