"""Direct-supply channels (扶贫农产品直供渠道): where poverty-area produce is sold.

Every sale belongs to exactly one channel — a supermarket counter, a canteen, the
distribution centre, the online store, a live-stream shop, a love-card outlet — so
officials can report sales by channel. Channels are never deleted once they have
sales; a channel that stops is closed (``closed_on``) and made inactive.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    COUNTER = "counter", _("Supermarket counter")
    CANTEEN = "canteen", _("Canteen")
    DISTRIBUTION_CENTRE = "centre", _("Distribution centre")
    ONLINE = "online", _("Online store")
    LIVE_STREAM = "live", _("Live-stream shop")
    LOVE_CARD = "love_card", _("Love-card outlet")
    OTHER = "other", _("Other")


class Channel(models.Model):
    code = models.SlugField(_("Code"), max_length=32, unique=True)
    name = models.CharField(_("Name"), max_length=128)
    kind = models.CharField(_("Kind"), max_length=16, choices=ChannelKind.choices)
    operator = models.CharField(
        _("Operator"), max_length=128, blank=True, help_text=_("e.g. 广百百货, 麦德龙")
    )
    city = models.CharField(_("City"), max_length=32, default="广州市")
    district = models.CharField(_("District"), max_length=32, blank=True)
    opened_on = models.DateField(_("Opened on"))
    closed_on = models.DateField(_("Closed on"), null=True, blank=True)
    is_active = models.BooleanField(_("Active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Channel")
        verbose_name_plural = _("Channels")
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="channel_dates",
            )
        ]

    def __str__(self):
        return self.name
