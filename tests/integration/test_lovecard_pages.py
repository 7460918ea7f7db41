"""Love-card pages: staff issue a batch and get its card list with PINs once,
see cards and their transactions, unlock and cancel; the card holder's balance
page counts wrong PINs; the admin is read-only."""

import csv
import io

import pytest

from lovecards.models import CardBatch, CardStatus, LoveCard
from lovecards.services import spend
from tests.caches import clear_cache
from tests.factories import UserFactory
from tests.integration.lovecard_helpers import D, issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    clear_cache()


def rows(response) -> list[list[str]]:
    text = b"".join(response).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_staff_issue_a_batch_and_download_the_pins_once(client, staff):
    client.force_login(staff)
    assert client.get("/dashboard/lovecards/issue/").status_code == 200

    issued = client.post(
        "/dashboard/lovecards/issue/",
        {
            "organisation_name": "广州市总工会",
            "face_value": "200.00",
            "expires_on": "2099-12-31",
            "count": "3",
        },
    )

    assert issued.status_code == 200
    assert issued["Content-Type"].startswith("text/csv")
    header, *cards = rows(issued)
    assert header == ["Card number", "PIN", "Face value", "Expires on"]
    assert len(cards) == 3
    batch = CardBatch.objects.get()
    assert (batch.count, batch.issued_by) == (3, staff)
    stored = LoveCard.objects.get(number=cards[0][0])
    assert cards[0][1] not in stored.pin_hash
    # The later download has no PINs.
    later = client.get(f"/dashboard/lovecards/batches/{batch.pk}/cards.csv")
    header, *listed = rows(later)
    assert header == ["Card number", "Balance", "Status", "Expires on"]
    assert sorted(r[0] for r in listed) == sorted(r[0] for r in cards)
    assert all(r[1] == "200.00" for r in listed)
    page = client.get("/dashboard/lovecards/").content.decode()
    assert "广州市总工会" in page


def test_a_bad_batch_is_refused_on_the_form(client, staff):
    client.force_login(staff)
    refused = client.post(
        "/dashboard/lovecards/issue/",
        {
            "organisation_name": "工会",
            "face_value": "200.00",
            "expires_on": "2001-01-01",
            "count": "3",
        },
    )
    assert refused.status_code == 200
    assert "The expiry must be in the future." in refused.content.decode()
    assert LoveCard.objects.count() == 0


def test_staff_see_transactions_unlock_and_cancel(client, staff):
    _batch, [(number, _pin), _other] = issue(staff)
    spend(cards=[(number, D("12.50"))], order_number="100042")
    card = LoveCard.objects.get(number=number)
    LoveCard.objects.filter(pk=card.pk).update(
        status=CardStatus.LOCKED, failed_attempts=5
    )
    client.force_login(staff)

    found = client.get("/dashboard/lovecards/cards/", {"number": number[-6:]})
    assert list(found.context["cards"]) == [card]
    page = client.get(f"/dashboard/lovecards/cards/{card.pk}/").content.decode()
    assert "100042" in page and "-12.50" in page

    client.post(f"/dashboard/lovecards/cards/{card.pk}/unlock/")
    card.refresh_from_db()
    assert (card.status, card.failed_attempts) == (CardStatus.ACTIVE, 0)
    client.post(f"/dashboard/lovecards/cards/{card.pk}/cancel/", {"reason": "lost"})
    card.refresh_from_db()
    assert card.status == CardStatus.CANCELLED
    assert list(card.events.values_list("kind", "actor")) == [
        ("unlocked", staff.pk),
        ("cancelled", staff.pk),
    ]


def test_the_dashboard_pages_are_for_staff_only(client, staff):
    batch, _cards = issue(staff)
    client.force_login(UserFactory())
    for url in (
        "/dashboard/lovecards/",
        "/dashboard/lovecards/issue/",
        f"/dashboard/lovecards/batches/{batch.pk}/cards.csv",
    ):
        assert client.get(url).status_code in (302, 403)


def test_the_balance_page_shows_the_balance_and_counts_wrong_pins(client, staff):
    _batch, [(number, pin), _other] = issue(staff)

    shown = client.post("/lovecard/balance/", {"number": number, "pin": pin})
    assert shown.status_code == 200
    assert "¥200.00" in shown.content.decode()

    for _ in range(5):
        refused = client.post("/lovecard/balance/", {"number": number, "pin": "bad"})
        assert refused.status_code == 400
    locked = client.post("/lovecard/balance/", {"number": number, "pin": pin})
    assert "locked" in locked.content.decode()
    assert LoveCard.objects.get(number=number).status == CardStatus.LOCKED


def test_the_admin_is_read_only(admin_client, staff):
    issue(staff)
    card = LoveCard.objects.first()
    assert admin_client.get("/admin/lovecards/lovecard/").status_code == 200
    page = admin_client.get(f"/admin/lovecards/lovecard/{card.pk}/change/")
    assert page.status_code == 200
    assert "pin_hash" not in page.content.decode()
    assert admin_client.get("/admin/lovecards/lovecard/add/").status_code == 403
