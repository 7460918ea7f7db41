"""A canteen's buyer pays a bulk order by card: through the API
(``POST /api/v1/bulk-orders/{number}/card-payment/``) and the order's "Pay by card"
page, against the fake Stripe API, with each role."""

import re

import pytest
from django.apps import apps
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.test import APIClient

from fulfilment import buyer_side
from payments import selectors
from payments.models import Payment, PaymentStatus
from payments.shortfalls import refund_short_receipt
from tests.factories import ProductFactory, UserFactory, make_canteen, make_lot
from tests.integration.billing_helpers import deliver, open_account, receive
from tests.integration.bulk import D, place
from tests.integration.payments_helpers import statuses

pytestmark = pytest.mark.django_db
Source = apps.get_model("payment", "Source")

OFF = (
    "Card payment is switched off: this shop has no Stripe keys configured. "
    "Pay this order another way."
)


def card_url(number) -> str:
    return f"/api/v1/bulk-orders/{number}/card-payment/"


def page_url(number) -> str:
    return f"/payments/canteen/{number}/"


@pytest.fixture
def buyer(db):
    return UserFactory(username="canteen_buyer")


@pytest.fixture
def approver(db):
    return UserFactory(username="canteen_approver")


@pytest.fixture
def other_buyer(db):
    return UserFactory(username="other_canteen_buyer")


@pytest.fixture
def canteen(buyer, approver):
    return make_canteen(name="天河区机关食堂", buyers=[buyer], approvers=[approver])


@pytest.fixture
def other_canteen(other_buyer):
    return make_canteen(name="越秀区机关食堂", buyers=[other_buyer])


@pytest.fixture
def bulk_order(buyer, canteen, other_canteen, cooperative):
    """40 kg of rice at 12.50 a kg: 500.00 yuan."""
    rice = ProductFactory(title="连州大米", net_weight_kg=D("1"))
    make_lot(cooperative=cooperative, product=rice, kg="100", unit_price="12.50")
    placed = place(buyer, canteen, [(rice, 40)])
    assert placed.order.total_incl_tax == D("500.00")
    return placed


@pytest.fixture
def number(bulk_order):
    return bulk_order.order.number


def pay(api, user, number, method="pm_card_visa", key=None, **body):
    api.force_authenticate(user)
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(
        card_url(number), {"payment_method": method, **body}, format="json", **headers
    )


def creates(fake_stripe) -> list:
    """The create calls Stripe received: (amount in fen, idempotency key)."""
    return [
        (params["amount"], key)
        for method, path, params, key in fake_stripe.requests
        if (method, path) == ("POST", "/v1/payment_intents")
    ]


def oscar_state(order) -> dict:
    return {
        "sources": sorted(
            Source.objects.filter(order=order).values_list(
                "reference", "amount_allocated", "amount_debited"
            )
        ),
        "events": [e.event_type.name for e in order.payment_events.order_by("pk")],
    }


# --- the API: the buyer of the canteen --------------------------------------------


def test_a_buyer_pays_the_order_by_card(api, buyer, bulk_order, number, fake_stripe):
    answer = pay(api, buyer, number)

    payment = Payment.objects.get()
    assert answer.status_code == 200
    assert answer.json() == {
        "order": number,
        "payment": payment.pk,
        "status": "succeeded",
        "amount": "500.00",
        "currency": "CNY",
        "refunded": "0.00",
        "client_secret": "",
        "next_action": None,
    }
    assert (payment.order_id, payment.idempotency_key, payment.request_key) == (
        bulk_order.pk,
        f"order-{number}-1",
        "",
    )
    assert creates(fake_stripe) == [("50000", f"order-{number}-1")]
    assert oscar_state(bulk_order.order) == {
        "sources": [(payment.intent_id, D("500.00"), D("500.00"))],
        "events": ["paid"],
    }
    assert not selectors.card_payable(bulk_order.order)


