"""Produce catalogue: Oscar's Product with the facts canteen buyers ask for.

Kept as concrete columns rather than Oscar EAV attributes because the strategy, stock
derivation and routing read them on every request: one row, no joins.
"""

import datetime
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.apps.catalogue.abstract_models import AbstractProduct


class Storage(models.TextChoices):
    CHILLED = "chilled", _("Chilled")
    AMBIENT = "ambient", _("Ambient")
    FROZEN = "frozen", _("Frozen")


class Grade(models.TextChoices):
    PREMIUM = "premium", _("Premium grade")
    FIRST = "first", _("First grade")
    SECOND = "second", _("Second grade")
    STANDARD = "standard", _("Standard")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Certified poverty-area produce")
    EXPIRED = "expired", _("Certificate expired: not sold as poverty-area produce")
    NONE = "none", _("Not certified as poverty-area produce")


def certified_on(on, prefix: str = "") -> Q:
    """``Product.certificate_status(on) == VALID`` as a query condition, for
    listings that must agree with ordering: a certificate number, valid until
    ``on`` or later. ``on`` may be an expression (an order's delivery date);
    ``prefix`` reaches the product through a relation (``"line__product__"``)."""
    return ~Q(**{f"{prefix}certificate_number": ""}) & Q(
        **{f"{prefix}certificate_valid_until__gte": on}
    )


class Product(AbstractProduct):
    unit_of_sale = models.CharField(
        _("Unit of sale"), max_length=32, blank=True, help_text=_("e.g. 5 kg crate")
    )
    net_weight_kg = models.DecimalField(
        _("Net weight per unit (kg)"),
        max_digits=8,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    origin_village = models.ForeignKey(
        "suppliers.Village",
        verbose_name=_("Origin village"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grade = models.CharField(
        _("Grade"), max_length=16, choices=Grade.choices, default=Grade.STANDARD
    )
    shelf_life_days = models.PositiveSmallIntegerField(
        _("Shelf life (days)"), null=True, blank=True
    )
    min_remaining_shelf_life_days = models.PositiveSmallIntegerField(
        _("Minimum remaining shelf life at delivery (days)"),
        default=1,
        help_text=_(
            "Lots are routed to an order only if they keep at least this many days "
            "after the delivery date"
        ),
    )
    storage = models.CharField(
        _("Storage"), max_length=16, choices=Storage.choices, default=Storage.AMBIENT
    )
    certificate_number = models.CharField(
        _("Poverty-product certificate number"), max_length=64, blank=True
    )
    certificate_issuer = models.CharField(
        _("Certificate issuer"), max_length=128, blank=True
    )
    certificate_valid_until = models.DateField(
        _("Certificate valid until"), null=True, blank=True
    )

    class Meta(AbstractProduct.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(net_weight_kg__isnull=True)
                | models.Q(net_weight_kg__gt=0),
                name="catalogue_product_net_weight_positive",
            )
        ]

    def certificate_status(self, on: datetime.date | None = None) -> str:
        """Whether the product may be sold as poverty-area produce on a date."""
        if not self.certificate_number or self.certificate_valid_until is None:
            return CertificateStatus.NONE
        on = on or timezone.localdate()
        if self.certificate_valid_until < on:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID

    def is_certified(self, on: datetime.date | None = None) -> bool:
        return self.certificate_status(on) == CertificateStatus.VALID

    @property
    def certificate_message(self) -> str:
        return CertificateStatus(self.certificate_status()).label


from oscar.apps.catalogue.models import *  # noqa: E402, F403
