"""Report exports: starting (checked and narrowed like the reports), running
(the same file as the synchronous download, progress saved, idempotent, taken over
when stalled, failures recorded), the monthly schedule (each report once) and who
sees which export."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.utils import timezone
from openpyxl import load_workbook

from canteens.services import add_member
from ledger.models import LedgerEntry
from reports import export_runs, exports, tables
from reports.at_risk import households_at_risk
from reports.models import ExportEvent, ExportStatus, ReportExport
from reports.params import query_from_params
from reports.selectors import entries_of, sales_report
from suppliers.models import Cooperative
from tests.factories import UserFactory, make_canteen

Q1 = {"from": "2021-01-01", "to": "2021-03-31"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def start(user, report="channel", params=None, file_format="csv", capture=None):
    """Start an export; with ``capture`` (the on-commit fixture) also run it, as
    the embedded shop does at commit."""
    kwargs = {
        "user": user,
        "report": report,
        "params": Q1 if params is None else params,
        "file_format": file_format,
    }
    if capture is None:
        return exports.start_export(**kwargs)
    with capture(execute=True):
        export = exports.start_export(**kwargs)
    export.refresh_from_db()
    return export


def file_of(export) -> bytes:
    with export.file.open("rb") as f:
        return f.read()


def cells(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content)).active
    return list(sheet.iter_rows(values_only=True))


def test_start_refuses_bad_input_field_by_field(official):
    with pytest.raises(ValidationError) as refused:
        exports.start_export(
            user=official,
            report="weather",
            params={"from": "2021-13-01", "colour": "red"},
            file_format="pdf",
        )

    assert set(refused.value.message_dict) == {
        "report",
        "format",
        "from",
        "to",
        "colour",
    }
    assert not ReportExport.objects.exists()


def test_start_refuses_another_cooperatives_figures(
    manager, cooperative, other_cooperative
):
    with pytest.raises(PermissionDenied):
        exports.start_export(
            user=manager,
            report="product",
            params={**Q1, "cooperative": str(other_cooperative.pk)},
            file_format="csv",
        )

    assert not ReportExport.objects.exists()
    assert not ExportEvent.objects.exists()


def test_start_refuses_those_who_see_no_reports(shopper):
    with pytest.raises(PermissionDenied):
        start(shopper)

    assert not ReportExport.objects.exists()


def test_a_canteen_cannot_export_households_at_risk(db):
    buyer = UserFactory()
    add_member(organisation=make_canteen(), user=buyer, role="buyer")

    with pytest.raises(PermissionDenied):
        start(buyer, report="households-at-risk")


def test_households_at_risk_refuse_filters_they_do_not_have(official):
    with pytest.raises(ValidationError) as refused:
        start(official, report="households-at-risk", params={**Q1, "product": "3"})

    assert refused.value.message_dict == {"product": ["Not a filter of this report."]}


def test_a_managers_export_is_narrowed_to_their_cooperative(manager, cooperative):
    export = start(manager, report="period", params={**Q1, "interval": "week"})

    assert export.params == {
        **Q1,
        "cooperative": str(cooperative.pk),
        "interval": "week",
    }
    assert export.status == ExportStatus.QUEUED
    assert export.language == "en"
    [event] = export.events.all()
    assert (event.kind, event.actor) == ("asked", manager)


def test_run_is_sent_after_commit(official, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        export = start(official)

    assert len(callbacks) == 1
    export.refresh_from_db()
    assert export.status == ExportStatus.QUEUED  # nothing ran inside the transaction


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_grouped_report_file_equals_the_synchronous_one(
    official, sales, file_format, django_capture_on_commit_callbacks
):
    export = start(
        official,
        report="channel",
        file_format=file_format,
        capture=django_capture_on_commit_callbacks,
    )

    query = query_from_params(Q1, grouping="channel")
    table = tables.report_table(sales_report(query))
    expected = tables.file_bytes(table, file_format)
    assert export.status == ExportStatus.DONE, export.error
    assert export.filename == f"sales-by-channel_2021-01-01_2021-03-31.{file_format}"
    if file_format == "csv":
        assert file_of(export) == expected
    else:  # an XLSX file carries its creation time: compare the cells
        assert cells(file_of(export)) == cells(expected)
    assert export.rows_done == export.rows_total == len(table.rows) == 4
    assert export.percent == 100
    assert export.file.name.startswith("report-exports/")
    assert len(export.file.name.split("/")[1]) >= 32  # a random folder
    assert [e.kind for e in export.events.all()] == ["asked", "started", "done"]


def test_an_entries_file_equals_the_synchronous_one(
    official, sales, django_capture_on_commit_callbacks
):
    export = start(
        official, report="entries", capture=django_capture_on_commit_callbacks
    )

    query = query_from_params(Q1)
    expected = tables.file_bytes(tables.entries_table(query, entries_of(query)), "csv")
    assert file_of(export) == expected
    count = LedgerEntry.objects.filter(sale_date__range=("2021-01-01", "2021-03-31"))
    assert export.rows_done == export.rows_total == count.count()


def test_a_households_at_risk_file_equals_the_synchronous_one(
    official, sales, django_capture_on_commit_callbacks
):
    export = start(
        official,
        report="households-at-risk",
        params={"from": "2021-03-01", "to": "2021-03-31"},
        file_format="xlsx",
        capture=django_capture_on_commit_callbacks,
    )

    query = query_from_params({"from": "2021-03-01", "to": "2021-03-31"})
    rows = households_at_risk(query)
    expected = tables.file_bytes(tables.at_risk_table(query, rows), "xlsx")
    assert cells(file_of(export)) == cells(expected)


def test_a_managers_file_holds_their_cooperatives_figures_only(
    manager, sales, django_capture_on_commit_callbacks
):
    own = Cooperative.objects.get(pk=LedgerEntry.objects.first().cooperative_id)
    own.partner.users.add(manager)

    export = start(
        manager, report="entries", capture=django_capture_on_commit_callbacks
    )

    lines = file_of(export).decode("utf-8-sig").splitlines()[1:]
    expected = LedgerEntry.objects.filter(
        cooperative=own, sale_date__range=("2021-01-01", "2021-03-31")
    )
    assert len(lines) == expected.count() > 0
    assert {line.split(",")[3] for line in lines} == {own.partner.name}


def test_progress_is_saved_as_the_file_is_written(official, sales, monkeypatch):
    monkeypatch.setattr(tables, "PROGRESS_EVERY", 40)
    export = start(official, report="entries")
    seen = []
    save = export_runs._save_progress

    def spy(export_id, token, done, total=None):
        save(export_id, token, done, total)
        row = ReportExport.objects.get(pk=export_id)
        seen.append((row.status, row.rows_done, row.rows_total))

    monkeypatch.setattr(export_runs, "_save_progress", spy)

    export_runs.run_export(export_id=export.pk)

    total = entries_of(query_from_params(Q1)).count()
    assert total > 80
    assert seen == [
        ("running", 0, total),
        *[("running", done, total) for done in range(40, total + 1, 40)],
        ("running", total, total),
    ]


def test_a_done_export_is_not_redone(
    official, sales, django_capture_on_commit_callbacks
):
    export = start(official, capture=django_capture_on_commit_callbacks)
    name, events = export.file.name, export.events.count()

    assert export_runs.run_export(export_id=export.pk) is None

    export.refresh_from_db()
    assert (export.status, export.file.name, export.attempts) == ("done", name, 1)
    assert export.events.count() == events


def test_a_running_export_with_a_live_worker_is_left_alone(official, sales):
    export = start(official)
    ReportExport.objects.filter(pk=export.pk).update(
        status="running", run_token="theirs", heartbeat_at=timezone.now()
    )

    assert export_runs.run_export(export_id=export.pk) is None

    export.refresh_from_db()
    assert (export.status, export.run_token, export.file.name) == (
        "running",
        "theirs",
        "",
    )


def test_a_stalled_export_is_taken_over_and_finished(official, sales):
    export = start(official)
    quiet = timezone.now() - export_runs.STALE_AFTER - datetime.timedelta(seconds=1)
    ReportExport.objects.filter(pk=export.pk).update(
        status="running", run_token="dead", heartbeat_at=quiet, attempts=1
    )

    assert export_runs.stalled_export_ids() == [export.pk]
    done = export_runs.run_export(export_id=export.pk)

    assert done.status == ExportStatus.DONE
    assert done.attempts == 2
    assert [e.kind for e in done.events.all()] == ["asked", "taken-over", "done"]
    assert export_runs.stalled_export_ids() == []


def test_a_run_that_was_taken_over_stops_without_writing(official, sales, monkeypatch):
    export = start(official)
    table_of = export_runs.export_table

    def taken_over_meanwhile(report, query):
        ReportExport.objects.filter(pk=export.pk).update(run_token="another")
        return table_of(report, query)

    monkeypatch.setattr(export_runs, "export_table", taken_over_meanwhile)

    assert export_runs.run_export(export_id=export.pk) is None

    export.refresh_from_db()
    assert (export.status, export.file.name, export.run_token) == (
        "running",
        "",
        "another",
    )


def test_a_failure_is_recorded_with_its_message(official, sales, monkeypatch):
    export = start(official)

    def broken(report, query):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(export_runs, "export_table", broken)

    failed = export_runs.run_export(export_id=export.pk)

    assert failed.status == ExportStatus.FAILED
    assert failed.error == (
        "The export failed on an internal error. Try again, or ask the staff."
    )
    assert failed.finished_at is not None
    assert not failed.file
    assert failed.events.last().kind == "failed"
    assert export_runs.run_export(export_id=export.pk) is None  # not retried


def test_a_manager_who_left_the_cooperative_gets_a_failed_export(manager, cooperative):
    export = start(manager)
    cooperative.partner.users.remove(manager)

    failed = export_runs.run_export(export_id=export.pk)

    assert failed.status == ExportStatus.FAILED
    assert "Reports are for officials" in failed.error
    assert not failed.file


def test_a_transient_error_puts_the_export_back_for_the_retry(
    official, sales, monkeypatch
):
    export = start(official)

    def database_gone(report, query):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(export_runs, "export_table", database_gone)

    with pytest.raises(OperationalError):
        export_runs.run_export(export_id=export.pk)

    export.refresh_from_db()
    assert (export.status, export.run_token, export.attempts) == ("queued", "", 1)


def test_gives_up_after_so_many_attempts(official, sales):
    export = start(official)
    ReportExport.objects.filter(pk=export.pk).update(attempts=export_runs.MAX_ATTEMPTS)

    assert export_runs.run_export(export_id=export.pk) is None

    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    assert export.error == "Gave up after 5 attempts."


def test_monthly_reports_are_created_once(
    official, sales, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = exports.schedule_monthly_reports(month=datetime.date(2021, 2, 1))
    with django_capture_on_commit_callbacks(execute=True) as again:
        second = exports.schedule_monthly_reports(month=datetime.date(2021, 2, 1))

    assert len(first) == len(exports.MONTHLY) == 7
    assert second == [] and again == []
    monthly = ReportExport.objects.filter(month=datetime.date(2021, 2, 1))
    assert monthly.count() == 7
    assert set(monthly.values_list("status", "file_format", "user")) == {
        ("done", "xlsx", None)
    }
    by_day = monthly.get(report="period")
    assert by_day.params == {
        "from": "2021-02-01",
        "to": "2021-02-28",
        "interval": "day",
    }
    february = cells(file_of(by_day))
    assert february[0][0] == "Group" and february[-1][0] == "Total"
    # Headings, February's three sale days and the day of the withdrawn sale
    # (netting to nothing), the totals.
    assert len(february) == 1 + 4 + 1


def test_monthly_reports_default_to_last_month(db, monkeypatch):
    monkeypatch.setattr(
        timezone, "localdate", lambda *a, **k: datetime.date(2021, 1, 1)
    )

    created = exports.schedule_monthly_reports()

    assert {e.month for e in created} == {datetime.date(2020, 12, 1)}
    assert created[0].params["to"] == "2020-12-31"


def test_who_sees_which_exports(
    official, staff, manager, cooperative, other_manager, other_cooperative, sales
):
    mine = start(manager)
    theirs = start(other_manager)
    officials = start(official)
    [monthly, *_rest] = exports.schedule_monthly_reports(
        month=datetime.date(2021, 1, 1)
    )

    assert set(exports.exports_visible(user=manager)) == {mine}
    assert set(exports.exports_visible(user=other_manager)) == {theirs}
    seen_by_official = set(exports.exports_visible(user=official))
    assert officials in seen_by_official and monthly in seen_by_official
    assert mine not in seen_by_official
    assert monthly in set(exports.exports_visible(user=staff))
    assert officials not in set(exports.exports_visible(user=staff))
    # A manager moved to another cooperative no longer sees the old figures.
    cooperative.partner.users.remove(manager)
    other_cooperative.partner.users.add(manager)
    moved = type(manager).objects.get(pk=manager.pk)  # roles are cached on a user
    assert set(exports.exports_visible(user=moved)) == set()