def test_three_d_secure_answers_the_client_secret_and_the_banks_page(
    api, buyer, number, fake_stripe
):
    answer = pay(
        api,
        buyer,
        number,
        method="pm_card_threeDSecure2Required",
        return_url="https://canteen.example/paid",
    )

    payment = Payment.objects.get()
    intent = fake_stripe.intents[payment.intent_id]
    assert answer.status_code == 200
    assert answer.json() == {
        "order": number,
        "payment": payment.pk,
        "status": "requires_action",
        "amount": "500.00",
        "currency": "CNY",
        "refunded": "0.00",
        "client_secret": f"{payment.intent_id}_secret_fake",
        "next_action": {
            "type": "redirect_to_url",
            "redirect_url": f"{fake_stripe.base_url}/3ds/{payment.intent_id}",
        },
    }
    assert intent["next_action"]["redirect_to_url"]["return_url"] == (
        "https://canteen.example/paid"
    )


def test_the_webhook_completes_a_three_d_secure_payment(
    api,
    buyer,
    bulk_order,
    number,
    fake_stripe,
    deliver_webhook,
    django_capture_on_commit_callbacks,
):
    pay(api, buyer, number, method="pm_card_threeDSecure2Required")
    payment = Payment.objects.get()
    fake_stripe.authenticate(payment.intent_id)
    [event] = fake_stripe.events_of("payment_intent.succeeded")

    with django_capture_on_commit_callbacks(execute=True):
        deliver_webhook(event)
    again = pay(api, buyer, number)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert oscar_state(bulk_order.order) == {
        "sources": [(payment.intent_id, D("500.00"), D("500.00"))],
        "events": ["pending", "paid"],
    }
    assert (again.status_code, again.json()) == (
        409,
        {"detail": f"Order {number} is already paid.", "code": "already_paid"},
    )


def test_a_declined_card_answers_402_and_the_next_card_is_a_new_attempt(
    api, buyer, bulk_order, number, fake_stripe
):
    declined = pay(api, buyer, number, method="pm_card_chargeDeclined")
    failed = Payment.objects.get()
    assert (declined.status_code, declined.json()) == (
        402,
        {
            "detail": "Your card was declined.",
            "code": "card_declined",
            "payment": failed.pk,
        },
    )
    assert (failed.status, failed.order_id) == (PaymentStatus.FAILED, None)
    assert oscar_state(bulk_order.order) == {"sources": [], "events": []}

    paid = pay(api, buyer, number)

    assert (paid.status_code, paid.json()["status"]) == (200, "succeeded")
    assert creates(fake_stripe) == [
        ("50000", f"order-{number}-1"),
        ("50000", f"order-{number}-2"),
    ]


def test_an_order_already_paid_answers_409_and_charges_nothing(
    api, buyer, number, fake_stripe
):
    pay(api, buyer, number)
    sent = list(fake_stripe.requests)

    again = pay(api, buyer, number, method="pm_card_mastercard")

    assert (again.status_code, again.json()) == (
        409,
        {"detail": f"Order {number} is already paid.", "code": "already_paid"},
    )
    assert fake_stripe.requests == sent
    assert Payment.objects.count() == 1


def test_a_cancelled_order_answers_409(api, buyer, bulk_order, number, fake_stripe):
    buyer_side.cancel_order(order_id=bulk_order.pk, user=buyer, reason="")

    answer = pay(api, buyer, number)

    assert (answer.status_code, answer.json()) == (
        409,
        {"detail": "A cancelled order cannot be paid.", "code": "cancelled"},
    )
    assert fake_stripe.requests == []
    assert Payment.objects.count() == 0


def test_an_order_on_the_canteens_account_answers_409(
    api, buyer, canteen, cooperative, staff, fake_stripe
):
    open_account(staff, canteen, limit="5000.00")
    rice = ProductFactory(title="英德大米", net_weight_kg=D("1"))
    make_lot(cooperative=cooperative, product=rice, kg="100", unit_price="10.00")
    on_account = place(buyer, canteen, [(rice, 10)]).order.number

    answer = pay(api, buyer, on_account)

    assert (answer.status_code, answer.json()) == (
        409,
        {
            "detail": f"Order {on_account} is bought on the canteen's account: it "
            "is invoiced for what is received and paid by bank transfer.",
            "code": "on_account",
        },
    )
    assert fake_stripe.requests == []


