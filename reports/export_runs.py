"""Running a report export: claim the row, write the file, say how far it got.

Idempotent, so the task can be delivered twice or after its worker died
(``acks_late``):

- The run claims the row under ``select_for_update``: a done or failed export is
  left alone; a running one whose last progress is recent belongs to a live
  worker and is left alone too; a running one gone quiet for ``STALE_AFTER`` is
  taken over (its worker presumably died) and written again from the start.
- Each claim writes a new ``run_token``. Progress, the finished file and a failure
  are saved only while the row still carries the run's token, so a slow worker
  that was taken over stops at its next progress save instead of overwriting.
- Progress is saved every ``tables.PROGRESS_EVERY`` rows in its own short
  transaction (an UPDATE in autocommit), so the page sees it while the file is
  still being written; the file is written outside any transaction.
- Transient database errors release the claim and propagate, for the task to
  retry; after ``MAX_ATTEMPTS`` claims the export is failed instead of retried
  for ever. Any other error fails the export with a message for its page.
"""

import datetime
import logging
import secrets
import tempfile

from celery import shared_task
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from outbox.services import enqueue
from reports import tables
from reports.access import report_scope, scoped
from reports.at_risk import households_at_risk
from reports.models import (
    AT_RISK,
    ENTRIES,
    ExportEvent,
    ExportEventKind,
    ExportStatus,
    ReportExport,
)
from reports.params import query_from_params
from reports.query import GROUPINGS, ReportQuery
from reports.selectors import entries_of, sales_report

logger = logging.getLogger(__name__)

# A running export with no progress saved for this long has lost its worker.
STALE_AFTER = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 5
TRANSIENT = (OperationalError, InterfaceError)


class Superseded(Exception):
    """Another run took the export over; this one must not write."""


def export_query(export: ReportExport) -> ReportQuery:
    """The export's checked query (``ValidationError`` if it no longer is)."""
    grouping = export.report if export.report in GROUPINGS else None
    return query_from_params(export.params, grouping=grouping)


def export_table(report: str, query: ReportQuery) -> tables.Table:
    """The report's table, as the synchronous API writes it; with its row count
    when it is cheap to know before writing (the entries' ``count()``)."""
    if report == ENTRIES:
        entries = entries_of(query)
        table = tables.entries_table(query, entries)
        table.count = entries.count()
        return table
    if report == AT_RISK:
        return tables.at_risk_table(query, households_at_risk(query))
    return tables.report_table(sales_report(query))


def run_export(*, export_id: int) -> ReportExport | None:
    """Write the export's file, unless it is done, failed or being written by a
    live worker. Returns the export as this run left it (None when skipped)."""
    claim = _claim(export_id)
    if claim is None:
        return None
    export, token = claim
    try:
        with translation.override(export.language or settings.LANGUAGE_CODE):
            query = export_query(export)
            if export.user_id is not None:
                # The asker may have lost access since (a manager who left).
                scoped(query, report_scope(export.user))
            table = export_table(export.report, query)
            _save_progress(export.pk, token, 0, total=table.count)
            with tempfile.TemporaryFile() as out:
                tables.WRITERS[export.file_format](
                    table,
                    out,
                    progress=lambda done: _save_progress(export.pk, token, done),
                )
                rows = _rows_done(export.pk)
                out.seek(0)
                name = export.file.field.generate_filename(
                    export, f"{table.name}.{export.file_format}"
                )
                name = export.file.storage.save(name, File(out))
        return _finish(export.pk, token, name, rows)
    except Superseded:
        return None
    except TRANSIENT:
        _release(export.pk, token)
        raise
    except (ValidationError, PermissionDenied) as exc:
        return _fail(export.pk, token, " ".join(_messages(exc)))
    except Exception:
        logger.exception("Report export %s failed", export.pk)
        return _fail(
            export.pk,
            token,
            _("The export failed on an internal error. Try again, or ask the staff."),
        )


def _messages(exc) -> list[str]:
    if isinstance(exc, ValidationError):
        return [str(m) for m in exc.messages]
    return [str(exc) or _("You may no longer see these figures.")]


