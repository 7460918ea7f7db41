"""The officials' report pages: figures equal to the selectors', drill-down links
that lead to rows adding up to the figure, downloads, bad input, and who sees
which figures."""

import csv
import datetime
import html
import io
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import HttpResponse
from django.urls import include, path
from openpyxl import load_workbook

from ledger.counter_sales import CounterSaleInput, record_counter_sales
from reports.at_risk import households_at_risk
from reports.headline import headline
from reports.params import query_from_params
from reports.query import GROUPINGS, build_query
from reports.selectors import entries_of, sales_report
from suppliers.models import Cooperative
from tests.factories import UserFactory, make_canteen

D = Decimal
Q1 = {"from": "2021-01-01", "to": "2021-03-31"}
HEADLINE, ENTRIES, AT_RISK = (
    "/reports/",
    "/reports/entries/",
    "/reports/households-at-risk/",
)


def report(grouping: str) -> str:
    return f"/reports/sales/{grouping}/"


def get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def query(grouping=None, **params):
    return query_from_params({**Q1, **params}, grouping=grouping)


# --- reading the pages -------------------------------------------------------------


def figures(fragment: str) -> dict:
    """The exact figures of a table row (their ``data-value`` by class)."""
    return dict(re.findall(r'class="text-right (\w+)" data-value="([^"]*)"', fragment))


def totals_of(page: str) -> dict:
    return figures(re.search(r'id="totals">(.*?)</tr>', page, re.S).group(1))


def rows_of(page: str) -> list[dict]:
    """Each row's figures, and where its name and its entries link lead."""
    rows = []
    for body in re.findall(r'<tr class="report-row"(.*?)</tr>', page, re.S):
        row = figures(body)
        row["open"] = html.unescape(re.search(r'row-open" href="([^"]+)"', body)[1])
        row["entries"] = html.unescape(
            re.search(r'row-entries small" href="([^"]+)"', body)[1]
        )
        rows.append(row)
    return rows


def shown(row) -> dict:
    """A selector's row as the page shows it."""
    return {
        "kg": str(row.kg),
        "tonnes": str(row.tonnes),
        "yuan": str(row.yuan),
        "orders": str(row.orders),
        "households": str(row.households),
        "income": ""
        if row.income_per_household is None
        else str(row.income_per_household),
    }


def entry_figures(page: str) -> dict:
    block = re.search(r'id="entry_totals">(.*?)</p>', page, re.S).group(1)
    return dict(re.findall(r'class="(kg|yuan)" data-value="([^"]*)"', block))


