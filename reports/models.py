"""Report exports: a report's CSV or XLSX file written in the background.

A large file (a year of ledger entries is millions of rows) is no answer to a
request: the export is a row a Celery task works through, saving its progress for
the page's progress bar, and the file is downloaded later through a view that
checks access. Scheduled monthly reports are exports with no user and a ``month``.
"""

import secrets

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _

# The reports an export can be of, besides the groupings of ``reports.query``.
ENTRIES = "entries"
AT_RISK = "households-at-risk"


def export_storage():
    """Exports have a storage of their own (``STORAGES["exports"]``): a file
    system under MEDIA_ROOT in production and in the worker tests, whatever the
    default storage of uploads is."""
    return storages["exports"]


def export_path(export: "ReportExport", filename: str) -> str:
    """A path nobody can guess: if the media folder is ever served, a file
    cannot be found without the download view (which checks access)."""
    return f"report-exports/{secrets.token_urlsafe(24)}/{filename}"


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ReportExport(models.Model):
    """One report's file, asked for by a user or by the monthly schedule."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="report_exports",
        help_text=_("Who asked; empty for the scheduled monthly reports."),
    )
    report = models.CharField(_("report"), max_length=32)
    # The query string, already narrowed to what the user may see when started.
    params = models.JSONField(_("parameters"), default=dict)
    file_format = models.CharField(
        _("file format"), max_length=4, choices=FileFormat.choices
    )
    # The asker's language then: headings and labels are written in it.
    language = models.CharField(_("language"), max_length=16, blank=True)
    month = models.DateField(
        _("month"),
        null=True,
        blank=True,
        help_text=_("The first day of the month a scheduled report covers."),
    )
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=ExportStatus.choices,
        default=ExportStatus.QUEUED,
    )
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in all"), null=True, blank=True)
    file = models.FileField(
        _("file"),
        storage=export_storage,
        upload_to=export_path,
        max_length=255,
        blank=True,
    )
    error = models.TextField(_("error"), blank=True)
    # Which run may write: a run that finds another token has been taken over
    # (its worker was presumed dead) and stops without touching the row.
    run_token = models.CharField(max_length=32, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Report export")
        verbose_name_plural = _("Report exports")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "report", "file_format"],
                condition=models.Q(month__isnull=False),
                name="report_export_once_a_month",
            )
        ]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.report}.{self.file_format} ({self.status})"

    @property
    def percent(self) -> int:
        """Progress for the bar, 0-100 (100 only when done)."""
        if self.status == ExportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def filename(self) -> str:
        """The name the file is downloaded under (without the random folder)."""
        return self.file.name.rsplit("/", 1)[-1] if self.file else ""


class ExportEventKind(models.TextChoices):
    ASKED = "asked", _("Asked for")
    STARTED = "started", _("Started")
    TAKEN_OVER = "taken-over", _("Restarted after a stalled run")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    DOWNLOADED = "downloaded", _("Downloaded")


class ExportEvent(models.Model):
    """The audit trail of an export, written with each change: who asked for
    which figures and who downloaded them (the files name households)."""

    export = models.ForeignKey(
        ReportExport, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=12, choices=ExportEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["export_id", "id"]
        verbose_name = _("Export event")

    def __str__(self):
        return f"{self.export_id}: {self.kind}"
