"""Outbox rows: the tasks to send, and the messages whose effect is applied.

An ``OutboxMessage`` is written in the transaction of the work it follows, so a
task exists exactly when that work was committed. It is pending until a publish to
the broker succeeds (``sent_at``); the relay takes pending rows from
``available_at`` on. A ``ProcessedMessage`` is written by a task in the same
transaction as its effect, keyed by the message's id: a message delivered twice
(published again after a relay crash, redelivered after a lost acknowledgement)
finds it and does nothing.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    kwargs = models.JSONField(_("keyword arguments"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The relay leaves a new row to the publish after commit for a few seconds,
    # and a row that cannot be encoded alone for longer and longer.
    available_at = models.DateTimeField(_("relayed from"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("publish attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["pk"]
        indexes = [
            # The relay's query, and "how many are waiting": pending rows only.
            models.Index(
                fields=["available_at", "id"],
                condition=Q(sent_at__isnull=True),
                name="outbox_pending_idx",
            ),
            # The daily purge of old sent rows.
            models.Index(
                fields=["sent_at"],
                condition=Q(sent_at__isnull=False),
                name="outbox_sent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)} #{self.pk}"


class ProcessedMessage(models.Model):
    # Not a foreign key: sent rows are purged on their own schedule.
    message_id = models.BigIntegerField(_("outbox message"), primary_key=True)
    task = models.CharField(_("task"), max_length=200)
    processed_at = models.DateTimeField(
        _("processed at"), default=timezone.now, db_index=True
    )

    class Meta:
        verbose_name = _("processed outbox message")
        verbose_name_plural = _("processed outbox messages")

    def __str__(self) -> str:
        return f"{self.task} #{self.message_id}"
