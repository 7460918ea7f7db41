"""The report exports' pages: start from a report page's form, follow the
progress, download; errors, access, and the list."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports import exports
from reports.models import ReportExport

PARAMS = "from=2021-01-01&to=2021-03-31&county=&interval=month"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def start(client, django_capture_on_commit_callbacks):
    """Post the report page's export form as a user; the embedded shop runs the
    export at commit."""

    def start(user, report="period", params=PARAMS, file_format="xlsx"):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("report-exports:start"),
                {"report": report, "params": params, "format": file_format},
            )

    return start


def test_start_then_follow_then_download(client, official, sales, start):
    response = start(official)

    export = ReportExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("report-exports:detail", args=[export.pk])
    assert export.params == {
        "from": "2021-01-01",
        "to": "2021-03-31",
        "interval": "month",
    }

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="export_progress"' in html
    assert reverse("report-exports:status", args=[export.pk]) in html
    assert "reports/exports.js" in html
    assert "Sales by period" in html

    status = client.get(reverse("report-exports:status", args=[export.pk])).json()
    assert status == {
        "id": export.pk,
        "status": "done",
        "status_display": "Done",
        "percent": 100,
        "rows_done": 4,
        "rows_total": 4,
        "progress_text": "4 of 4 rows",
        "error": "",
        "finished": True,
        "download": reverse("report-exports:download", args=[export.pk]),
    }

    download = client.get(status["download"])
    assert download.status_code == 200
    assert download["Content-Disposition"] == (
        'attachment; filename="sales-by-period-month_2021-01-01_2021-03-31.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == [
        "Group",
        "2021-01",
        "2021-02",
        "2021-03",
        "Total",
    ]


def test_progress_of_a_queued_export(client, official):
    client.force_login(official)
    export = exports.start_export(
        user=official,
        report="entries",
        params={"from": "2021-01-01", "to": "2021-01-31"},
        file_format="csv",
    )  # its task waits for a commit that the test never makes

    status = client.get(reverse("report-exports:status", args=[export.pk])).json()
    page = client.get(reverse("report-exports:detail", args=[export.pk]))

    assert (status["status"], status["percent"], status["download"]) == (
        "queued",
        0,
        None,
    )
    assert status["finished"] is False
    assert 'data-finished="false"' in page.content.decode()
    download = client.get(reverse("report-exports:download", args=[export.pk]))
    assert download.status_code == 404


def test_bad_input_shows_each_error(client, official, start):
    response = start(official, report="weather", params="from=2021-02-30&colour=red")

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="export_errors"' in html
    for field in ("report", "from", "to", "colour"):
        assert f'<span class="error-field">{field}</span>' in html
    assert not ReportExport.objects.exists()


def test_the_anonymous_are_sent_to_log_in(client):
    for url in (
        reverse("report-exports:list"),
        reverse("report-exports:detail", args=[1]),
        reverse("report-exports:download", args=[1]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_those_who_see_no_reports_are_refused(client, shopper, start):
    assert start(shopper).status_code == 403
    assert client.get(reverse("report-exports:list")).status_code == 403


def test_another_users_export_is_not_found(
    client, manager, cooperative, other_manager, other_cooperative, start
):
    start(manager)
    export = ReportExport.objects.get()

    client.force_login(other_manager)
    for name in ("detail", "status", "download"):
        url = reverse(f"report-exports:{name}", args=[export.pk])
        assert client.get(url).status_code == 404


def test_the_list_shows_own_exports_and_for_officials_the_monthly_ones(
    client, official, manager, cooperative, start
):
    start(manager, report="channel")
    start(official, report="county", file_format="csv")
    exports.schedule_monthly_reports(month=datetime.date(2021, 1, 1))

    client.force_login(official)
    officials = client.get(reverse("report-exports:list")).content.decode()
    client.force_login(manager)
    managers = client.get(reverse("report-exports:list")).content.decode()

    assert officials.count('class="export-row') == 1 + 7
    assert officials.count("export-monthly") == 7
    assert "Sales by county" in officials and "Sales by channel" in officials
    assert managers.count('class="export-row') == 1
    assert "export-monthly" not in managers
