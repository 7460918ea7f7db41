"""The report exports API: start (202, refusals field by field and by role),
list and detail by who may see them, download (the synchronous report's file),
and the OpenAPI schema."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from canteens.services import add_member
from reports import exports
from reports.models import ReportExport
from tests.factories import UserFactory, make_canteen

Q1 = {"from": "2021-01-01", "to": "2021-03-31"}
URL = "/api/v1/report-exports/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def post(api, django_capture_on_commit_callbacks):
    """POST an export as a user; the embedded shop runs it at commit."""

    def post(user, body):
        api.force_authenticate(user)
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(URL, body, format="json")

    return post


def body(report="channel", file_format="csv", **params):
    return {"report": report, "params": {**Q1, **params}, "format": file_format}


def test_an_official_starts_an_export_and_downloads_the_reports_file(
    api, official, sales, post
):
    response = post(official, body(file_format="csv"))

    assert response.status_code == 202, response.json()
    started = response.json()
    assert (started["report"], started["format"], started["params"]) == (
        "channel",
        "csv",
        Q1,
    )
    detail = api.get(started["url"]).json()
    assert detail["status"] == "done"
    assert (detail["percent"], detail["rows_done"], detail["rows_total"]) == (
        100,
        4,
        4,
    )
    assert detail["download"].endswith(f"{URL}{started['id']}/download/")

    download = api.get(detail["download"])
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"] == (
        'attachment; filename="sales-by-channel_2021-01-01_2021-03-31.csv"'
    )
    content = b"".join(download.streaming_content)
    synchronous = api.get("/api/v1/reports/channel/", {**Q1, "format": "csv"})
    assert content == synchronous.content
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert lines[0][0] == "Group" and lines[-1][0] == "Total"
    assert ReportExport.objects.get().events.last().kind == "downloaded"


def test_an_xlsx_export_opens_with_the_reports_cells(api, official, sales, post):
    started = post(official, body("period", "xlsx", interval="month")).json()

    download = api.get(f"{URL}{started['id']}/download/")

    content = b"".join(download.streaming_content)
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    synchronous = api.get(
        "/api/v1/reports/period/", {**Q1, "interval": "month", "format": "xlsx"}
    )
    expected = load_workbook(io.BytesIO(synchronous.content)).active
    assert rows == list(expected.iter_rows(values_only=True))
    assert [r[0] for r in rows] == ["Group", "2021-01", "2021-02", "2021-03", "Total"]


def test_bad_input_is_refused_field_by_field(api, official, post):
    response = post(
        official,
        {"report": "weather", "params": {"from": "2021-02-30"}, "format": "xlsx"},
    )

    assert response.status_code == 400
    assert set(response.json()) == {"report", "from", "to"}
    assert post(official, {"report": "channel", "params": Q1}).json() == {
        "format": ["This field is required."]
    }
    assert not ReportExport.objects.exists()


def test_a_manager_exports_their_cooperatives_figures_only(
    api, manager, cooperative, other_cooperative, post
):
    refused = post(manager, body(cooperative=other_cooperative.pk))
    started = post(manager, body())

    assert refused.status_code == 403
    assert started.status_code == 202
    assert started.json()["params"] == {**Q1, "cooperative": str(cooperative.pk)}


def test_a_canteen_member_exports_their_canteens_figures(api, sales, post):
    buyer = UserFactory()
    canteen = make_canteen()
    add_member(organisation=canteen, user=buyer, role="buyer")

    started = post(buyer, body("product"))
    at_risk = post(buyer, body("households-at-risk"))

    assert started.status_code == 202
    assert started.json()["params"]["canteen"] == str(canteen.pk)
    assert at_risk.status_code == 403


def test_those_who_see_no_reports_cannot_export_or_list(api, shopper, post):
    assert post(shopper, body()).status_code == 403
    assert api.get(URL).status_code == 403
    api.force_authenticate(None)
    assert api.get(URL).status_code in (401, 403)


def test_another_users_export_is_not_found(
    api, manager, cooperative, other_manager, other_cooperative, post
):
    mine = post(manager, body()).json()

    api.force_authenticate(other_manager)
    assert api.get(f"{URL}{mine['id']}/").status_code == 404
    assert api.get(f"{URL}{mine['id']}/download/").status_code == 404
    assert api.get(URL).json()["results"] == []
    api.force_authenticate(manager)
    assert [e["id"] for e in api.get(URL).json()["results"]] == [mine["id"]]


def test_officials_list_their_exports_and_the_monthly_reports(
    api, official, manager, cooperative, post
):
    managers = post(manager, body()).json()
    own = post(official, body("county")).json()
    monthly = exports.schedule_monthly_reports(month=datetime.date(2021, 1, 1))

    api.force_authenticate(official)
    listed = api.get(URL).json()["results"]

    ids = [e["id"] for e in listed]
    assert own["id"] in ids and managers["id"] not in ids
    assert {e.pk for e in monthly} <= set(ids)
    assert ids == sorted(ids, reverse=True)  # newest first
    scheduled = next(e for e in listed if e["id"] == monthly[0].pk)
    assert (scheduled["scheduled"], scheduled["month"]) == (True, "2021-01-01")
    api.force_authenticate(manager)
    assert api.get(f"{URL}{monthly[0].pk}/").status_code == 404


def test_a_file_not_written_yet_is_a_conflict(api, official):
    api.force_authenticate(official)
    response = api.post(URL, body(), format="json")  # the task waits for commit

    started = response.json()
    assert started["status"] == "queued" and started["download"] is None
    download = api.get(f"{URL}{started['id']}/download/")
    assert download.status_code == 409
    assert download.json()["code"] == "not_ready"


def test_the_schema_lists_the_export_endpoints(api, staff):
    api.force_authenticate(staff)
    schema = api.get("/api/schema/", {"format": "json"}).json()

    paths = schema["paths"]
    assert set(paths[URL]) >= {"get", "post"}
    assert "get" in paths[URL + "{id}/"]
    assert "get" in paths[URL + "{id}/download/"]
    assert "202" in paths[URL]["post"]["responses"]
