"""The distribution centre's documents for a delivery date, as pages and PDFs.

Pick lists per cooperative (staff, and the cooperative's own managers), the
consolidation sheet and delivery notes per canteen (staff). Selectors read in a
fixed number of queries; the PDFs parse, carry the expected text and fit a page.
"""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from fulfilment import cooperative_side, documents
from fulfilment.models import AllocationStatus
from tests.factories import make_canteen, make_lot
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
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def day():
    return build_day()


def url(name, **kwargs):
    return reverse(f"dashboard:fulfilment-{name}", kwargs=kwargs)


def pdf_text(response) -> tuple[int, str]:
    """(pages, text) of a PDF response."""
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


# --- who may open which document ------------------------------------------------------

DOCUMENTS = {
    "own pick list": lambda d: url(
        "pick-list", day=d.day, cooperative_id=d.cooperative_a.pk
    ),
    "consolidation": lambda d: url("consolidation", day=d.day),
    "delivery note": lambda d: url(
        "delivery-note", day=d.day, organisation_id=d.canteen.pk
    ),
}

# manager_a, manager_b, staff, buyer, official
EXPECTED = {
    "own pick list": (200, 404, 200, 403, 403),
    "consolidation": (403, 403, 200, 403, 403),
    "delivery note": (403, 403, 200, 403, 403),
}


@pytest.mark.parametrize("fmt", ["", "?format=pdf"])
@pytest.mark.parametrize("document", DOCUMENTS)
def test_each_role_gets_each_document_or_is_refused(client, day, document, fmt):
    answers = []
    for role in ROLES:
        client.force_login(day.user(role))
        answers.append(client.get(DOCUMENTS[document](day) + fmt).status_code)
        client.logout()

    assert dict(zip(ROLES, answers, strict=True)) == dict(
        zip(ROLES, EXPECTED[document], strict=True)
    )


def test_anonymous_users_are_sent_to_the_login_for_documents(client, day):
    for document in DOCUMENTS.values():
        response = client.get(document(day) + "?format=pdf")
        assert response.status_code == 302


def test_manager_of_b_opens_b_pick_list_but_not_a(client, day):
    client.force_login(day.manager_b)

    own = client.get(url("pick-list", day=day.day, cooperative_id=day.cooperative_b.pk))
    other = client.get(
        url("pick-list", day=day.day, cooperative_id=day.cooperative_a.pk)
        + "?format=pdf"
    )

    assert (own.status_code, other.status_code) == (200, 404)


def test_unknown_cooperative_or_canteen_is_404(client, day):
    client.force_login(day.staff)

    assert client.get(
        url("pick-list", day=day.day, cooperative_id=999999)
    ).status_code == (404)
    assert client.get(
        url("delivery-note", day=day.day, organisation_id=999999)
    ).status_code == (404)


# --- selectors ------------------------------------------------------------------------


def test_pick_list_holds_the_cooperatives_allocations_only(day):
    pick_list = documents.pick_list(
        cooperative=day.cooperative_b, delivery_date=day.day
    )

    assert [(r.product, r.lot_code, r.kg, r.canteen) for r in pick_list.rows] == [
        ("清远鸡", "B-CHICKEN", D("15.000"), "天河区机关食堂"),
        ("英德红茶", "B-TEA", D("10.000"), "天河区机关食堂"),
    ]
    assert [(t.product, t.kg) for t in pick_list.totals] == [
        ("清远鸡", D("15.000")),
        ("英德红茶", D("10.000")),
    ]
    assert pick_list.total_kg == D("25.000")
    assert {r.order_number for r in pick_list.rows} == {day.number}
    assert all(r.shipped_kg is None for r in pick_list.rows)


def test_pick_list_leaves_out_rejected_allocations_and_other_dates(day):
    make_lot(cooperative=day.cooperative_a, product=day.chicken, kg="5", code="A-2")
    place(day.buyer, day.canteen, [(day.chicken, 1)], day=delivery_date(3))
    cooperative_side.reject_allocation(allocation_id=day.allocation_a.pk, reason="鸡瘟")

    pick_list = documents.pick_list(
        cooperative=day.cooperative_a, delivery_date=day.day
    )

    assert pick_list.rows == ()
    assert pick_list.total_kg == D("0")