def follow(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


# --- the headline ------------------------------------------------------------------


def test_headline_shows_the_period_the_change_and_the_charts(client, official, sales):
    response = get(client, official, HEADLINE, **Q1)

    assert response.status_code == 200
    page = response.content.decode()
    expected = headline(query())
    for name in ("tonnes", "yuan", "channels_active", "households", "orders"):
        card = re.search(rf'id="headline_{name}"(.*?)</a>', page, re.S).group(1)
        assert f'class="figure" data-value="{getattr(expected, name)}"' in card
        assert (
            f'class="previous" data-value="{getattr(expected.previous, name)}"' in card
        )
    assert expected.channels_active == 3
    assert "compared with" in page and "2020-10-01 – 2020-12-31" in page
    charts = {chart["name"]: chart for chart in response.context["chart_data"]}
    assert list(charts) == [
        "over-time",
        "channel-kind",
        "county",
        "cooperative",
        "product",
    ]
    over_time = charts["over-time"]
    assert over_time["labels"] == ["2021-01", "2021-02", "2021-03"]
    assert sum(D(v) for v in over_time["yuan"]) == expected.yuan
    kinds = sales_report(query("channel-kind"))
    assert charts["channel-kind"]["yuan"] == [str(r.yuan) for r in kinds.rows]
    assert len(charts["cooperative"]["labels"]) == 3
    assert 'id="report-charts"' in page
    assert "reports/vendor/chartjs/chart.umd.min.js" in page
    assert 'aria-describedby="table-county"' in page


def test_headline_defaults_to_this_year_to_today(client, official, sales):
    response = get(client, official, HEADLINE)

    assert response.status_code == 200
    today = datetime.date.today()
    assert response.context["query"].start.month == 1
    assert response.context["query"].start.day == 1
    assert abs((response.context["query"].end - today).days) <= 1


def test_headline_figures_open_their_reports(client, official, sales):
    page = get(client, official, HEADLINE, **Q1).content.decode()

    yuan_url = html.unescape(re.search(r'id="headline_yuan" href="([^"]+)"', page)[1])
    by_channel = follow(client, yuan_url)
    assert totals_of(by_channel)["yuan"] == str(headline(query()).yuan)


# --- a report per grouping ---------------------------------------------------------


@pytest.mark.parametrize("grouping", GROUPINGS)
def test_every_grouping_shows_the_report_and_its_totals(
    client, official, sales, grouping
):
    response = get(client, official, report(grouping), **Q1)

    assert response.status_code == 200
    page = response.content.decode()
    expected = sales_report(query(grouping))
    assert totals_of(page) == shown(expected.totals)
    rows = rows_of(page)
    assert [{k: r[k] for k in shown(expected.totals)} for r in rows] == [
        shown(row) for row in expected.rows
    ]
    assert f'id="group_{grouping}"' in page


def test_drill_down_from_county_to_the_entries_adds_up_at_every_step(
    client, official, sales
):
    client.force_login(official)
    page = follow(client, report("county") + "?from=2021-01-01&to=2021-03-31")
    [county] = rows_of(page)
    steps = ["town", "village", "household"]
    row = county
    for grouping in steps:
        assert urlsplit(row["open"]).path == report(grouping)
        finer = follow(client, row["open"])
        # The finer report's totals are the row that opened it.
        assert totals_of(finer) == {k: row[k] for k in totals_of(finer)}
        row = rows_of(finer)[0]
    # A household opens its ledger entries, which add up to its figures.
    assert urlsplit(row["open"]).path == ENTRIES
    entries = follow(client, row["open"])
    assert entry_figures(entries) == {"kg": row["kg"], "yuan": row["yuan"]}
    household = parse_qs(urlsplit(row["open"]).query)["household"][0]
    assert (
        entries.count('class="entry-row')
        == entries_of(query(household=household)).count()
    )


@pytest.mark.parametrize("grouping", ["channel", "cooperative", "product", "period"])
def test_each_rows_entries_add_up_to_the_row(client, official, sales, grouping):
    client.force_login(official)
    page = follow(client, report(grouping) + "?from=2021-01-01&to=2021-03-31")

    rows = rows_of(page)
    assert rows
    for row in rows:
        entries = follow(client, row["entries"])
        assert entry_figures(entries) == {"kg": row["kg"], "yuan": row["yuan"]}
    totals = totals_of(page)
    everything = html.unescape(
        re.search(r'id="totals_entries" href="([^"]+)"', page)[1]
    )
    assert entry_figures(follow(client, everything)) == {
        "kg": totals["kg"],
        "yuan": totals["yuan"],
    }


def test_a_month_opens_its_days(client, official, sales):
    client.force_login(official)
    page = follow(client, report("period") + "?from=2021-01-01&to=2021-03-31")

    february = rows_of(page)[1]
    params = parse_qs(urlsplit(february["open"]).query)
    assert params["from"] == ["2021-02-01"]
    assert params["to"] == ["2021-02-28"]
    assert params["interval"] == ["day"]
    days = follow(client, february["open"])
    assert totals_of(days)["yuan"] == february["yuan"]


def test_entries_are_newest_first_and_paged(client, official, sales):
    response = get(client, official, ENTRIES, **Q1)

    page = response.content.decode()
    entries = entries_of(query())
    assert entries.count() > 50
    shown_ids = re.findall(r'data-entry="(\d+)"', page)
    assert shown_ids == [str(pk) for pk in entries.values_list("pk", flat=True)[:50]]
    assert 'id="page_next"' in page
    second = get(client, official, ENTRIES, **Q1, page="2").content.decode()
    assert re.findall(r'data-entry="(\d+)"', second)[0] == str(entries[50].pk)


def test_households_at_risk_by_village(client, official, sales):
    april = {"from": "2021-04-01", "to": "2021-04-30"}

    response = get(client, official, AT_RISK, **april)

    assert response.status_code == 200
    page = response.content.decode()
    expected = households_at_risk(query_from_params(april))
    assert len(expected) == 9  # sold in March, nothing in April
    assert page.count('class="household-row"') == 9
    counts = re.findall(r'class="text-right count" data-value="(\d+)"', page)
    assert sorted(int(c) for c in counts) == [3, 6]


# --- downloads ---------------------------------------------------------------------


def csv_rows(response: HttpResponse) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_report_downloads_as_csv_and_xlsx_with_the_same_totals(client, official, sales):
    expected = sales_report(query("channel"))

    as_csv = get(client, official, report("channel"), **Q1, format="csv")
    as_xlsx = get(client, official, report("channel"), **Q1, format="xlsx")

    assert as_csv.status_code == 200
    assert as_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert as_csv["Content-Disposition"] == (
        'attachment; filename="sales-by-channel_2021-01-01_2021-03-31.csv"'
    )
    rows = csv_rows(as_csv)
    assert rows[-1][:6] == [
        "Total",
        str(expected.totals.kg),
        str(expected.totals.tonnes),
        str(expected.totals.yuan),
        str(expected.totals.orders),
        str(expected.totals.households),
    ]
    assert len(rows) == len(expected.rows) + 2
    book = load_workbook(io.BytesIO(as_xlsx.content))
    sheet = list(book.active.iter_rows(values_only=True))
    assert sheet[-1][0] == "Total"
    assert D(str(sheet[-1][3])) == expected.totals.yuan
    assert as_xlsx["Content-Disposition"].endswith('.xlsx"')


def test_the_page_links_its_downloads(client, official, sales):
    page = get(client, official, report("county"), **Q1).content.decode()

    link = html.unescape(re.search(r'id="download_csv" href="([^"]+)"', page)[1])
    response = client.get(link)
    assert response["Content-Type"].startswith("text/csv")
    assert csv_rows(response)[-1][3] == str(sales_report(query("county")).totals.yuan)


def test_entries_download_adds_up_to_the_figure(client, official, sales):
    channel = sales_report(query("channel")).rows[0]

    response = get(
        client, official, ENTRIES, **Q1, channel=str(channel.key), format="csv"
    )

    rows = csv_rows(response)[1:]
    assert sum(D(r[9]) for r in rows) == channel.yuan
    assert sum(D(r[8]) for r in rows) == channel.kg


def test_households_at_risk_download(client, official, sales):
    response = get(
        client,
        official,
        AT_RISK,
        **{"from": "2021-04-01", "to": "2021-04-30"},
        format="xlsx",
    )

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(list(book.active.iter_rows(values_only=True))) == 1 + 9


def test_entries_over_the_cap_point_to_a_background_export(
    client, official, sales, monkeypatch
):
    monkeypatch.setattr("reports.web.views.MAX_ENTRIES_IN_A_FILE", 5)

    page = get(client, official, ENTRIES, **Q1).content.decode()
    refused = get(client, official, ENTRIES, **Q1, format="csv")

    assert 'id="too_many"' in page
    assert "More than 5 entries" in page
    assert 'id="download_csv"' not in page
    assert refused.status_code == 400
    assert "Export them in the background" in refused.content.decode()


def dummy_export(request):
    return HttpResponse("started")


urlpatterns = [
    path(
        "reports/exports/",
        include(([path("start/", dummy_export, name="start")], "report-exports")),
    ),
    path("", include("shop.urls")),
]


@pytest.mark.urls("tests.integration.test_report_pages")
def test_background_export_form_when_the_exports_are_installed(client, official, sales):
    page = get(client, official, report("channel"), **Q1).content.decode()

    form = re.search(r'<form method="post" action="([^"]+)"(.*?)</form>', page, re.S)
    assert form[1] == "/reports/exports/start/"
    assert 'name="report" value="channel"' in form[2]
    assert 'name="params" value="from=2021-01-01&amp;to=2021-03-31"' in form[2]
    assert "csrfmiddlewaretoken" in form[2]


@pytest.mark.urls("shop.urls")
def test_no_background_export_form_without_the_exports(
    client, official, sales, settings
):
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("report-exports:start")
    except NoReverseMatch:
        installed = False
    else:
        installed = True
    page = get(client, official, report("channel"), **Q1).content.decode()

    assert ('id="background_export"' in page) is installed
    assert 'id="download_xlsx"' in page


# --- bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "params", "message"),
    [
        (
            HEADLINE,
            {"from": "2021-13-01", "to": "2021-03-31"},
            "Give the date as YYYY-MM-DD.",
        ),
        (
            report("channel"),
            {"from": "2021-03-01", "to": "2021-01-31"},
            "The end of the period is before its start.",
        ),
        (report("channel"), {**Q1, "channel": "x"}, "Give an id (a whole number)."),
        (report("county"), {**Q1, "colour": "red"}, "Unknown parameter."),
        (
            report("period"),
            {**Q1, "interval": "fortnight"},
            "Choose day, week, month, quarter or year.",
        ),
        (
            report("channel"),
            {**Q1, "channel-kind": "kiosk"},
            "Unknown kind of channel.",
        ),
        (report("channel"), {**Q1, "format": "pdf"}, "Choose csv or xlsx."),
        (HEADLINE, {**Q1, "format": "csv"}, "This page has no file"),
        (ENTRIES, {"to": "2021-03-31"}, "Give the date as YYYY-MM-DD."),
        (AT_RISK, {**Q1, "channel": "1"}, "Not a filter of this report."),
    ],
)
def test_bad_query_strings_are_shown_with_a_400(client, official, url, params, message):
    response = get(client, official, url, **params)

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="report_errors"' in page
    assert message in html.unescape(page)
    assert 'id="report_form"' in page  # to correct it


