"""Sales pages of the dashboard: staff list counter-sale batches, see each sale's
attribution in words, upload a file (a refused one comes back with its errors by
line and nothing recorded), withdraw a batch with a reason and download the
file's template; everybody else, officials included, is refused."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ledger.counter_sale_upload import parse_counter_sales
from ledger.counter_sales import record_counter_sales
from ledger.models import CounterSale, CounterSaleBatch, HouseholdIncome, LedgerEntry
from tests.factories import UserFactory, make_canteen, make_lot
from tests.integration.bulk import D
from tests.integration.sales import TODAY, days_ago, sale

pytestmark = pytest.mark.django_db

HEADER = "date,channel,sku,kg,yuan,cooperative,lot\n"


@pytest.fixture(autouse=True)
def english(settings):
    """Pin the language: assertions read the English source strings."""
    settings.LANGUAGE_CODE = "en"


def url(name, **kwargs):
    return reverse(f"dashboard:sales-{name}", kwargs=kwargs)


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def state():
    """Everything a refused request must leave as it was."""
    return (
        list(CounterSaleBatch.objects.order_by("pk").values_list()),
        list(CounterSale.objects.order_by("pk").values_list()),
        list(LedgerEntry.objects.order_by("pk").values_list("pk", "kg", "yuan")),
        list(HouseholdIncome.objects.order_by("pk").values_list("pk", "kg", "yuan")),
    )


def line(kg="10", yuan="62.00", cooperative="", lot="", channel=None):
    channel = channel or "grandbuy-beijing-rd"
    day = TODAY().isoformat()
    return f"{day},{channel},LZ-RICE-5,{kg},{yuan},{cooperative},{lot}\n"


def csv_file(*lines, name="gb-0601.csv"):
    return SimpleUploadedFile(
        name, (HEADER + "".join(lines)).encode(), content_type="text/csv"
    )


def errors_table(response) -> list[tuple]:
    return [(e.line, e.field, e.message) for e in response.context["upload_errors"]]


@pytest.fixture
def lots(counter, rice, cooperative, other_cooperative):
    return (
        make_lot(
            cooperative=other_cooperative,
            product=rice,
            kg="6",
            harvest_date=days_ago(9),
            code="LZ-0501",
        ),
        make_lot(
            cooperative=cooperative,
            product=rice,
            kg="50",
            harvest_date=days_ago(3),
            code="LZ-0512",
        ),
    )


@pytest.fixture
def batch(lots, staff):
    return record_counter_sales(
        rows=[sale(kg="1", yuan="6.20")], reference="GB-0500", actor=staff
    )


# --- who may open which page ------------------------------------------------------


@pytest.fixture
def roles(staff, manager, cooperative, official, shopper):
    buyer = UserFactory(username="buyer")
    make_canteen(buyers=[buyer])
    return {
        "staff": staff,
        "manager": manager,
        "official": official,
        "buyer": buyer,
        "shopper": shopper,
    }


PAGES = {
    "list": lambda b: url("batch-list"),
    "detail": lambda b: url("batch-detail", pk=b.pk),
    "upload": lambda b: url("upload"),
    "withdraw": lambda b: url("batch-withdraw", pk=b.pk),
    "template": lambda b: url("template"),
}


@pytest.mark.parametrize("page", PAGES)
def test_only_staff_get_the_sales_pages(client, roles, batch, page):
    answers = {}
    for role, user in roles.items():
        client.force_login(user)
        answers[role] = client.get(PAGES[page](batch)).status_code

    assert answers == {
        "staff": 200,
        "manager": 403,
        "official": 403,
        "buyer": 403,
        "shopper": 403,
    }


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_users_are_sent_to_the_dashboard_login(client, batch, page):
    response = client.get(PAGES[page](batch))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("dashboard:login"))


def test_others_posting_change_nothing(client, roles, batch):
    before = state()

    answers = set()
    for role in ("manager", "official", "buyer", "shopper"):
        client.force_login(roles[role])
        answers.add(
            client.post(
                url("upload"), {"reference": "X-1", "file": csv_file(line("1"))}
            ).status_code
        )
        answers.add(
            client.post(url("batch-withdraw", pk=batch.pk), {"reason": "x"}).status_code
        )

    assert answers == {403}
    assert state() == before


def test_navigation_shows_sales_to_staff_only(client, staff, manager, cooperative):
    client.force_login(staff)
    staff_page = client.get(reverse("dashboard:index")).content.decode()
    client.force_login(manager)
    manager_page = client.get(reverse("dashboard:supply-lot-list")).content.decode()

    assert "Sales" in staff_page
    assert url("batch-list") in staff_page
    assert url("upload") in staff_page
    assert url("batch-list") not in manager_page


def test_a_batch_that_does_not_exist_answers_404(client, staff):
    client.force_login(staff)

    assert client.get(url("batch-detail", pk=999999)).status_code == 404
    assert (
        client.post(url("batch-withdraw", pk=999999), {"reason": "x"}).status_code
        == 404
    )


# --- list and detail --------------------------------------------------------------


def test_the_list_shows_each_batch_with_its_totals(client, staff, batch):
    record_counter_sales(
        rows=[sale(kg="2", yuan="12.40"), sale(3, kg="1.5", yuan="9.30")],
        reference="GB-0501",
        content=b"a file",
        filename="六月.csv",
    )
    client.force_login(staff)

    response = client.get(url("batch-list"))

    assert [
        (b.reference, b.rows, b.kg, b.yuan, b.filename)
        for b in response.context["batches"]
    ] == [
        ("GB-0501", 2, D("3.500"), D("21.70"), "六月.csv"),
        ("GB-0500", 1, D("1.000"), D("6.20"), ""),
    ]
    page = response.content.decode()
    assert "2 batches" in page
    assert '<td class="text-right">3.500</td>' in page
    assert '<td class="text-right">21.70</td>' in page
    assert timezone.localtime(batch.created_at).strftime("%Y-%m-%d %H:%M") in page
    assert "<td>staff</td>" in page


def test_the_detail_says_in_words_how_each_sale_was_attributed(
    client, staff, lots, cooperative
):
    record_counter_sales(
        rows=[
            sale(kg="10"),
            sale(3, kg="2", cooperative=cooperative.registration_code),
            sale(4, kg="1", lot="LZ-0512"),
        ],
        reference="GB-0502",
    )
    client.force_login(staff)
    batch = CounterSaleBatch.objects.get()

    response = client.get(url("batch-detail", pk=batch.pk))

    assert response.status_code == 200
    sales = response.context["sales"]
    assert [(s.line, s.get_attribution_display()) for s in sales] == [
        (2, "Product only: lots oldest first"),
        (3, "Cooperative given: its lots, oldest first"),
        (4, "Lot given"),
    ]
    assert [[(p.lot_code, p.kg, p.yuan) for p in s.lot_parts] for s in sales] == [
        [("LZ-0501", D("6.000"), D("37.20")), ("LZ-0512", D("4.000"), D("24.80"))],
        [("LZ-0512", D("2.000"), D("62.00"))],
        [("LZ-0512", D("1.000"), D("62.00"))],
    ]
    page = response.content.decode()
    for words in (
        "Product only: lots oldest first",
        "Cooperative given: its lots, oldest first",
        "Lot given",
        f"LZ-0501 (连州菜心合作社, harvested {days_ago(9):%Y-%m-%d}): 6.000 kg, "
        "37.20 yuan",
    ):
        assert words in page


# --- upload -----------------------------------------------------------------------


def test_staff_upload_a_file_and_see_the_batch(client, staff, lots):
    client.force_login(staff)

    response = client.post(
        url("upload"),
        {"reference": "GB-0601", "file": csv_file(line("3"), line("2", "12.40"))},
    )

    batch = CounterSaleBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("batch-detail", pk=batch.pk)
    assert texts(response) == ["Batch GB-0601 recorded: 2 sales."]
    assert (batch.reference, batch.filename, batch.uploaded_by) == (
        "GB-0601",
        "gb-0601.csv",
        staff,
    )
    assert list(batch.sales.values_list("line", "kg")) == [
        (2, D("3.000")),
        (3, D("2.000")),
    ]
    assert LedgerEntry.objects.count() == 2


def test_a_file_with_bad_rows_comes_back_with_its_errors_and_nothing_recorded(
    client, staff, lots
):
    client.force_login(staff)
    before = state()

    bad_cells = client.post(
        url("upload"),
        {"reference": "GB-0602", "file": csv_file(line(), line(kg="ten"))},
    )
    bad_names = client.post(
        url("upload"),
        {
            "reference": "GB-0602",
            "file": csv_file(line(), line(channel="nope"), line(lot="NOPE")),
        },
    )

    assert bad_cells.status_code == 200
    assert errors_table(bad_cells) == [(3, "kg", "Enter a number.")]
    assert errors_table(bad_names) == [
        (3, "channel", "Unknown channel."),
        (4, "lot", "Unknown lot."),
    ]
    page = bad_names.content.decode()
    assert "Nothing was recorded." in page
    assert "The file has 2 errors; correct them and upload the file again." in page
    assert 'id="upload_errors"' in page
    assert state() == before


def test_the_same_file_again_is_refused_even_under_another_reference(
    client, staff, lots
):
    client.force_login(staff)
    content = line("5")
    client.post(url("upload"), {"reference": "GB-0603", "file": csv_file(content)})
    before = state()

    response = client.post(
        url("upload"),
        {"reference": "GB-0603-again", "file": csv_file(content, name="copy.csv")},
    )

    when = timezone.localtime(CounterSaleBatch.objects.get().created_at)
    assert errors_table(response) == [
        (
            0,
            "reference",
            f"This batch was recorded already (GB-0603, {when:%Y-%m-%d %H:%M}).",
        )
    ]
    assert state() == before


def test_the_same_reference_again_is_refused(client, staff, lots):
    client.force_login(staff)
    client.post(url("upload"), {"reference": "GB-0604", "file": csv_file(line("5"))})
    before = state()

    response = client.post(
        url("upload"), {"reference": "GB-0604", "file": csv_file(line("1"))}
    )

    [(line_number, field, message)] = errors_table(response)
    assert (line_number, field) == (0, "reference")
    assert message.startswith("This batch was recorded already (GB-0604, ")
    assert state() == before


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"file": "x"}, "reference", "This field is required."),
        ({"reference": "GB-0605"}, "file", "This field is required."),
    ],
)
def test_the_form_needs_a_reference_and_a_file(client, staff, body, field, message):
    client.force_login(staff)
    if "file" in body:
        body["file"] = csv_file(line())

    response = client.post(url("upload"), body)

    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert CounterSaleBatch.objects.count() == 0


def test_the_template_downloads_and_reads_back(client, staff):
    client.force_login(staff)

    response = client.get(url("template"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="counter-sales-template.csv"'
    )
    rows = parse_counter_sales(content=response.content, filename="template.csv")
    assert [(r.line, r.channel, r.sku, r.kg, r.cooperative, r.lot) for r in rows] == [
        (2, "grandbuy-beijinglu", "NJ-FK-01", D("10.000"), "", ""),
        (3, "grandbuy-beijinglu", "NJ-FK-02", D("5.500"), "93441881MA51WZ0017", ""),
        (4, "grandbuy-zhongyi", "NJ-FK-01", D("2.000"), "", "NJ-FK-01-01"),
    ]


# --- withdraw ---------------------------------------------------------------------


def test_withdrawing_reverses_the_batch(client, staff, batch):
    client.force_login(staff)

    response = client.post(url("batch-withdraw", pk=batch.pk), {"reason": "重复上报"})

    assert response.status_code == 302
    assert response["Location"] == url("batch-detail", pk=batch.pk)
    assert texts(response) == [
        "Batch GB-0500 withdrawn: its ledger entries are reversed."
    ]
    batch.refresh_from_db()
    assert batch.withdrawn_reason == "重复上报"
    entries = list(LedgerEntry.objects.values_list("kg", "yuan"))
    assert sum(kg for kg, _ in entries) == D("0.000")
    assert sum(yuan for _, yuan in entries) == D("0.00")
    detail = client.get(url("batch-detail", pk=batch.pk)).content.decode()
    assert "重复上报" in detail
    assert 'id="withdraw_link"' not in detail


def test_withdrawing_needs_a_reason_and_changes_nothing_without_one(
    client, staff, batch
):
    client.force_login(staff)
    before = state()

    response = client.post(url("batch-withdraw", pk=batch.pk), {"reason": "  "})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "reason": ["Say why the batch is withdrawn."]
    }
    assert state() == before


def test_a_withdrawn_batch_is_not_withdrawn_again(client, staff, batch):
    client.force_login(staff)
    client.post(url("batch-withdraw", pk=batch.pk), {"reason": "重复上报"})
    before = state()

    page = client.get(url("batch-withdraw", pk=batch.pk))
    again = client.post(url("batch-withdraw", pk=batch.pk), {"reason": "again"})

    for response in (page, again):
        assert response.status_code == 302
        assert response["Location"] == url("batch-detail", pk=batch.pk)
    assert texts(again)[-1] == "This batch was withdrawn already."
    assert state() == before