def _claim(export_id: int) -> tuple[ReportExport, str] | None:
    now = timezone.now()
    with transaction.atomic():
        # No join: PostgreSQL cannot lock the nullable side of an outer join.
        export = ReportExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status in (ExportStatus.DONE, ExportStatus.FAILED):
            return None
        running = export.status == ExportStatus.RUNNING
        if running and export.heartbeat_at and export.heartbeat_at > now - STALE_AFTER:
            return None  # a live worker is writing it
        if export.attempts >= MAX_ATTEMPTS:
            _mark_failed(
                export, _("Gave up after %(n)s attempts.") % {"n": MAX_ATTEMPTS}
            )
            return None
        token = secrets.token_hex(16)
        export.status = ExportStatus.RUNNING
        export.run_token = token
        export.attempts += 1
        export.started_at = export.heartbeat_at = now
        export.rows_done = 0
        export.save(
            update_fields=[
                "status",
                "run_token",
                "attempts",
                "started_at",
                "heartbeat_at",
                "rows_done",
            ]
        )
        kind = ExportEventKind.TAKEN_OVER if running else ExportEventKind.STARTED
        ExportEvent.objects.create(
            export=export, kind=kind, detail=f"attempt {export.attempts}"
        )
    return export, token


def _save_progress(export_id: int, token: str, done: int, total=None) -> None:
    """One UPDATE, committed at once: the page's progress bar reads it."""
    changes = {"rows_done": done, "heartbeat_at": timezone.now()}
    if total is not None:
        changes["rows_total"] = total
    mine = ReportExport.objects.filter(pk=export_id, run_token=token)
    if not mine.update(**changes):
        raise Superseded


def _rows_done(export_id: int) -> int:
    return ReportExport.objects.values_list("rows_done", flat=True).get(pk=export_id)


def _locked_if_mine(export_id: int, token: str) -> ReportExport | None:
    export = ReportExport.objects.select_for_update().get(pk=export_id)
    return export if export.run_token == token else None


def _finish(export_id: int, token: str, name: str, rows: int) -> ReportExport | None:
    with transaction.atomic():
        export = _locked_if_mine(export_id, token)
        if export is not None:
            export.status = ExportStatus.DONE
            export.file.name = name
            export.rows_done = rows
            export.rows_total = rows
            export.finished_at = timezone.now()
            export.save(
                update_fields=[
                    "status",
                    "file",
                    "rows_done",
                    "rows_total",
                    "finished_at",
                ]
            )
            ExportEvent.objects.create(
                export=export, kind=ExportEventKind.DONE, detail=f"{rows} rows"
            )
            return export
    # Taken over while the file was being saved: the other run writes its own.
    ReportExport._meta.get_field("file").storage.delete(name)
    return None


def _mark_failed(export: ReportExport, error: str) -> ReportExport:
    export.status = ExportStatus.FAILED
    export.error = error
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "error", "finished_at"])
    ExportEvent.objects.create(export=export, kind=ExportEventKind.FAILED, detail=error)
    return export


def _fail(export_id: int, token: str, error: str) -> ReportExport | None:
    with transaction.atomic():
        export = _locked_if_mine(export_id, token)
        return _mark_failed(export, error) if export is not None else None


def _release(export_id: int, token: str) -> None:
    """Back to the queue for the retry (best effort: the database may be down,
    and then the stale-run rule lets the retry take it over later)."""
    try:
        ReportExport.objects.filter(pk=export_id, run_token=token).update(
            status=ExportStatus.QUEUED, run_token=""
        )
    except TRANSIENT:
        logger.warning("Could not release report export %s", export_id)


def stalled_export_ids(*, now=None) -> list[int]:
    """Exports queued or running with no sign of life for ``STALE_AFTER``: the
    task was lost (broker down at the start, an in-process run killed) or its
    worker died; sending them again is safe."""
    before = (now or timezone.now()) - STALE_AFTER
    queued = ReportExport.objects.filter(
        status=ExportStatus.QUEUED, created_at__lt=before
    ).exclude(heartbeat_at__gte=before)
    running = ReportExport.objects.filter(
        status=ExportStatus.RUNNING, heartbeat_at__lt=before
    )
    return sorted(
        set(queued.values_list("pk", flat=True))
        | set(running.values_list("pk", flat=True))
    )


@shared_task(
    name="reports.tasks.run_export",
    acks_late=True,
    autoretry_for=TRANSIENT,
    max_retries=3,
    retry_backoff=5,
)
def run_export_task(export_id: int) -> str:
    """Thin: the service decides whether there is anything to do."""
    export = run_export(export_id=export_id)
    return export.status if export is not None else "skipped"


def run_after_commit(export_id: int) -> None:
    """Inside the export's transaction: the task is sent once it commits."""
    enqueue(run_export_task, export_id)