# --- who sees what ------------------------------------------------------------------

PAGES = [HEADLINE, report("channel"), report("period"), ENTRIES, AT_RISK]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_users_are_sent_to_log_in(client, db, url):
    response = client.get(url, Q1)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/reports/")


@pytest.mark.parametrize("url", PAGES)
def test_shoppers_are_refused(client, shopper, url):
    assert get(client, shopper, url, **Q1).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_nothing_is_posted(client, official, url):
    client.force_login(official)

    assert client.post(url, Q1).status_code == 405


def test_staff_see_every_figure(client, staff, sales):
    page = get(client, staff, report("cooperative"), **Q1).content.decode()

    assert len(rows_of(page)) == 3


@pytest.fixture
def sales_manager(sales):
    """A manager of the fixture's second cooperative."""
    user = UserFactory(username="sales-manager")
    cooperative = Cooperative.objects.order_by("pk")[1]
    cooperative.partner.users.add(user)
    return user, cooperative


def test_a_cooperative_manager_sees_only_their_cooperative(
    client, sales_manager, other_cooperative
):
    user, cooperative = sales_manager
    own = sales_report(query("product", cooperative=str(cooperative.pk)))
    everything = sales_report(query("product"))

    page = get(client, user, report("product"), **Q1).content.decode()
    by_cooperative = get(client, user, report("cooperative"), **Q1).content.decode()
    figures_page = get(client, user, HEADLINE, **Q1).content.decode()

    assert totals_of(page) == shown(own.totals)
    assert own.totals.yuan < everything.totals.yuan
    assert [r["open"] for r in rows_of(by_cooperative)] != []
    assert len(rows_of(by_cooperative)) == 1
    assert 'id="report_scope"' in page
    assert f'data-value="{headline(query(cooperative=str(cooperative.pk))).yuan}"' in (
        figures_page
    )
    # Their cooperative is the only one to choose from.
    select = re.search(r'<select name="cooperative"(.*?)</select>', page, re.S)[1]
    assert re.findall(r'<option value="(\d+)"', select) == [str(cooperative.pk)]
    for url in PAGES:
        refused = get(client, user, url, **Q1, cooperative=str(other_cooperative.pk))
        assert refused.status_code == 403, url


