"""The reports API: figures equal to the ledger's, drill-down, files, bad input,
and who may see which figures."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from oscar.apps.catalogue.categories import create_from_breadcrumbs

from canteens.services import add_member
from ledger.models import LedgerEntry
from reports.query import GROUPINGS
from reports.selectors import GRAM
from tests.factories import UserFactory, make_canteen
from tests.integration.report_sales import brute_force

D = Decimal
Q1 = {"from": "2021-01-01", "to": "2021-03-31"}
JAN, MAR = datetime.date(2021, 1, 1), datetime.date(2021, 3, 31)
URL = "/api/v1/reports/"


def get(api, user, path, **params):
    api.force_authenticate(user)
    return api.get(URL + path, params)


def figures(body) -> tuple:
    return (D(body["kg"]), D(body["yuan"]), body["orders"], body["households"])


def test_headline_of_a_quarter_against_the_quarter_before(api, official, sales):
    response = get(api, official, "headline/", **Q1)

    assert response.status_code == 200, response.json()
    body = response.json()
    kg, yuan, orders, households = brute_force(JAN, MAR)[1]
    assert body["tonnes"] == str((kg / 1000).quantize(D("0.001")))
    assert (body["yuan"], body["households"], body["orders"]) == (
        str(yuan),
        households,
        orders,
    )
    assert body["channels_active"] == 3
    assert body["previous"]["period_from"] == "2020-10-01"
    assert body["previous"]["period_to"] == "2020-12-31"
    assert body["previous"]["yuan"] == "0.00"
    assert body["change_percent"]["yuan"] is None


def test_change_from_the_month_before(api, official, sales):
    response = get(
        api, official, "headline/", **{"from": "2021-02-01", "to": "2021-02-28"}
    )

    body = response.json()
    assert body["previous"]["period_from"] == "2021-01-01"
    before = D(body["previous"]["yuan"])
    expected = ((D(body["yuan"]) - before) * 100 / before).quantize(D("0.1"))
    assert D(body["change_percent"]["yuan"]) == expected


@pytest.mark.parametrize("grouping", [g for g in GROUPINGS if g != "category"])
def test_every_grouping_totals_and_rows_equal_the_ledger(
    api, official, sales, grouping
):
    response = get(api, official, f"{grouping}/", **Q1)

    assert response.status_code == 200, response.json()
    body = response.json()
    rows, total = brute_force(JAN, MAR, None if grouping == "canteen" else grouping)
    assert figures(body["totals"]) == total
    if grouping in ("canteen",):
        assert body["rows"] == []  # counter sales are no canteen's
    elif grouping != "period":
        assert {
            int(r["key"]) if r["key"].isdigit() else r["key"]: figures(r)
            for r in body["rows"]
        } == rows


def test_period_rows_by_month_in_time_order(api, official, sales):
    body = get(api, official, "period/", interval="month", **Q1).json()

    assert [r["label"] for r in body["rows"]] == ["2021-01", "2021-02", "2021-03"]
    assert body["interval"] == "month"
    rows, _total = brute_force(JAN, MAR, "period")
    assert [figures(r) for r in body["rows"]] == [rows[k] for k in sorted(rows)]


def test_a_rows_entries_add_up_to_its_figures(api, official, sales):
    body = get(api, official, "county/", **Q1).json()
    row = body["rows"][0]

    api.force_authenticate(official)
    entries = api.get(row["entries"] + "&page_size=200").json()

    assert (
        entries["count"]
        == LedgerEntry.objects.filter(
            village__town__county_id=int(row["key"]), sale_date__range=(JAN, MAR)
        ).count()
    )
    assert sum(D(e["yuan"]) for e in entries["results"]) == D(row["yuan"])
    assert sum(D(e["kg"]) for e in entries["results"]) == D(row["kg"])


def test_a_months_row_opens_that_months_entries(api, official, sales):
    body = get(api, official, "period/", interval="month", **Q1).json()
    february = body["rows"][1]

    assert "from=2021-02-01&to=2021-02-28" in february["entries"]


def test_csv_file_of_a_report(api, official, sales):
    response = get(api, official, "channel/", format="csv", **Q1)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == (
        'attachment; filename="sales-by-channel_2021-01-01_2021-03-31.csv"'
    )
    text = response.content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:4] == ["Group", "kg", "Tonnes", "Yuan"]
    kg, yuan, orders, households = brute_force(JAN, MAR)[1]
    assert lines[-1][:2] == ["Total", str(kg)]
    assert (lines[-1][3], lines[-1][4], lines[-1][5]) == (
        str(yuan),
        str(orders),
        str(households),
    )
    assert len(lines) == 1 + 3 + 1  # headings, three channels, totals


def test_xlsx_file_keeps_numbers(api, official, sales):
    response = get(api, official, "product/", format="xlsx", **Q1)

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    kg, yuan, _orders, _households = brute_force(JAN, MAR)[1]
    assert rows[-1][0] == "Total"
    assert D(str(rows[-1][1])) == kg
    assert D(str(rows[-1][3])) == yuan


def test_entries_as_csv_and_the_cap(api, official, sales, monkeypatch):
    response = get(api, official, "entries/", format="csv", **Q1)
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert (
        len(lines)
        == 1 + LedgerEntry.objects.filter(sale_date__range=(JAN, MAR)).count()
    )

    monkeypatch.setattr("reports.api.views.MAX_ENTRIES_IN_A_FILE", 5)
    refused = get(api, official, "entries/", format="csv", **Q1)
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/json"
    assert "report-exports" in refused.json()["format"][0]


def test_households_at_risk_by_village(api, official, sales):
    # Q2 has no sales: every household earned less than in Q1.
    response = get(
        api,
        official,
        "households-at-risk/",
        **{"from": "2021-04-01", "to": "2021-06-30"},
    )

    body = response.json()
    assert body["count"] == 9
    first = body["results"][0]
    assert first["yuan"] == "0.00"
    assert D(first["previous_yuan"]) > 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "2021-01-31"}, "from"),
        ({"from": "2021-13-01", "to": "2021-01-31"}, "from"),
        ({"from": "2021-02-01", "to": "2021-01-31"}, "to"),
        ({"from": "2000-01-01", "to": "2021-01-31"}, "to"),
        ({**Q1, "interval": "fortnight"}, "interval"),
        ({**Q1, "countyy": "1"}, "countyy"),
        ({**Q1, "county": "x"}, "county"),
        ({**Q1, "county": str(2**63)}, "county"),
        ({**Q1, "channel-kind": "bazaar"}, "channel-kind"),
        ({**Q1, "format": "pdf"}, "format"),
    ],
)
def test_bad_query_strings_are_refused_by_name(api, official, sales, params, field):
    response = get(api, official, "period/", **params)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_unknown_grouping_is_not_found(api, official):
    assert get(api, official, "planet/", **Q1).status_code == 404


def test_nobody_writes_through_the_reports(api, official, staff):
    for user in (official, staff):
        api.force_authenticate(user)
        for method in (api.post, api.put, api.patch, api.delete):
            assert method(URL + "channel/", {}).status_code == 405


def test_anonymous_and_shoppers_see_no_reports(api, shopper):
    assert api.get(URL + "headline/", Q1).status_code in (401, 403)
    response = get(api, shopper, "headline/", **Q1)
    assert response.status_code == 403
    assert get(api, shopper, "", **Q1).status_code == 403


def test_a_cooperative_sees_its_own_figures_only(api, sales):
    cooperative = LedgerEntry.objects.order_by("pk").first().cooperative
    manager = UserFactory()
    cooperative.partner.users.add(manager)

    body = get(api, manager, "household/", **Q1).json()

    _rows, own = brute_force(JAN, MAR, None, {"cooperative": cooperative.pk})
    assert figures(body["totals"]) == own
    assert body["filters"] == {"cooperative": cooperative.pk}
    members = set(cooperative.memberships.values_list("household_id", flat=True))
    assert {int(r["key"]) for r in body["rows"]} <= members
    other = LedgerEntry.objects.exclude(cooperative=cooperative).first().cooperative
    refused = get(api, manager, "channel/", cooperative=other.pk, **Q1)
    assert refused.status_code == 403
    at_risk = get(
        api,
        manager,
        "households-at-risk/",
        **{"from": "2021-04-01", "to": "2021-06-30"},
    )
    assert {r["household"] for r in at_risk.json()["results"]} == members


def test_a_canteen_sees_its_own_figures_only(api, sales):
    buyer = UserFactory()
    canteen = make_canteen()
    add_member(organisation=canteen, user=buyer, role="buyer")
    other = make_canteen()

    body = get(api, buyer, "channel/", **Q1).json()

    assert body["filters"] == {"canteen": canteen.pk}
    assert figures(body["totals"]) == (D("0.000"), D("0.00"), 0, 0)
    assert get(api, buyer, "channel/", canteen=other.pk, **Q1).status_code == 403
    assert get(api, buyer, "households-at-risk/", **Q1).status_code == 403


def test_the_reports_are_in_the_schema(api, staff):
    api.force_authenticate(staff)
    schema = api.get("/api/schema/", {"format": "json"}).json()

    assert "/api/v1/reports/{grouping}/" in schema["paths"]
    assert "/api/v1/reports/headline/" in schema["paths"]
    assert "/api/v1/reports/households-at-risk/" in schema["paths"]
    assert "/api/v1/reports/entries/" in schema["paths"]


def test_by_category_counts_a_subcategory_in_its_parent(api, official, sales):
    rice = create_from_breadcrumbs("粮油 > 大米")
    products = sorted({e.product for e in LedgerEntry.objects.all()}, key=str)
    products[0].categories.add(rice)
    products[1].categories.add(rice.get_parent())

    body = get(api, official, "category/", **Q1).json()

    rows = {r["label"]: figures(r) for r in body["rows"]}
    by_product = brute_force(JAN, MAR, "product")[0]
    first, second = by_product[products[0].pk], by_product[products[1].pk]
    assert rows["大米"][:2] == first[:2]
    assert rows["粮油"][:2] == (
        (first[0] + second[0]).quantize(GRAM),
        first[1] + second[1],
    )
    filtered = get(api, official, "product/", category=rice.get_parent().pk, **Q1)
    assert {int(r["key"]) for r in filtered.json()["rows"]} == {
        products[0].pk,
        products[1].pk,
    }
    assert rows["粮油"] == figures(filtered.json()["totals"])


@pytest.mark.parametrize("start", ["2021-01-01", "2021-01-03"])
def test_a_category_row_equals_the_category_filter(api, official, sales, start):
    rice = create_from_breadcrumbs("粮油 > 大米")
    products = sorted({e.product for e in LedgerEntry.objects.all()}, key=str)
    products[0].categories.add(rice)
    products[2].categories.add(rice.get_parent())
    period = {"from": start, "to": "2021-03-31"}

    body = get(api, official, "category/", **period).json()

    for row in body["rows"]:
        alone = get(api, official, "headline/", category=row["key"], **period).json()
        whole = get(api, official, "channel/", category=row["key"], **period).json()
        assert figures(row) == figures(whole["totals"])
        assert row["households"] == alone["households"]
