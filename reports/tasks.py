"""Celery tasks of the reports: thin, idempotent wrappers over services.

``run_export`` is defined next to its service (``reports.export_runs``, which
the starting services send it from) and registered with the worker here.
"""

from celery import shared_task

from reports import export_runs, exports

run_export = export_runs.run_export_task


@shared_task(name="reports.tasks.schedule_monthly_reports")
def schedule_monthly_reports() -> int:
    """On the 1st (beat): last month's reports. Idempotent: each report of a
    month is created once, so a re-run of the schedule adds nothing."""
    return len(exports.schedule_monthly_reports())


@shared_task(name="reports.tasks.resume_stalled_exports")
def resume_stalled_exports() -> int:
    """Every quarter of an hour (beat): send again the exports whose task was
    lost or whose worker died. Safe: a run skips an export a live worker has."""
    stalled = export_runs.stalled_export_ids()
    for export_id in stalled:
        run_export.delay(export_id)
    return len(stalled)
