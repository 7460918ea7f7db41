"""The canteens' reserved share: plans, progress, the API, the pages and the demo.

Orders go through the services (placed, routed, shipped, delivered, received) for
a delivery date a few days ahead, as placing requires; the tests then date them in
``YEAR`` (progress reads only the dates), and date certificates around that day.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from canteens.demo import CANTEENS, ensure_canteens
from canteens.models import ProcurementPlan
from canteens.services import set_procurement_plan
from fulfilment import cooperative_side, delivery
from fulfilment.models import Allocation, BulkOrder, ReceiptLine
from fulfilment.quota import procurement_progress, year_pace
from shop.apps.catalogue.models import CertificateStatus, Product
from tests.factories import ProductFactory, UserFactory, make_canteen, make_lot
from tests.integration.bulk import place

pytestmark = pytest.mark.django_db

D = Decimal
YEAR = 2025
DELIVERED = datetime.date(YEAR, 3, 10)
PROGRESS_API = "/api/v1/procurement-progress/"
PLANS_API = "/api/v1/procurement-plans/"
PAGE = "/canteen/progress/"
PLAN_FORM = "/canteen/progress/plan/"
REPORT = "/reports/canteens/"


@pytest.fixture
def buyer(db):
    return UserFactory(username="buyer")


@pytest.fixture
def approver(db):
    return UserFactory(username="approver")


@pytest.fixture
def canteen(buyer, approver):
    return make_canteen(name="天河区机关食堂", buyers=[buyer], approvers=[approver])


@pytest.fixture
def other_buyer(db):
    return UserFactory(username="other_buyer")


@pytest.fixture
def other_canteen(other_buyer):
    return make_canteen(name="海珠区第六中学食堂", buyers=[other_buyer])


def stocked(cooperative, title, upc, kg="500") -> Product:
    """A certified 5 kg crate at 100.00 yuan (20.00 a kg), with stock."""
    product = ProductFactory(title=title, upc=upc, net_weight_kg=D("5"))
    make_lot(cooperative=cooperative, product=product, kg=kg, unit_price="100.00")
    return product


@pytest.fixture
def chicken(cooperative):
    return stocked(cooperative, "清远鸡", "QY-CHICKEN")


def deliver(bulk_order) -> None:
    for allocation in Allocation.objects.filter(line__bulk_order=bulk_order):
        cooperative_side.accept_allocation(allocation_id=allocation.pk)
        cooperative_side.ship_allocation(allocation_id=allocation.pk, kg=allocation.kg)
    delivery.mark_delivered(order_id=bulk_order.pk)


def received_order(buyer, canteen, lines, *, on=DELIVERED, kg=None) -> BulkOrder:
    """An order received through the services (``kg`` maps a product to the kg
    received, else what was ordered), then dated ``on``."""
    kg = kg or {}
    bulk_order = place(buyer, canteen, lines)
    deliver(bulk_order)
    delivery.confirm_receipt(
        order_id=bulk_order.pk,
        user=buyer,
        lines=[
            delivery.ReceivedLine(line.pk, kg.get(line.product, line.ordered_kg))
            for line in bulk_order.bulk_lines.select_related("product")
        ],
    )
    BulkOrder.objects.filter(pk=bulk_order.pk).update(delivery_date=on)
    return bulk_order


def plan(canteen, budget, ratio="0.30", year=YEAR) -> ProcurementPlan:
    return set_procurement_plan(
        organisation_id=canteen.pk,
        year=year,
        food_budget=D(budget),
        reserved_ratio=D(ratio),
        actor=None,
    ).plan


def progress_of(canteen, *, year=YEAR, today=None):
    [row] = procurement_progress(
        year=year, organisation_ids=[canteen.pk], today=today or DELIVERED
    )
    return row


def plan_rows():
    return list(
        ProcurementPlan.objects.order_by("pk").values_list(
            "organisation_id", "year", "food_budget", "reserved_ratio", "updated_by"
        )
    )


# --- what counts ---------------------------------------------------------------------


def test_progress_counts_only_received_certified_lines_of_orders_delivered_that_year(
    buyer, canteen, cooperative, chicken
):
    tea = stocked(cooperative, "英德红茶", "YD-TEA")
    duck = stocked(cooperative, "连州鸭", "LZ-DUCK")
    rice = stocked(cooperative, "连州大米", "LZ-RICE")
    plan(canteen, "100000.00")
    # Chicken 10 kg = 200.00; tea 4.5 kg of 5 received = 90.00; duck 100.00 and
    # rice 100.00 were not certified on the delivery date.
    received = received_order(
        buyer,
        canteen,
        [(chicken, 2), (tea, 1), (duck, 1), (rice, 1)],
        kg={tea: D("4.5")},
    )
    # Tea's certificate ran out on the delivery date itself: still certified.
    Product.objects.filter(pk=tea.pk).update(certificate_valid_until=DELIVERED)
    Product.objects.filter(pk=duck.pk).update(
        certificate_valid_until=DELIVERED - datetime.timedelta(days=1)
    )
    Product.objects.filter(pk=rice.pk).update(certificate_number="")
    # Another year's receipt, and orders not received (shipped; only routed).
    received_order(buyer, canteen, [(chicken, 3)], on=datetime.date(YEAR - 1, 12, 31))
    shipped = place(buyer, canteen, [(chicken, 4)])
    for allocation in Allocation.objects.filter(line__bulk_order=shipped):
        cooperative_side.accept_allocation(allocation_id=allocation.pk)
        cooperative_side.ship_allocation(allocation_id=allocation.pk, kg=allocation.kg)
    BulkOrder.objects.filter(pk=shipped.pk).update(delivery_date=DELIVERED)
    routed = place(buyer, canteen, [(chicken, 5)])
    BulkOrder.objects.filter(pk=routed.pk).update(delivery_date=DELIVERED)

    row = progress_of(canteen)

    assert row.received_yuan == D("290.00")
    assert progress_of(canteen, year=YEAR - 1).received_yuan == D("300.00")
    # The same lines the model's own rule picks, line by line.
    lines = ReceiptLine.objects.filter(receipt__bulk_order=received).select_related(
        "line__product"
    )
    assert [line.amount for line in lines] == [D("200.00"), D("90.00")] + [
        D("100.00")
    ] * 2
    assert row.received_yuan == sum(
        line.amount
        for line in lines
        if line.line.product.certificate_status(on=DELIVERED) == CertificateStatus.VALID
    )


def test_target_is_budget_times_ratio_exactly_and_percent_of_it(
    buyer, canteen, chicken
):
    plan(canteen, "1234567.89", "0.33")
    received_order(buyer, canteen, [(chicken, 2)])

    row = progress_of(canteen)

    assert row.target == D("407407.4037") == D("1234567.89") * D("0.33")
    assert (row.budget, row.ratio) == (D("1234567.89"), D("0.33"))
    assert row.received_yuan == D("200.00")
    assert row.percent == D("0.0")  # 0.049%, rounded down
    assert row.remaining_yuan == D("407207.4037")
    assert row.below_provincial is False


def test_behind_pace_compares_received_with_the_share_of_the_year_elapsed(
    buyer, canteen, chicken
):
    # 580.00 target; 290.00 received is 50.0%.
    plan(canteen, "1160.00", "0.50")
    received_order(buyer, canteen, [(chicken, 2)])
    received_order(buyer, canteen, [(chicken, 1)], kg={chicken: D("4.5")})

    # 1 July is day 182 of 365 (49.8%); 2 July day 183 (50.1%).
    on_pace = progress_of(canteen, today=datetime.date(YEAR, 7, 1))
    behind = progress_of(canteen, today=datetime.date(YEAR, 7, 2))

    assert (on_pace.percent, on_pace.expected_percent) == (D("50.0"), D("49.8"))
    assert on_pace.behind_pace is False
    assert (behind.percent, behind.expected_percent) == (D("50.0"), D("50.1"))
    assert behind.behind_pace is True
    assert progress_of(canteen, today=datetime.date(YEAR + 1, 1, 5)).behind_pace
    assert not progress_of(canteen, today=datetime.date(YEAR - 1, 6, 1)).behind_pace


def test_year_pace_counts_today_and_leap_years():
    assert year_pace(year=2024, today=datetime.date(2024, 1, 1)).elapsed == 1
    assert year_pace(year=2024, today=datetime.date(2024, 12, 31)) == year_pace(
        year=2024, today=datetime.date(2030, 1, 1)
    )
    assert year_pace(year=2024, today=datetime.date(2024, 12, 31)).percent == D("100.0")
    assert year_pace(year=2024, today=datetime.date(2024, 12, 31)).days == 366
    assert year_pace(year=2025, today=datetime.date(2024, 12, 31)).percent == D("0.0")


def test_below_provincial_flags_a_ratio_under_30_percent_and_no_plan_flags_nothing(
    canteen, other_canteen
):
    plan(canteen, "800000.00", "0.20")

    rows = procurement_progress(year=YEAR, today=datetime.date(YEAR, 12, 31))

    by_name = {row.organisation.name: row for row in rows}
    flagged = by_name["天河区机关食堂"]
    assert (flagged.target, flagged.below_provincial) == (D("160000.0000"), True)
    assert flagged.behind_pace is True
    unplanned = by_name["海珠区第六中学食堂"]
    assert (unplanned.has_plan, unplanned.target, unplanned.percent) == (
        False,
        None,
        None,
    )
    assert (unplanned.behind_pace, unplanned.below_provincial) == (False, False)


# --- the service ---------------------------------------------------------------------


def test_set_procurement_plan_creates_then_replaces_the_years_plan(canteen, approver):
    first = set_procurement_plan(
        organisation_id=canteen.pk,
        year=YEAR,
        food_budget=D("900000.00"),
        reserved_ratio=D("0.30"),
        actor=approver,
    )
    second = set_procurement_plan(
        organisation_id=canteen.pk,
        year=YEAR,
        food_budget=D("950000.00"),
        reserved_ratio=D("0.35"),
        actor=approver,
    )

    assert (first.created, second.created) == (True, False)
    assert plan_rows() == [(canteen.pk, YEAR, D("950000.00"), D("0.35"), approver.pk)]


@pytest.mark.parametrize(
    ("year", "budget", "ratio", "field", "message"),
    [
        (YEAR, "900000", "0.09", "reserved_ratio", "national floor of 10%"),
        (YEAR, "900000", "1.01", "reserved_ratio", "whole budget"),
        (YEAR, "-1", "0.30", "food_budget", "cannot be negative"),
        (YEAR, "900000.001", "0.30", "food_budget", "2 decimal places"),
        (YEAR, "900000", "0.305", "reserved_ratio", "2 decimal places"),
        (1999, "900000", "0.30", "year", "between 2000 and 2099"),
    ],
)
def test_set_procurement_plan_refuses_bad_values_and_changes_nothing(
    canteen, staff, year, budget, ratio, field, message
):
    plan(canteen, "500000.00")
    before = plan_rows()

    with pytest.raises(ValidationError) as refused:
        set_procurement_plan(
            organisation_id=canteen.pk,
            year=year,
            food_budget=D(budget),
            reserved_ratio=D(ratio),
            actor=staff,
        )

    assert list(refused.value.message_dict) == [field]
    assert message in refused.value.message_dict[field][0]
    assert plan_rows() == before


def test_only_staff_and_the_canteens_approvers_set_its_plan(
    canteen, buyer, approver, other_buyer, official, staff
):
    for user in (buyer, other_buyer, official):
        with pytest.raises(type(canteen).DoesNotExist):
            set_procurement_plan(
                organisation_id=canteen.pk,
                year=YEAR,
                food_budget=D("1"),
                reserved_ratio=D("0.30"),
                actor=user,
            )
    assert plan_rows() == []
    for user in (approver, staff):
        set_procurement_plan(
            organisation_id=canteen.pk,
            year=YEAR,
            food_budget=D("1"),
            reserved_ratio=D("0.30"),
            actor=user,
        )
    assert plan_rows() == [(canteen.pk, YEAR, D("1.00"), D("0.30"), staff.pk)]


# --- the API -------------------------------------------------------------------------


def canteen_names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["canteen"]["name"] for row in response.json()]


def test_api_progress_a_canteen_sees_its_own_officials_and_staff_see_all(
    api, buyer, approver, canteen, other_buyer, other_canteen, official, staff, shopper
):
    both = ["天河区机关食堂", "海珠区第六中学食堂"]
    for user, names in [
        (buyer, ["天河区机关食堂"]),
        (approver, ["天河区机关食堂"]),
        (other_buyer, ["海珠区第六中学食堂"]),
        (official, both),
        (staff, both),
        (shopper, []),
    ]:
        api.force_authenticate(user)
        assert canteen_names(api.get(PROGRESS_API, {"year": YEAR})) == names
    api.force_authenticate(None)
    assert api.get(PROGRESS_API).status_code in (401, 403)


def test_api_progress_row_has_the_plan_the_amounts_and_the_flags(
    api, buyer, canteen, chicken
):
    plan(canteen, "1234567.89", "0.25")
    received_order(buyer, canteen, [(chicken, 2)])
    api.force_authenticate(buyer)

    [row] = api.get(PROGRESS_API, {"year": YEAR}).json()

    assert row == {
        "canteen": {"id": canteen.pk, "name": "天河区机关食堂"},
        "year": YEAR,
        "has_plan": True,
        "food_budget": "1234567.89",
        "reserved_ratio": "0.25",
        "target": "308641.9725",
        "received_yuan": "200.00",
        "percent": "0.0",
        "expected_percent": "100.0",
        "behind_pace": True,
        "below_provincial": True,
    }


def test_api_progress_refuses_a_bad_year(api, buyer, canteen):
    api.force_authenticate(buyer)

    assert api.get(PROGRESS_API, {"year": "1999"}).status_code == 400
    assert api.get(PROGRESS_API, {"year": "soon"}).status_code == 400


def plan_body(canteen, **overrides) -> dict:
    return {
        "organisation": canteen.pk,
        "year": YEAR,
        "food_budget": "1500000.00",
        "reserved_ratio": "0.30",
        **overrides,
    }


def test_api_staff_and_approvers_set_plans_created_then_replaced(
    api, approver, canteen, other_canteen, staff
):
    api.force_authenticate(approver)
    created = api.post(PLANS_API, plan_body(canteen), format="json")
    replaced = api.post(
        PLANS_API, plan_body(canteen, reserved_ratio="0.20"), format="json"
    )
    api.force_authenticate(staff)
    by_staff = api.post(PLANS_API, plan_body(other_canteen), format="json")

    assert (created.status_code, replaced.status_code, by_staff.status_code) == (
        201,
        200,
        201,
    )
    body = replaced.json()
    assert {key: body[key] for key in ("year", "food_budget", "reserved_ratio")} == {
        "year": YEAR,
        "food_budget": "1500000.00",
        "reserved_ratio": "0.20",
    }
    assert (body["target"], body["below_provincial"]) == ("300000.0000", True)
    assert plan_rows() == [
        (canteen.pk, YEAR, D("1500000.00"), D("0.20"), approver.pk),
        (other_canteen.pk, YEAR, D("1500000.00"), D("0.30"), staff.pk),
    ]


def test_api_officials_buyers_and_others_cannot_write_plans(
    api, buyer, canteen, official, shopper, other_buyer
):
    plan(canteen, "500000.00")
    before = plan_rows()
    for user in (official, buyer, shopper, other_buyer):
        api.force_authenticate(user)
        refused = api.post(PLANS_API, plan_body(canteen), format="json")
        assert refused.status_code == 403, user.username
    assert plan_rows() == before


def test_api_an_approver_cannot_set_another_canteens_plan(
    api, approver, canteen, other_canteen
):
    api.force_authenticate(approver)

    refused = api.post(PLANS_API, plan_body(other_canteen), format="json")

    assert refused.status_code == 400
    assert list(refused.json()) == ["organisation"]
    assert plan_rows() == []


def test_api_plan_below_the_national_floor_is_refused_with_nothing_changed(
    api, approver, canteen
):
    plan(canteen, "500000.00")
    before = plan_rows()
    api.force_authenticate(approver)

    refused = api.post(
        PLANS_API,
        plan_body(canteen, reserved_ratio="0.05", food_budget="-3", year=1990),
        format="json",
    )

    assert refused.status_code == 400
    errors = refused.json()
    assert sorted(errors) == ["food_budget", "reserved_ratio", "year"]
    assert "national floor of 10%" in errors["reserved_ratio"][0]
    assert plan_rows() == before


def test_api_plans_list_is_scoped_like_progress(
    api, buyer, canteen, other_canteen, official
):
    plan(canteen, "500000.00")
    plan(other_canteen, "600000.00")
    plan(canteen, "400000.00", year=YEAR - 1)

    api.force_authenticate(buyer)
    mine = api.get(PLANS_API).json()["results"]
    api.force_authenticate(official)
    this_year = api.get(PLANS_API, {"year": YEAR}).json()["results"]

    assert [(p["canteen"]["name"], p["year"]) for p in mine] == [
        ("天河区机关食堂", YEAR),
        ("天河区机关食堂", YEAR - 1),
    ]
    assert [p["canteen"]["name"] for p in this_year] == [
        "天河区机关食堂",
        "海珠区第六中学食堂",
    ]


def test_api_schema_documents_the_endpoints(api, staff):
    api.force_authenticate(staff)

    schema = api.get("/api/schema/", {"format": "json"})

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"get"} == set(paths["/api/v1/procurement-progress/"])
    assert {"get", "post"} == set(paths["/api/v1/procurement-plans/"])


# --- the pages -----------------------------------------------------------------------


def test_progress_tab_shows_the_members_canteens_only(
    client, buyer, canteen, other_canteen, chicken
):
    plan(canteen, "1160.00", "0.50")
    plan(other_canteen, "999999.00")
    received_order(buyer, canteen, [(chicken, 2)])
    client.force_login(buyer)

    page = client.get(PAGE, {"year": YEAR})

    assert page.status_code == 200
    [row] = page.context["rows"]
    assert row.progress.organisation == canteen
    assert (row.progress.received_yuan, row.progress.percent) == (
        D("200.00"),
        D("34.4"),
    )
    assert row.form is None  # a buyer does not set the plan
    html = page.content.decode()
    assert "天河区机关食堂" in html
    assert "海珠区第六中学食堂" not in html
    assert 'id="progress_tab"' in html
    assert "width: 34%" in html


def test_progress_tab_refuses_officials_and_others_and_sends_visitors_to_login(
    client, canteen, official, shopper
):
    assert client.get(PAGE).status_code == 302
    for user in (official, shopper):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403


def test_approver_saves_the_plan_from_the_progress_tab(client, approver, canteen):
    client.force_login(approver)
    page = client.get(PAGE, {"year": YEAR})
    [row] = page.context["rows"]
    assert row.form is not None

    saved = client.post(
        PLAN_FORM,
        {
            "organisation": canteen.pk,
            "year": YEAR,
            "food_budget": "2000000.00",
            "reserved_ratio": "0.30",
        },
    )

    assert saved.status_code == 302
    assert saved["Location"] == f"{PAGE}?year={YEAR}"
    assert plan_rows() == [(canteen.pk, YEAR, D("2000000.00"), D("0.30"), approver.pk)]


def test_plan_form_shows_the_services_errors_and_changes_nothing(
    client, approver, canteen
):
    plan(canteen, "500000.00")
    before = plan_rows()
    client.force_login(approver)

    refused = client.post(
        PLAN_FORM,
        {
            "organisation": canteen.pk,
            "year": YEAR,
            "food_budget": "2000000.00",
            "reserved_ratio": "0.05",
        },
    )

    assert refused.status_code == 400
    [row] = refused.context["rows"]
    assert "national floor of 10%" in row.form.errors["reserved_ratio"][0]
    assert plan_rows() == before


def test_plan_form_refuses_buyers_officials_and_other_canteens(
    client, buyer, approver, official, other_canteen, canteen
):
    body = {
        "organisation": canteen.pk,
        "year": YEAR,
        "food_budget": "1.00",
        "reserved_ratio": "0.30",
    }
    client.force_login(buyer)
    assert client.post(PLAN_FORM, body).status_code == 403
    client.force_login(official)
    assert client.post(PLAN_FORM, body).status_code == 403
    client.force_login(approver)
    assert (
        client.post(PLAN_FORM, {**body, "organisation": other_canteen.pk}).status_code
        == 404
    )
    assert plan_rows() == []


def test_report_lists_every_canteen_behind_pace_first_for_officials(
    client, buyer, canteen, other_canteen, chicken, official
):
    ahead = make_canteen(name="白云区营区食堂")
    plan(canteen, "1160.00", "0.50")  # 200.00 of 580.00: behind at year end
    plan(ahead, "0.00")  # a zero target is never behind
    received_order(buyer, canteen, [(chicken, 2)])
    client.force_login(official)

    page = client.get(REPORT, {"year": YEAR})

    assert page.status_code == 200
    assert [row.organisation.name for row in page.context["rows"]] == [
        "天河区机关食堂",  # behind pace
        "海珠区第六中学食堂",  # no plan
        "白云区营区食堂",
    ]
    assert (page.context["behind"], page.context["without_plan"]) == (1, 1)
    html = page.content.decode()
    assert html.count("flag-behind") == 1
    assert "flag-no-plan" in html


def test_report_is_for_officials_and_staff_only(client, buyer, canteen, staff):
    assert client.get(REPORT).status_code == 302
    client.force_login(buyer)
    assert client.get(REPORT).status_code == 403
    client.force_login(staff)
    assert client.get(REPORT).status_code == 200


# --- queries -------------------------------------------------------------------------


def canteens_with_receipts(count, cooperative, product):
    first = ProcurementPlan.objects.count()
    for n in range(first, first + count):
        buyer = UserFactory()
        canteen = make_canteen(buyers=[buyer], name=f"测试食堂{n:02d}")
        plan(canteen, "100000.00")
        received_order(buyer, canteen, [(product, 1)])


def count_queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def test_progress_queries_do_not_grow_with_canteens(
    client, api, cooperative, chicken, official
):
    canteens_with_receipts(2, cooperative, chicken)
    client.force_login(official)
    api.force_authenticate(official)

    def selector():
        assert len(procurement_progress(year=YEAR, today=DELIVERED)) in (2, 10)

    def report():
        assert client.get(REPORT, {"year": YEAR}).status_code == 200

    def endpoint():
        assert api.get(PROGRESS_API, {"year": YEAR}).status_code == 200

    report()  # warm the session and site caches
    endpoint()  # and the official's group, cached on the user
    few = [count_queries(call) for call in (selector, report, endpoint)]
    canteens_with_receipts(8, cooperative, chicken)
    many = [count_queries(call) for call in (selector, report, endpoint)]

    assert few[0] == 3
    assert many == few


# --- the demo ------------------------------------------------------------------------


def test_demo_canteens_get_this_years_plans_once(db):
    UserFactory(username="buyer")

    canteens = ensure_canteens(password="demo-pass")
    first = plan_rows()
    ensure_canteens(password="demo-pass")

    assert plan_rows() == first
    assert len(first) == len(CANTEENS) == len(canteens)
    plans = ProcurementPlan.objects.filter(year=timezone.localdate().year)
    assert {p.organisation.name: p.reserved_ratio for p in plans} == {
        row.name: D(row.ratio) for row in CANTEENS
    }
    assert sorted(str(p.reserved_ratio) for p in plans).count("0.20") == 1
    assert all(D("800000") <= p.food_budget <= D("3000000") for p in plans)