def test_an_order_received_unpaid_is_paid_for_what_was_received(
    api, buyer, bulk_order, number, fake_stripe, django_capture_on_commit_callbacks
):
    deliver(bulk_order)
    with django_capture_on_commit_callbacks(execute=True):
        receive(buyer, bulk_order, "36")  # 4 of 40 kg missing: 450.00 owed

    answer = pay(api, buyer, number)

    assert (answer.status_code, answer.json()["amount"]) == (200, "450.00")
    assert creates(fake_stripe) == [("45000", f"order-{number}-1")]
    assert refund_short_receipt(receipt_id=bulk_order.receipt.pk) == []


def test_a_payment_still_processing_answers_409(api, buyer, number, fake_stripe):
    first = pay(api, buyer, number, method="pm_card_processing")

    second = pay(api, buyer, number)

    assert first.json()["status"] == "processing"
    assert (second.status_code, second.json()["code"]) == (409, "payment_under_way")
    assert len(fake_stripe.intents) == 1


def test_a_new_card_cancels_a_three_d_secure_attempt_left_half_way(
    api, buyer, number, fake_stripe
):
    pay(api, buyer, number, method="pm_card_threeDSecure2Required")
    waiting = Payment.objects.get()

    paid = pay(api, buyer, number)

    waiting.refresh_from_db()
    assert (paid.status_code, paid.json()["status"]) == (200, "succeeded")
    assert waiting.status == PaymentStatus.CANCELED
    assert fake_stripe.intents[waiting.intent_id]["status"] == "canceled"
    assert statuses(waiting)[-1] == ("requires_action", "canceled", "status")
    assert creates(fake_stripe) == [
        ("50000", f"order-{number}-1"),
        ("50000", f"order-{number}-2"),
    ]
    assert list(
        Payment.objects.filter(status=PaymentStatus.SUCCEEDED).values_list(
            "amount", flat=True
        )
    ) == [D("500.00")]


def test_without_stripe_keys_card_payment_answers_503(api, buyer, number, stripe_off):
    answer = pay(api, buyer, number)

    assert (answer.status_code, answer.json()) == (
        503,
        {"detail": OFF, "code": "card_payment_off"},
    )
    assert Payment.objects.count() == 0


def test_a_bad_payment_method_answers_400_and_sends_nothing(
    api, buyer, number, fake_stripe
):
    answer = pay(api, buyer, number, method="4242424242424242")

    assert (answer.status_code, answer.json()) == (
        400,
        {"payment_method": ["Not a Stripe payment method id (pm_...)."]},
    )
    assert fake_stripe.requests == []


# --- the API: idempotency keys ----------------------------------------------------


def test_the_same_idempotency_key_answers_the_same_payment(
    api, buyer, number, fake_stripe
):
    first = pay(api, buyer, number, key="pay-1")
    again = pay(api, buyer, number, key="pay-1")

    payment = Payment.objects.get()
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert payment.request_key == f"api-{buyer.pk}-pay-1"
    assert len(creates(fake_stripe)) == 1


def test_the_same_key_with_another_card_answers_422(api, buyer, number, fake_stripe):
    pay(api, buyer, number, key="pay-1")

    other = pay(api, buyer, number, method="pm_card_mastercard", key="pay-1")

    assert (other.status_code, other.json()) == (
        422,
        {
            "detail": "This request key was already used to pay with another card.",
            "code": "idempotency_key_reused",
        },
    )
    assert len(creates(fake_stripe)) == 1


