"""The audit log: one row per business change, never updated, never deleted.

``AuditEntry`` names the object by its model's label and primary key (a string:
allocations, lots and Oscar's orders alike) rather than by a generic foreign key,
so writing one costs no content-type query and an entry outlives the object it
describes. ``actor_label`` keeps who it was (an email, ``task:…``, ``command:…``)
even if the user is deleted later.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnly(Exception):
    """An audit entry was about to be changed or deleted."""


class AuditEntryQuerySet(models.QuerySet):
    """Reads only: a bulk ``update`` or ``delete`` would rewrite history."""

    def update(self, **kwargs):
        raise AppendOnly("audit entries are never updated")

    def delete(self):
        raise AppendOnly("audit entries are never deleted")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("At"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Actor"),
        null=True,
        blank=True,
        # The label keeps who it was; an entry never stops a user's removal.
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # the (actor, at) index serves it
    )
    actor_label = models.CharField(_("Actor label"), max_length=255)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("Request id"), max_length=64, blank=True)
    action = models.CharField(_("Action"), max_length=64)
    object_type = models.CharField(_("Object type"), max_length=100)
    object_id = models.CharField(_("Object id"), max_length=64)
    object_repr = models.CharField(_("Object"), max_length=200, blank=True)
    changes = models.JSONField(
        _("Changes"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("Audit entry")
        verbose_name_plural = _("Audit entries")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
            models.Index(fields=["at"], name="audit_at"),
        ]

    def __str__(self):
        return f"{self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("audit entries are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("audit entries are never deleted")
