"""An official in a real browser: the headline, a chart that draws, a drill-down
to the ledger entries, and a CSV download. A screenshot of the headline is kept
as ``var/artefacts/reports-headline.png``.

Debian's headless Chromium through Playwright (never a downloaded browser), against
pytest-django's live server, which serves the vendored Chart.js from the static
files.
"""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings

from reports.headline import headline
from reports.params import query_from_params
from reports.selectors import sales_report
from tests.factories import PASSWORD
from tests.integration.report_sales import sales  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser]

Q1 = "from=2021-01-01&to=2021-03-31"
ARTEFACTS = Path(settings.BASE_DIR) / "var" / "artefacts"

# Pixels of a canvas that are not transparent: > 0 once Chart.js has drawn.
PAINTED = """canvas => {
    const { data } = canvas.getContext("2d")
        .getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) { if (data[i]) painted++; }
    return painted;
}"""


def log_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login-username", user.email)
    page.fill("#id_login-password", PASSWORD)
    page.click("button[name=login_submit]")
    page.wait_for_selector("#nav_reports")


@pytest.mark.usefixtures("sales")
def test_official_reads_the_headline_drills_down_and_downloads(page, official):
    period = {"from": "2021-01-01", "to": "2021-03-31"}
    expected = headline(query_from_params(period))
    by_channel = sales_report(query_from_params(period, grouping="channel"))

    log_in(page, official)
    page.click("#nav_reports")
    page.wait_for_selector("#report_form")
    page.goto(f"/reports/?{Q1}")

    # The headline's figures.
    assert page.inner_text("#headline_yuan .figure") == f"¥{expected.yuan:,}"
    assert page.inner_text("#headline_tonnes .figure") == f"{expected.tonnes}"
    assert page.inner_text("#headline_channels_active .figure") == "3"
    assert page.inner_text("#headline_households .figure") == str(expected.households)

    # The charts actually drew: Chart.js holds the points, the canvas has pixels.
    over_time = page.locator("#chart-over-time")
    page.wait_for_function(
        "c => { const chart = Chart.getChart(c);"
        " return chart && chart.data.datasets[0].data.length === 3; }",
        arg=over_time.element_handle(),
    )
    assert over_time.evaluate(PAINTED) > 1000
    assert page.locator("#chart-county").evaluate(PAINTED) > 1000
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "reports-headline.png"), full_page=True)

    # A bar of the county chart opens the county's towns.
    page.locator("#chart-county").scroll_into_view_if_needed()
    box = page.locator("#chart-county").bounding_box()
    bar = page.locator("#chart-county").evaluate(
        "c => { const bar = Chart.getChart(c).getDatasetMeta(0).data[0];"
        " return { x: bar.x, y: (bar.y + bar.base) / 2 }; }"
    )
    page.mouse.click(box["x"] + bar["x"], box["y"] + bar["y"])
    page.wait_for_url("**/reports/sales/town/**")
    assert page.inner_text("#totals .yuan") == f"{expected.yuan:,}"

    # The yuan figure opens the sales by channel; a channel's row opens its entries.
    page.goto(f"/reports/?{Q1}")
    page.click("#headline_yuan")
    page.wait_for_selector("#report_table")
    first = by_channel.rows[0]
    row = page.locator("tr.report-row").first
    assert row.locator(".row-open").inner_text() == first.label
    row.locator(".row-entries").click()
    page.wait_for_selector("#entries_table")
    assert page.inner_text("#entry_totals .yuan") == f"{first.yuan:,}"
    assert page.inner_text("#entry_totals .kg") == f"{first.kg:,}"

    # The report downloads as CSV, with the page's totals.
    page.go_back()
    page.wait_for_selector("#report_table")
    with page.expect_download() as download:
        page.click("#download_csv")
    assert download.value.suggested_filename == (
        "sales-by-channel_2021-01-01_2021-03-31.csv"
    )
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Group"
    assert rows[-1][0] == "Total"
    assert rows[-1][3] == str(by_channel.totals.yuan)
    assert [r[0] for r in rows[1:-1]] == [r.label for r in by_channel.rows]
