"""A report export started through the API is written by a real Celery worker
(on Redis, against the test database, into a MEDIA_ROOT both processes share)
and downloaded through the API."""

import csv
import io

import pytest
from django.db import transaction

from reports import export_runs, exports
from reports.models import ExportStatus, ReportExport
from tests.functional.workers import start_worker, stop_worker, wait_for
from tests.integration.report_sales import sales  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]
Q1 = {"from": "2021-01-01", "to": "2021-03-31"}
URL = "/api/v1/report-exports/"


@pytest.mark.usefixtures("sales")
def test_the_worker_writes_an_export_started_through_the_api(
    api, official, queue_name, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path
    # The start's after-commit task goes to this test's worker's queue.
    monkeypatch.setattr(
        exports,
        "run_after_commit",
        lambda pk: transaction.on_commit(
            lambda: export_runs.run_export_task.apply_async(args=[pk], queue=queue_name)
        ),
    )
    worker = start_worker(queue_name, MEDIA_ROOT=str(tmp_path))
    try:
        api.force_authenticate(official)
        response = api.post(
            URL, {"report": "entries", "params": Q1, "format": "csv"}, format="json"
        )
        assert response.status_code == 202, response.json()
        started = response.json()
        assert started["status"] == "queued"

        def done():
            return ReportExport.objects.get(pk=started["id"]).status in (
                ExportStatus.DONE,
                ExportStatus.FAILED,
            )

        assert wait_for(done), "the worker did not write the export within 60 s"
    finally:
        stop_worker(worker)

    detail = api.get(started["url"]).json()
    assert detail["status"] == "done", detail["error"]
    assert detail["percent"] == 100
    assert detail["rows_done"] == detail["rows_total"] > 0
    download = api.get(detail["download"])
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    synchronous = api.get("/api/v1/reports/entries/", {**Q1, "format": "csv"})
    assert content == synchronous.content
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(lines) == 1 + detail["rows_total"]
    export = ReportExport.objects.get(pk=started["id"])
    assert [e.kind for e in export.events.all()] == [
        "asked",
        "started",
        "done",
        "downloaded",
    ]
