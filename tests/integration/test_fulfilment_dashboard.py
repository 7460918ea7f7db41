"""Fulfilment pages of the dashboard: who sees what, and the actions behind them.

Cooperative managers answer and ship their own allocations and never see the other
lines of a multi-cooperative order; staff see everything, with the routing's
reasons, mark orders delivered and decide about missing kg. Buyers and officials
have no dashboard. Oscar's own order pages are for staff only.
"""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from fulfilment import cooperative_side
from fulfilment.delivery import ReceivedLine, confirm_receipt, mark_delivered
from fulfilment.models import (
    AllocationEvent,
    AllocationEventKind,
    AllocationStatus,
    Disposition,
    OrderStatus,
    ReceiptLine,
)
from suppliers.models import StockMovement
from tests.factories import make_lot
from tests.integration.delivery_setup import (
    ROLES,
    build_day,
    delivery_date,
    place,
    ship_everything,
)

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    """Pin the language: assertions read the English source strings."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def day():
    return build_day()


def url(name, **kwargs):
    return reverse(f"dashboard:fulfilment-{name}", kwargs=kwargs)


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def allocation_state(day):
    """What a refused action must leave as it was."""
    day.refresh()
    return (
        [
            (a.status, a.shipped_kg)
            for a in (day.allocation_a, day.allocation_b, day.allocation_tea)
        ],
        [(lot.on_hand_kg, lot.reserved_kg) for lot in (day.lot_a, day.lot_b)],
        day.bulk_order.order.status,
        AllocationEvent.objects.count(),
        StockMovement.objects.count(),
    )


# --- who may open which page ----------------------------------------------------------

PAGES = {
    "allocation-list": lambda d: url("allocation-list"),
    "allocation-detail": lambda d: url("allocation-detail", pk=d.allocation_a.pk),
    "order-detail": lambda d: url("order-detail", number=d.number),
    "delivery-list": lambda d: url("delivery-list"),
    "delivery-day": lambda d: url("delivery-day", day=d.day),
}

# manager_a, manager_b, staff, buyer, official
EXPECTED = {
    "allocation-list": (200, 200, 200, 403, 403),
    "allocation-detail": (200, 404, 200, 403, 403),
    "order-detail": (403, 403, 200, 403, 403),
    "delivery-list": (403, 403, 200, 403, 403),
    "delivery-day": (403, 403, 200, 403, 403),
}


@pytest.mark.parametrize("page", PAGES)
def test_each_role_gets_each_page_or_is_refused(client, day, page):
    answers = []
    for role in ROLES:
        client.force_login(day.user(role))
        answers.append(client.get(PAGES[page](day)).status_code)
        client.logout()

    assert dict(zip(ROLES, answers, strict=True)) == dict(
        zip(ROLES, EXPECTED[page], strict=True)
    )


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_users_are_sent_to_the_dashboard_login(client, day, page):
    response = client.get(PAGES[page](day))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("dashboard:login"))


def test_navigation_shows_deliveries_to_staff_and_allocations_to_managers(client, day):
    client.force_login(day.manager_a)
    manager_page = client.get(url("allocation-list")).content.decode()
    client.force_login(day.staff)
    staff_page = client.get(url("allocation-list")).content.decode()

    assert url("allocation-list") in manager_page
    assert url("delivery-list") not in manager_page
    assert reverse("dashboard:order-list") not in manager_page
    assert url("delivery-list") in staff_page
    assert reverse("dashboard:order-list") in staff_page


# --- Oscar's order dashboard is staff-only --------------------------------------------


@pytest.mark.parametrize(
    "name", ["order-list", "order-stats", "order-detail", "order-line-detail"]
)
def test_cooperative_manager_has_no_access_to_oscars_order_pages(client, day, name):
    line_id = day.allocation_a.line_id
    kwargs = {
        "order-list": {},
        "order-stats": {},
        "order-detail": {"number": day.number},
        "order-line-detail": {"number": day.number, "line_id": line_id},
    }[name]
    client.force_login(day.manager_a)

    response = client.get(reverse(f"dashboard:{name}", kwargs=kwargs))

    assert response.status_code == 403


def test_cooperative_manager_gets_403_at_dashboard_orders_url(client, day):
    client.force_login(day.manager_a)

    assert client.get("/dashboard/orders/").status_code == 403
    assert client.get(f"/dashboard/orders/{day.number}/").status_code == 403


def test_staff_still_use_oscars_order_pages(client, day):
    client.force_login(day.staff)

    listing = client.get("/dashboard/orders/")
    detail = client.get(f"/dashboard/orders/{day.number}/")

    assert (listing.status_code, detail.status_code) == (200, 200)
    assert day.number in listing.content.decode()


def test_managers_dashboard_home_shows_no_order_totals(client, day):
    client.force_login(day.manager_a)
    manager_home = client.get(reverse("dashboard:index"))
    client.force_login(day.staff)
    staff_home = client.get(reverse("dashboard:index"))

    content = manager_home.content.decode()
    assert manager_home.status_code == 200
    assert 'id="manager_home"' in content
    assert url("allocation-list") in content
    assert "Your Store Statistics" not in content
    assert "700.00" not in content  # the whole order's total, B's lines included
    assert "Your Store Statistics" in staff_home.content.decode()


# --- allocation list ------------------------------------------------------------------


def test_manager_lists_only_own_allocations(client, day):
    client.force_login(day.manager_a)

    response = client.get(url("allocation-list"))

    assert list(response.context["allocations"]) == [day.allocation_a]
    content = response.content.decode()
    assert "A-CHICKEN" in content
    for other in ("B-CHICKEN", "B-TEA", "英德红茶", "连州菜心合作社"):
        assert other not in content


def test_other_manager_lists_only_their_allocations(client, day):
    client.force_login(day.manager_b)

    response = client.get(url("allocation-list"))

    assert set(response.context["allocations"]) == {
        day.allocation_b,
        day.allocation_tea,
    }
    assert "A-CHICKEN" not in response.content.decode()


def test_staff_list_every_allocation(client, day):
    client.force_login(day.staff)

    response = client.get(url("allocation-list"))

    assert set(response.context["allocations"]) == {
        day.allocation_a,
        day.allocation_b,
        day.allocation_tea,
    }


def test_allocation_list_filters_by_status_and_delivery_date(client, day):
    later = delivery_date(3)
    make_lot(cooperative=day.cooperative_a, product=day.chicken, kg="5", code="A-2")
    second = place(day.buyer, day.canteen, [(day.chicken, 1)], day=later)
    [later_allocation] = [
        a for line in second.bulk_lines.all() for a in line.allocations.all()
    ]
    client.force_login(day.manager_a)

    by_date = client.get(url("allocation-list"), {"delivery_date": later})
    by_status = client.get(url("allocation-list"), {"status": "accepted"})
    pending = client.get(url("allocation-list"), {"status": "pending"})
    everything = client.get(url("allocation-list"))

    assert list(by_date.context["allocations"]) == [later_allocation]
    assert list(by_status.context["allocations"]) == []
    assert list(pending.context["allocations"]) == [
        later_allocation,
        day.allocation_a,
    ]
    assert len(everything.context["allocations"]) == 2


def test_allocation_list_for_a_date_links_to_own_pick_list_only(client, day):
    client.force_login(day.manager_a)

    response = client.get(url("allocation-list"), {"delivery_date": day.day})

    assert list(response.context["pick_lists"]) == [day.cooperative_a]
    content = response.content.decode()
    assert url("pick-list", day=day.day, cooperative_id=day.cooperative_a.pk) in (
        content
    )
    assert (
        url("pick-list", day=day.day, cooperative_id=day.cooperative_b.pk)
        not in content
    )


# --- allocation detail ----------------------------------------------------------------


def test_manager_sees_own_allocation_without_the_orders_other_lines(client, day):
    client.force_login(day.manager_a)

    response = client.get(url("allocation-detail", pk=day.allocation_a.pk))

    content = response.content.decode()
    assert response.status_code == 200
    assert day.number in content
    assert "A-CHICKEN" in content
    assert "天河区机关食堂" in content
    for other in ("B-CHICKEN", "B-TEA", "英德红茶", "连州菜心合作社", "25.000"):
        assert other not in content
    assert response.context["explained"] is None
    assert "Why routing chose this lot" not in content
    assert url("order-detail", number=day.number) not in content


def test_manager_of_another_cooperative_gets_404_for_the_allocation(client, day):
    client.force_login(day.manager_b)

    response = client.get(url("allocation-detail", pk=day.allocation_a.pk))

    assert response.status_code == 404


def test_staff_see_the_routing_explanation_and_scores_of_an_allocation(client, day):
    client.force_login(day.staff)

    response = client.get(url("allocation-detail", pk=day.allocation_a.pk))

    content = response.content.decode()
    assert "Why routing chose this lot" in content
    assert "Cooperative 1 of 2 used for this line (2 could supply it)." in content
    assert "The line uses as few cooperatives as can cover it." in content
    scores = dict(response.context["explained"].scores)
    assert scores["cooperatives_used"] == "2"
    assert scores["cooperative_rank"] == "1"
    assert scores["policy.fewest_cooperatives"] == "True"
    assert "<code>cooperative_income_ytd</code>" in content
    assert url("order-detail", number=day.number) in content


def test_allocation_page_offers_the_actions_its_status_allows(client, day):
    client.force_login(day.manager_a)
    pending = client.get(url("allocation-detail", pk=day.allocation_a.pk))
    client.post(url("allocation-accept", pk=day.allocation_a.pk))
    accepted = client.get(url("allocation-detail", pk=day.allocation_a.pk))

    assert (
        'id="accept_form"' in pending.content.decode(),
        'id="ship_form"' in pending.content.decode(),
        'id="reject_form"' in pending.content.decode(),
    ) == (True, False, True)
    assert (
        'id="accept_form"' in accepted.content.decode(),
        'id="ship_form"' in accepted.content.decode(),
        'id="reject_form"' in accepted.content.decode(),
    ) == (False, True, True)


# --- accept ---------------------------------------------------------------------------


def test_manager_accepts_own_allocation(client, day):
    client.force_login(day.manager_a)

    response = client.post(url("allocation-accept", pk=day.allocation_a.pk))

    assert response.status_code == 302
    assert response["Location"] == url("allocation-detail", pk=day.allocation_a.pk)
    day.refresh()
    assert day.allocation_a.status == AllocationStatus.ACCEPTED
    assert day.allocation_b.status == AllocationStatus.PENDING
    event = AllocationEvent.objects.get(
        allocation=day.allocation_a, kind=AllocationEventKind.ACCEPTED
    )
    assert event.actor == day.manager_a
    assert texts(response) == [
        f"Accepted: 10.000 kg of lot A-CHICKEN for order {day.number}."
    ]


def test_accepting_twice_shows_the_error_and_changes_nothing(client, day):
    cooperative_side.accept_allocation(allocation_id=day.allocation_a.pk)
    client.force_login(day.manager_a)
    before = allocation_state(day)

    response = client.post(
        url("allocation-accept", pk=day.allocation_a.pk), follow=True
    )

    assert allocation_state(day) == before
    assert texts(response) == [
        "Only allocations awaiting an answer can be accepted (it is Accepted)."
    ]
    assert (
        "Only allocations awaiting an answer can be accepted"
        in response.content.decode()
    )


def test_manager_cannot_act_on_another_cooperatives_allocation(client, day):
    before = allocation_state(day)
    client.force_login(day.manager_b)

    answers = [
        client.post(url("allocation-accept", pk=day.allocation_a.pk)).status_code,
        client.post(
            url("allocation-reject", pk=day.allocation_a.pk), {"reason": "no"}
        ).status_code,
        client.post(
            url("allocation-ship", pk=day.allocation_a.pk), {"kg": "10"}
        ).status_code,
    ]

    assert answers == [404, 404, 404]
    assert allocation_state(day) == before


@pytest.mark.parametrize("role", ["buyer", "official"])
def test_users_without_dashboard_cannot_act_on_allocations(client, day, role):
    before = allocation_state(day)
    client.force_login(day.user(role))

    response = client.post(url("allocation-accept", pk=day.allocation_a.pk))

    assert response.status_code == 403
    assert allocation_state(day) == before


def test_actions_refuse_get(client, day):
    client.force_login(day.manager_a)

    assert client.get(url("allocation-accept", pk=day.allocation_a.pk)).status_code == (
        405
    )


# --- reject ---------------------------------------------------------------------------


def test_manager_rejects_with_a_reason(client, day):
    client.force_login(day.manager_a)

    response = client.post(
        url("allocation-reject", pk=day.allocation_a.pk),
        {"reason": "鸡瘟，无法供货"},
    )

    day.refresh()
    assert day.allocation_a.status == AllocationStatus.REJECTED
    assert (day.lot_a.on_hand_kg, day.lot_a.reserved_kg) == (D("10.000"), D("0.000"))
    event = AllocationEvent.objects.get(
        allocation=day.allocation_a, kind=AllocationEventKind.REJECTED
    )
    assert (event.reason, event.actor) == ("鸡瘟，无法供货", day.manager_a)
    assert texts(response) == ["Rejected: 10.000 kg go back to routing."]


@pytest.mark.parametrize("reason", ["", "   "])
def test_rejecting_without_a_reason_shows_the_error_and_changes_nothing(
    client, day, reason
):
    before = allocation_state(day)
    client.force_login(day.manager_a)

    response = client.post(
        url("allocation-reject", pk=day.allocation_a.pk),
        {"reason": reason},
        follow=True,
    )

    assert allocation_state(day) == before
    assert texts(response) == ["Say why the allocation is rejected."]
    assert "Say why the allocation is rejected." in response.content.decode()


def test_rejecting_a_shipped_allocation_is_refused(client, day):
    ship_everything(day)
    before = allocation_state(day)
    client.force_login(day.manager_a)

    response = client.post(
        url("allocation-reject", pk=day.allocation_a.pk), {"reason": "late"}
    )

    assert allocation_state(day) == before
    assert texts(response) == [
        "This allocation can no longer be rejected (it is Shipped)."
    ]


# --- ship -----------------------------------------------------------------------------


def test_manager_ships_accepted_allocation_with_weighed_kg(client, day):
    client.force_login(day.manager_a)
    client.post(url("allocation-accept", pk=day.allocation_a.pk))

    response = client.post(
        url("allocation-ship", pk=day.allocation_a.pk), {"kg": "9.800"}
    )

    day.refresh()
    assert day.allocation_a.status == AllocationStatus.SHIPPED
    assert day.allocation_a.shipped_kg == D("9.800")
    assert (day.lot_a.on_hand_kg, day.lot_a.reserved_kg) == (D("0.200"), D("0.000"))
    assert texts(response)[-1] == "Shipped: 9.800 kg of lot A-CHICKEN."


@pytest.mark.parametrize(
    ("kg", "message"),
    [
        ("-1", "Kilograms must be greater than zero."),
        ("0", "Kilograms must be greater than zero."),
        ("1.0001", "Kilograms are exact to the gram (3 decimals)."),
        ("abc", "Enter a number."),
        ("", "This field is required."),
        ("11", "Lot A-CHICKEN holds only 10.000 kg for this allocation."),
    ],
)
def test_shipping_bad_kg_shows_the_error_and_changes_nothing(client, day, kg, message):
    cooperative_side.accept_allocation(allocation_id=day.allocation_a.pk)
    client.force_login(day.manager_a)
    before = allocation_state(day)

    response = client.post(
        url("allocation-ship", pk=day.allocation_a.pk), {"kg": kg}, follow=True
    )

    assert allocation_state(day) == before
    assert texts(response) == [message]
    assert day.allocation_a.status == AllocationStatus.ACCEPTED


def test_shipping_before_accepting_is_refused(client, day):
    before = allocation_state(day)
    client.force_login(day.manager_a)

    response = client.post(url("allocation-ship", pk=day.allocation_a.pk), {"kg": "10"})

    assert allocation_state(day) == before
    assert texts(response) == [
        "Accept the allocation before shipping it (it is Awaiting the cooperative)."
    ]


# --- staff order page -----------------------------------------------------------------


def test_staff_order_page_explains_every_allocation(client, day):
    client.force_login(day.staff)

    response = client.get(url("order-detail", number=day.number))

    content = response.content.decode()
    for code in ("A-CHICKEN", "B-CHICKEN", "B-TEA"):
        assert code in content
    assert "Cooperative 1 of 2 used for this line (2 could supply it)." in content
    assert "Cooperative 2 of 2 used for this line (2 could supply it)." in content
    assert "Cooperative 1 of 1 used for this line (1 could supply it)." in content
    rows = response.context["rows"]
    assert [len(row.allocations) for row in rows] == [2, 1]
    assert dict(rows[0].allocations[1].scores)["cooperative_units"] == "3"
    assert reverse("dashboard:order-detail", kwargs={"number": day.number}) in content


def test_order_page_of_an_unknown_number_is_404(client, day):
    client.force_login(day.staff)

    assert client.get(url("order-detail", number="B99999999")).status_code == 404


# --- mark delivered -------------------------------------------------------------------


def test_staff_mark_a_shipped_order_delivered_from_the_day_page(client, day):
    ship_everything(day)
    client.force_login(day.staff)
    page = url("delivery-day", day=day.day)
    listing = client.get(page)
    assert listing.context["overview"].orders[0].can_deliver is True

    response = client.post(
        url("order-deliver", number=day.number), {"next": page}, follow=False
    )

    assert response["Location"] == page
    day.refresh()
    assert day.bulk_order.order.status == OrderStatus.DELIVERED
    assert day.allocation_a.status == AllocationStatus.DELIVERED
    assert texts(response) == [f"Order {day.number} delivered to 天河区机关食堂."]


def test_marking_an_order_not_yet_shipped_delivered_is_refused(client, day):
    before = allocation_state(day)
    client.force_login(day.staff)

    response = client.post(url("order-deliver", number=day.number), follow=True)

    assert allocation_state(day) == before
    assert texts(response) == ["Only an order shipped in full can be delivered."]
    assert response.redirect_chain[-1][0] == url("order-detail", number=day.number)


def test_deliver_ignores_a_next_url_on_another_site(client, day):
    ship_everything(day)
    client.force_login(day.staff)

    response = client.post(
        url("order-deliver", number=day.number), {"next": "https://evil.example/"}
    )

    assert response["Location"] == url("order-detail", number=day.number)


@pytest.mark.parametrize("role", ["manager_a", "manager_b", "buyer", "official"])
def test_only_staff_mark_orders_delivered(client, day, role):
    ship_everything(day)
    client.force_login(day.user(role))

    response = client.post(url("order-deliver", number=day.number))

    assert response.status_code == 403
    day.refresh()
    assert day.bulk_order.order.status == OrderStatus.SHIPPED


# --- missing kg -----------------------------------------------------------------------


def receive_short(day) -> ReceiptLine:
    """Delivered, then the canteen weighs 2 kg less chicken than was shipped."""
    ship_everything(day)
    mark_delivered(order_id=day.bulk_order.pk)
    chicken_line, tea_line = day.bulk_order.bulk_lines.all()
    confirm_receipt(
        order_id=day.bulk_order.pk,
        user=day.buyer,
        lines=[
            ReceivedLine(chicken_line.pk, D("23.000"), "两箱破损"),
            ReceivedLine(tea_line.pk, D("10.000")),
        ],
    )
    return ReceiptLine.objects.get(line=chicken_line)


def test_day_page_lists_missing_kg_to_decide(client, day):
    pending = receive_short(day)
    client.force_login(day.staff)

    response = client.get(url("delivery-day", day=day.day))

    assert list(response.context["overview"].pending_decisions) == [pending]
    content = response.content.decode()
    assert "Return to stock" in content
    assert "Write off" in content
    assert "两箱破损" in content


def test_staff_return_missing_kg_to_stock(client, day):
    pending = receive_short(day)
    on_hand = (day.lot_a.on_hand_kg, day.lot_b.on_hand_kg)
    client.force_login(day.staff)
    page = url("delivery-day", day=day.day)

    response = client.post(
        url("receipt-line-decide", pk=pending.pk),
        {"disposition": "returned", "next": page},
    )

    assert response["Location"] == page
    pending.refresh_from_db()
    day.refresh()
    assert (pending.disposition, pending.decided_by) == (
        Disposition.RETURNED,
        day.staff,
    )
    # 2 kg back pro rata to what each lot shipped (10 and 15 kg).
    assert (day.lot_a.on_hand_kg - on_hand[0], day.lot_b.on_hand_kg - on_hand[1]) == (
        D("0.800"),
        D("1.200"),
    )
    assert texts(response) == [
        f"2.000 kg missing on order {day.number}: Returned to stock."
    ]


def test_staff_write_off_missing_kg(client, day):
    pending = receive_short(day)
    movements = StockMovement.objects.count()
    client.force_login(day.staff)

    client.post(
        url("receipt-line-decide", pk=pending.pk), {"disposition": "written_off"}
    )

    pending.refresh_from_db()
    assert pending.disposition == Disposition.WRITTEN_OFF
    assert StockMovement.objects.count() == movements


@pytest.mark.parametrize("disposition", ["", "lost", "pending"])
def test_a_bad_decision_shows_the_error_and_changes_nothing(client, day, disposition):
    pending = receive_short(day)
    movements = StockMovement.objects.count()
    client.force_login(day.staff)

    response = client.post(
        url("receipt-line-decide", pk=pending.pk),
        {"disposition": disposition},
        follow=True,
    )

    pending.refresh_from_db()
    assert pending.disposition == Disposition.PENDING
    assert StockMovement.objects.count() == movements
    assert len(texts(response)) == 1
    assert response.status_code == 200


def test_deciding_twice_is_refused(client, day):
    pending = receive_short(day)
    client.force_login(day.staff)
    client.post(url("receipt-line-decide", pk=pending.pk), {"disposition": "returned"})
    movements = StockMovement.objects.count()

    response = client.post(
        url("receipt-line-decide", pk=pending.pk), {"disposition": "written_off"}
    )

    pending.refresh_from_db()
    assert pending.disposition == Disposition.RETURNED
    assert StockMovement.objects.count() == movements
    assert texts(response)[-1] == "This line has been decided already."


@pytest.mark.parametrize("role", ["manager_a", "manager_b", "buyer", "official"])
def test_only_staff_decide_missing_kg(client, day, role):
    pending = receive_short(day)
    client.force_login(day.user(role))

    response = client.post(
        url("receipt-line-decide", pk=pending.pk), {"disposition": "returned"}
    )

    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.disposition == Disposition.PENDING


# --- delivery days --------------------------------------------------------------------


def test_delivery_list_shows_dates_with_orders_and_opens_a_date(client, day):
    client.force_login(day.staff)

    listing = client.get(url("delivery-list"))
    opened = client.get(url("delivery-list"), {"date": day.day.isoformat()})

    [summary] = listing.context["days"]
    assert (summary.delivery_date, summary.orders, summary.to_deliver) == (
        day.day,
        1,
        0,
    )
    assert opened["Location"] == url("delivery-day", day=day.day)


def test_delivery_day_links_every_document(client, day):
    client.force_login(day.staff)

    content = client.get(url("delivery-day", day=day.day)).content.decode()

    for link in (
        url("consolidation", day=day.day),
        url("pick-list", day=day.day, cooperative_id=day.cooperative_a.pk),
        url("pick-list", day=day.day, cooperative_id=day.cooperative_b.pk),
        url("delivery-note", day=day.day, organisation_id=day.canteen.pk),
    ):
        assert link in content
        assert f"{link}?format=pdf" in content


def test_a_date_that_is_not_a_date_is_404(client, day):
    client.force_login(day.staff)

    response = client.get("/dashboard/fulfilment/deliveries/2026-13-45/")

    assert response.status_code == 404