def test_a_declined_request_sent_again_is_declined_again_without_a_new_charge(
    api, buyer, number, fake_stripe
):
    first = pay(api, buyer, number, method="pm_card_chargeDeclined", key="k")
    again = pay(api, buyer, number, method="pm_card_chargeDeclined", key="k")

    assert first.status_code == again.status_code == 402
    assert again.json() == first.json()
    assert len(creates(fake_stripe)) == 1
    assert Payment.objects.count() == 1


def test_an_idempotency_key_over_200_characters_answers_400(
    api, buyer, number, fake_stripe
):
    answer = pay(api, buyer, number, key="k" * 201)

    assert answer.status_code == 400
    assert answer.json() == {
        "idempotency_key": ["Ensure this field has no more than 200 characters."]
    }
    assert fake_stripe.requests == []


# --- the API: other roles ---------------------------------------------------------


def test_a_buyer_of_another_canteen_gets_404_like_a_missing_order(
    api, other_buyer, number, fake_stripe
):
    theirs = pay(api, other_buyer, number)
    missing = pay(api, other_buyer, "999999")

    assert (theirs.status_code, theirs.json()) == (404, {"detail": "Not found."})
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not found."})
    assert fake_stripe.requests == []


@pytest.mark.parametrize("role", ["staff", "approver"])
def test_users_who_buy_for_no_canteen_get_403(
    api, role, staff, approver, number, fake_stripe
):
    user = {"staff": staff, "approver": approver}[role]

    answer = pay(api, user, number)

    assert (answer.status_code, answer.json()) == (
        403,
        {"detail": "Only a canteen's buyers can pay its orders by card."},
    )
    assert fake_stripe.requests == []


def test_anonymous_gets_401(number, fake_stripe):
    answer = APIClient().post(
        card_url(number), {"payment_method": "pm_card_visa"}, format="json"
    )

    assert (answer.status_code, answer.json()) == (
        401,
        {"detail": "Authentication credentials were not provided."},
    )
    assert fake_stripe.requests == []


def test_the_schema_documents_the_card_payment_without_warnings(api, staff):
    GENERATOR_STATS.reset()
    api.force_authenticate(staff)

    response = api.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert not GENERATOR_STATS, "drf-spectacular warned"
    paths = response.json()["paths"]
    operation = paths["/api/v1/bulk-orders/{number}/card-payment/"]["post"]
    assert operation["operationId"] == "bulk_orders_card_payment_create"
    assert sorted(operation["responses"]) == [
        "200",
        "400",  # this and 401, 415, 429: DRF's own refusals (shop/api/schema.py)
        "401",
        "402",
        "403",
        "404",
        "409",
        "415",
        "422",
        "429",
        "502",
        "503",
    ]
    ids = [op["operationId"] for item in paths.values() for op in item.values()]
    assert len(ids) == len(set(ids))


# --- the page ---------------------------------------------------------------------


def submission(page) -> str:
    [token] = re.findall(r'name="submission" value="([0-9a-f]{32})"', page.text)
    return token


def test_the_order_page_links_to_the_card_payment(client, buyer, number):
    client.force_login(buyer)

    page = client.get(f"/canteen/orders/{number}/")

    assert page.status_code == 200
    assert f'id="card_payment_link" href="{page_url(number)}"' in page.text


def test_a_cancelled_order_page_has_no_card_payment_link(
    client, buyer, bulk_order, number
):
    buyer_side.cancel_order(order_id=bulk_order.pk, user=buyer, reason="")
    client.force_login(buyer)

    page = client.get(f"/canteen/orders/{number}/")

    assert page.status_code == 200
    assert "card_payment_link" not in page.text