def test_consolidation_sheet_shows_what_arrives_from_whom_for_which_canteen(day):
    ship_everything(day, kg={day.allocation_b.pk: D("14.500")})

    sheet = documents.consolidation_sheet(delivery_date=day.day)

    [canteen] = sheet.canteens
    assert canteen.canteen == "天河区机关食堂"
    assert [
        (r.cooperative, r.lot_code, r.kg, r.shipped_kg, r.status) for r in canteen.rows
    ] == [
        ("英德市万仔蚕桑专业合作社", "A-CHICKEN", D("10.000"), D("10.000"), "shipped"),
        ("连州菜心合作社", "B-CHICKEN", D("15.000"), D("14.500"), "shipped"),
        ("连州菜心合作社", "B-TEA", D("10.000"), D("10.000"), "shipped"),
    ]
    assert [
        (c.cooperative, c.allocations, c.kg, c.shipped_kg) for c in sheet.cooperatives
    ] == [
        ("英德市万仔蚕桑专业合作社", 1, D("10.000"), D("10.000")),
        ("连州菜心合作社", 2, D("25.000"), D("24.500")),
    ]
    assert (sheet.kg, sheet.shipped_kg) == (D("35.000"), D("34.500"))


def test_delivery_note_shows_lines_and_kg_shipped(day):
    ship_everything(day, kg={day.allocation_b.pk: D("14.500")})

    note = documents.delivery_note(organisation=day.canteen, delivery_date=day.day)

    assert [
        (n.product, n.units, n.ordered_kg, n.shipped_kg, n.lot_codes)
        for n in note.lines
    ] == [
        ("清远鸡", 5, D("25.000"), D("24.500"), ("A-CHICKEN", "B-CHICKEN")),
        ("英德红茶", 2, D("10.000"), D("10.000"), ("B-TEA",)),
    ]
    assert note.order_numbers == (day.number,)
    assert (note.ordered_kg, note.shipped_kg) == (D("35.000"), D("34.500"))
    assert note.address == "天河区体育西路 1 号"
    assert note.window == "06:00–09:00"


def test_delivery_note_before_shipping_shows_nothing_shipped(day):
    note = documents.delivery_note(organisation=day.canteen, delivery_date=day.day)

    assert [n.shipped_kg for n in note.lines] == [D("0"), D("0")]


def test_delivery_note_of_another_canteen_is_empty(day):
    other = make_canteen(name="越秀区第一小学食堂")

    note = documents.delivery_note(organisation=other, delivery_date=day.day)

    assert (note.lines, note.order_numbers) == ((), ())


def more_orders(day, count):
    """``count`` more canteens ordering a unit of chicken from a fresh lot each."""
    for n in range(count):
        make_lot(
            cooperative=day.cooperative_a, product=day.chicken, kg="5", code=f"X-{n}"
        )
        canteen = make_canteen(name=f"加单食堂{n}", buyers=[day.buyer])
        place(day.buyer, canteen, [(day.chicken, 1)], day=day.day)


def test_document_selectors_read_in_a_fixed_number_of_queries(
    day, django_assert_num_queries
):
    more_orders(day, 3)
    for allocation in (day.allocation_a, day.allocation_b):
        cooperative_side.accept_allocation(allocation_id=allocation.pk)

    with django_assert_num_queries(1):
        pick_list = documents.pick_list(
            cooperative=day.cooperative_a, delivery_date=day.day
        )
    with django_assert_num_queries(1):
        sheet = documents.consolidation_sheet(delivery_date=day.day)
    with django_assert_num_queries(2):
        note = documents.delivery_note(organisation=day.canteen, delivery_date=day.day)
    with django_assert_num_queries(3):
        overview = documents.delivery_day(delivery_date=day.day)

    assert len(pick_list.rows) == 4
    assert len(sheet.canteens) == 4
    assert len(note.lines) == 2
    assert len(overview.orders) == 4


# --- pages ----------------------------------------------------------------------------


def test_pick_list_page_is_printable_and_shows_own_rows_only(client, day):
    client.force_login(day.manager_a)

    response = client.get(
        url("pick-list", day=day.day, cooperative_id=day.cooperative_a.pk)
    )

    content = response.content.decode()
    assert "<h1>Pick list · 英德市万仔蚕桑专业合作社</h1>" in content
    assert "A-CHICKEN" in content
    assert '<td class="num">10.000</td>' in content
    assert "天河区机关食堂" in content
    for other in ("B-CHICKEN", "B-TEA", "英德红茶"):
        assert other not in content
    assert "?format=pdf" in content
    assert "window.print()" in content
    assert "Packed by" in content


