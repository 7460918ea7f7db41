"""The export page's progress bar follows the worker by itself: opened while the
export is queued, it shows the download button once the file is written (with no
reload), and the button downloads the file."""

import pytest

from reports import export_runs, exports
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_progress_bar_updates_itself_until_the_download(
    page, official, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path
    # Queued, not run: this test plays the worker itself, later.
    monkeypatch.setattr(exports, "run_after_commit", lambda export_id: None)
    export = exports.start_export(
        user=official,
        report="channel",
        params={"from": "2021-01-01", "to": "2021-03-31"},
        file_format="csv",
    )
    page.goto("/accounts/login/")
    page.fill("#id_login-username", official.email)
    page.fill("#id_login-password", PASSWORD)
    page.click("button[name=login_submit]")

    page.goto(f"/reports/exports/{export.pk}/")
    assert page.text_content("#export_status") == "Queued"
    assert page.is_hidden("#export_download")

    export_runs.run_export(export_id=export.pk)  # the worker, meanwhile

    page.wait_for_selector("#export_download", state="visible")
    assert page.text_content("#export_status") == "Done"
    assert page.text_content("#export_bar") == "100%"
    with page.expect_download() as download:
        page.click("#export_download")
    assert download.value.suggested_filename == (
        "sales-by-channel_2021-01-01_2021-03-31.csv"
    )