def test_a_buyer_pays_on_the_page(client, buyer, bulk_order, number, fake_stripe):
    client.force_login(buyer)
    form = client.get(page_url(number))
    assert form.status_code == 200
    assert 'id="pay-by-card-form"' in form.text
    token = submission(form)

    paid = client.post(
        page_url(number), {"payment_method": "pm_card_visa", "submission": token}
    )
    again = client.post(
        page_url(number), {"payment_method": "pm_card_visa", "submission": token}
    )

    payment = Payment.objects.get()
    assert (paid.status_code, paid["Location"]) == (302, f"/canteen/orders/{number}/")
    assert (again.status_code, again["Location"]) == (
        302,
        f"/canteen/orders/{number}/",
    )
    assert (payment.status, payment.order_id, payment.request_key) == (
        PaymentStatus.SUCCEEDED,
        bulk_order.pk,
        f"page-{buyer.pk}-{token}",
    )
    assert len(creates(fake_stripe)) == 1
    shown = client.get(page_url(number))
    assert "pay-by-card-form" not in shown.text
    assert f"Order {number} is already paid." in shown.text


def test_a_declined_card_on_the_page_says_why_and_offers_a_new_attempt(
    client, buyer, number, fake_stripe
):
    client.force_login(buyer)
    token = submission(client.get(page_url(number)))

    refused = client.post(
        page_url(number),
        {"payment_method": "pm_card_chargeDeclined", "submission": token},
    )

    assert refused.status_code == 400
    assert (
        '<div class="alert alert-danger" id="card_error" role="alert">'
        "Your card was declined.</div>" in refused.text
    )
    assert submission(refused) != token
    assert Payment.objects.get().status == PaymentStatus.FAILED


def test_three_d_secure_on_the_page_goes_to_the_bank_and_back(
    client, buyer, number, fake_stripe
):
    client.force_login(buyer)
    token = submission(client.get(page_url(number)))

    sent = client.post(
        page_url(number),
        {"payment_method": "pm_card_threeDSecure2Required", "submission": token},
    )
    payment = Payment.objects.get()
    action = fake_stripe.intents[payment.intent_id]["next_action"]["redirect_to_url"]
    fake_stripe.authenticate(payment.intent_id)  # before the webhook arrives
    back = client.get(page_url(number), {"payment_intent": payment.intent_id})

    assert (sent.status_code, sent["Location"]) == (
        302,
        f"{fake_stripe.base_url}/3ds/{payment.intent_id}",
    )
    assert action["return_url"] == f"http://testserver{page_url(number)}"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert back.status_code == 200
    assert f"Order {number} is paid: 500.00 yuan by card." in back.text


def test_the_page_without_stripe_keys_says_card_payment_is_off(
    client, buyer, number, stripe_off
):
    client.force_login(buyer)

    page = client.get(page_url(number))
    posted = client.post(
        page_url(number), {"payment_method": "pm_card_visa", "submission": "a" * 32}
    )

    assert page.status_code == 200
    assert 'id="card-payment-off"' in page.text
    assert "pay-by-card-form" not in page.text
    assert posted.status_code == 503
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("role", ["staff", "approver"])
def test_staff_and_approvers_see_the_page_but_cannot_pay(
    client, role, staff, approver, number, fake_stripe
):
    client.force_login({"staff": staff, "approver": approver}[role])

    page = client.get(page_url(number))
    posted = client.post(
        page_url(number), {"payment_method": "pm_card_visa", "submission": "a" * 32}
    )

    assert page.status_code == 200
    assert 'id="buyers_only"' in page.text
    assert "pay-by-card-form" not in page.text
    assert posted.status_code == 403
    assert fake_stripe.requests == []


def test_a_buyer_of_another_canteen_gets_404_on_the_page(
    client, other_buyer, number, fake_stripe
):
    client.force_login(other_buyer)

    page = client.get(page_url(number))
    posted = client.post(
        page_url(number), {"payment_method": "pm_card_visa", "submission": "a" * 32}
    )

    assert (page.status_code, posted.status_code) == (404, 404)
    assert fake_stripe.requests == []


def test_anonymous_visitors_are_sent_to_log_in(client, number, fake_stripe):
    page = client.get(page_url(number))
    posted = client.post(page_url(number), {"payment_method": "pm_card_visa"})

    assert page.status_code == posted.status_code == 302
    assert page["Location"] == f"/accounts/login/?next={page_url(number)}"
    assert fake_stripe.requests == []