def test_consolidation_page_lists_every_cooperative_and_canteen(client, day):
    client.force_login(day.staff)

    content = client.get(url("consolidation", day=day.day)).content.decode()

    for text in (
        "Consolidation sheet",
        "英德市万仔蚕桑专业合作社",
        "连州菜心合作社",
        "天河区机关食堂",
        "A-CHICKEN",
        "B-CHICKEN",
        "B-TEA",
        '<td class="num">35.000</td>',
    ):
        assert text in content


def test_delivery_note_page_has_lines_and_space_to_sign(client, day):
    ship_everything(day)
    client.force_login(day.staff)

    content = client.get(
        url("delivery-note", day=day.day, organisation_id=day.canteen.pk)
    ).content.decode()

    for text in (
        "Delivery note",
        day.number,
        "清远鸡 (5 kg 箱)",
        "A-CHICKEN, B-CHICKEN",
        '<td class="num">25.000</td>',
        "Received by (name and signature)",
        "Delivered by",
    ):
        assert text in content


def test_empty_date_gives_empty_documents(client, day):
    client.force_login(day.staff)
    empty = delivery_date(20)

    sheet = client.get(url("consolidation", day=empty))
    pick_list = client.get(
        url("pick-list", day=empty, cooperative_id=day.cooperative_a.pk)
    )
    pages, text = pdf_text(client.get(url("consolidation", day=empty) + "?format=pdf"))

    assert "Nothing arrives for this date." in sheet.content.decode()
    assert "Nothing to pick for this date." in pick_list.content.decode()
    assert pages == 1
    assert "Nothing arrives for this date." in text


# --- PDFs -----------------------------------------------------------------------------


def test_pick_list_pdf_parses_and_carries_the_rows(client, day):
    ship_everything(day)
    client.force_login(day.manager_b)

    response = client.get(
        url("pick-list", day=day.day, cooperative_id=day.cooperative_b.pk)
        + "?format=pdf"
    )

    pages, text = pdf_text(response)
    assert pages == 1
    assert response["Content-Disposition"] == (
        f'inline; filename="pick-list-{day.day}-{day.cooperative_b.pk}.pdf"'
    )
    for expected in (
        "Pick list",
        day.number,
        "B-CHICKEN",
        "B-TEA",
        "15.000",
        "25.000",
        day.day.isoformat(),
        "Packed by",
    ):
        assert expected in text
    assert "A-CHICKEN" not in text
    # ReportLab's CID font STSong-Light: the Chinese text is there, not boxes.
    for chinese in ("连州菜心合作社", "天河区机关食堂", "清远鸡"):
        assert chinese in text


def test_consolidation_pdf_parses_and_carries_every_arrival(client, day):
    ship_everything(day, kg={day.allocation_b.pk: D("14.500")})
    client.force_login(day.staff)

    pages, text = pdf_text(
        client.get(url("consolidation", day=day.day) + "?format=pdf")
    )

    assert pages == 1
    for expected in (
        "Consolidation sheet",
        day.number,
        "A-CHICKEN",
        "B-CHICKEN",
        "B-TEA",
        "14.500",
        "34.500",
        "35.000",
    ):
        assert expected in text


def test_delivery_note_pdf_parses_and_carries_the_lines(client, day):
    ship_everything(day)
    client.force_login(day.staff)

    response = client.get(
        url("delivery-note", day=day.day, organisation_id=day.canteen.pk)
        + "?format=pdf"
    )

    pages, text = pdf_text(response)
    assert pages == 1
    for expected in (
        "Delivery note",
        day.number,
        "25.000",
        "10.000",
        "35.000",
        "A-CHICKEN",
        "B-TEA",
        "Received by (name and signature)",
        "天河区机关食堂",
        "天河区体育西路",
    ):
        assert expected in text


def test_long_pick_list_runs_over_pages_with_every_row(client, day):
    more_orders(day, 45)
    client.force_login(day.staff)

    pages, text = pdf_text(
        client.get(
            url("pick-list", day=day.day, cooperative_id=day.cooperative_a.pk)
            + "?format=pdf"
        )
    )

    assert pages > 1
    assert text.count("Order") >= 2  # the header row repeats on the next page
    assert "235.000" in text  # A-CHICKEN's 10 kg and 45 lots of 5 kg
    for n in (0, 22, 44):
        assert f"X-{n}" in text


def test_pick_lists_keep_shipped_status_visible(client, day):
    ship_everything(day)
    pick_list = documents.pick_list(
        cooperative=day.cooperative_a, delivery_date=day.day
    )

    assert [(r.status, r.shipped_kg) for r in pick_list.rows] == [
        (AllocationStatus.SHIPPED, D("10.000"))
    ]