def test_a_canteen_member_sees_only_their_canteen(client, sales):
    from django.apps import apps

    Product = apps.get_model("catalogue", "Product")
    buyer = UserFactory(username="canteen-buyer")
    canteen = make_canteen(buyers=[buyer], opened_on=datetime.date(2020, 10, 1))
    other = make_canteen(opened_on=datetime.date(2020, 10, 1))
    product = Product.objects.order_by("pk").first()
    record_counter_sales(
        rows=[
            CounterSaleInput(
                line=2,
                sale_date=datetime.date(2021, 2, 10),
                channel=canteen.channel.code,
                sku=product.upc,
                kg=D("20"),
                yuan=D("150.00"),
            )
        ],
        reference="canteen",
    )

    page = get(client, buyer, report("channel"), **Q1).content.decode()
    figures_page = get(client, buyer, HEADLINE, **Q1)

    assert totals_of(page)["yuan"] == "150.00"
    assert totals_of(page)["kg"] == "20.000"
    assert len(rows_of(page)) == 1
    assert figures_page.context["figures"].yuan == D("150.00")
    assert (
        get(client, buyer, report("channel"), **Q1, canteen=str(other.pk)).status_code
        == 403
    )
    # Households at risk are for officials and cooperatives.
    assert get(client, buyer, AT_RISK, **Q1).status_code == 403
    assert 'id="tab_at_risk"' not in page
    assert 'id="tab_canteens"' not in page


def test_the_navigation_links_the_reports(client, official, shopper):
    client.force_login(official)
    page = follow(client, HEADLINE + "?from=2021-01-01&to=2021-03-31")
    assert 'id="nav_reports"' in page
    assert 'id="tab_canteens" href="/reports/canteens/"' in page

    client.force_login(shopper)
    assert 'id="nav_reports"' not in client.get("/").content.decode()


def test_a_query_is_checked_like_the_api(client, official, sales):
    """The pages read the same query string as the API: an empty select is no
    filter at all."""
    response = get(client, official, report("channel"), **Q1, county="", channel="")

    assert response.status_code == 200
    assert response.context["query"] == build_query(
        start=datetime.date(2021, 1, 1),
        end=datetime.date(2021, 3, 31),
        grouping="channel",
    )
