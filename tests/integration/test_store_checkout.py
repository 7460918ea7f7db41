"""The store's checkout with card payment through Stripe (the fake API), page by
page with the test client: pay, refused card, 3-D Secure paid by webhook, and card
payment switched off without keys."""

import pytest
from django.test import override_settings
from oscar.apps.order.models import Order
from oscar.core.loading import get_model

from payments.models import Payment, PaymentStatus
from tests.factories import ProductFactory, UserFactory, make_lot
from tests.integration.payments_helpers import D

pytestmark = pytest.mark.django_db
Country = get_model("address", "Country")
Source = get_model("payment", "Source")

ADDRESS = {
    "first_name": "晓明",
    "last_name": "李",
    "line1": "天河路 385 号",
    "line4": "广州",
    "postcode": "510620",
    "country": "CN",
}


@pytest.fixture
def shopper_in_checkout(client, cooperative):
    """A shopper with 2 units (128 yuan each) in the basket and an address given:
    at the payment step."""
    Country.objects.create(
        iso_3166_1_a2="CN",
        iso_3166_1_a3="CHN",
        iso_3166_1_numeric="156",
        printable_name="China",
        name="China",
        is_shipping_country=True,
    )
    product = ProductFactory()
    make_lot(cooperative=cooperative, product=product, kg="50", unit_price="128.00")
    client.force_login(UserFactory(username="shopper"))
    added = client.post(
        f"/basket/add/{product.pk}/", {"quantity": 2}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert added.status_code == 302
    given = client.post("/checkout/shipping-address/", ADDRESS)
    assert given.status_code == 302
    # One shipping method (Oscar's free one) and one way to pay: both steps pass.
    steps = client.get(given.url, follow=True)
    assert steps.redirect_chain[-1][0] == "/checkout/payment-details/"
    return client


def place(client, method):
    preview = client.post("/checkout/preview/", {"payment_method": method})
    assert preview.status_code == 200
    assert "Place order" in preview.content.decode()
    return client.post("/checkout/preview/", {"action": "place_order"})


def test_checkout_pays_by_card(shopper_in_checkout, fake_stripe):
    client = shopper_in_checkout
    details = client.get("/checkout/payment-details/")
    assert 'name="payment_method"' in details.content.decode()

    placed = place(client, "pm_card_visa")

    assert placed.status_code == 302
    assert placed.url == "/checkout/thank-you/"
    order = Order.objects.get()
    assert order.total_incl_tax == D("256.00")
    payment = Payment.objects.get()
    assert (payment.order, payment.order_number, payment.amount, payment.status) == (
        order,
        order.number,
        D("256.00"),
        PaymentStatus.SUCCEEDED,
    )
    [intent] = fake_stripe.intents.values()
    assert intent["amount"] == 25600
    assert fake_stripe.requests[0][3] == f"checkout-{order.number}-1"
    source = Source.objects.get(order=order)
    assert (source.source_type.name, source.reference) == ("Stripe", payment.intent_id)
    assert (source.amount_allocated, source.amount_debited) == (D("256.00"),) * 2
    assert [e.event_type.name for e in order.payment_events.all()] == ["paid"]
    assert client.get("/checkout/thank-you/").status_code == 200


def test_a_declined_card_places_no_order_and_says_why(shopper_in_checkout, fake_stripe):
    client = shopper_in_checkout

    refused = place(client, "pm_card_chargeDeclined")

    assert refused.status_code == 200
    assert "Your card was declined." in refused.content.decode()
    assert Order.objects.count() == 0
    assert Payment.objects.get().status == PaymentStatus.FAILED
    # Another card, another attempt (a new idempotency key), and it is paid.
    assert place(client, "pm_card_visa").status_code == 302
    assert Order.objects.count() == 1
    assert [r[3][-2:] for r in fake_stripe.requests] == ["-1", "-2"]


def test_three_d_secure_then_the_webhook_marks_the_order_paid(
    shopper_in_checkout,
    fake_stripe,
    deliver_webhook,
    django_capture_on_commit_callbacks,
):
    client = shopper_in_checkout

    placed = place(client, "pm_card_threeDSecure2Required")

    payment = Payment.objects.get()
    assert placed.status_code == 302
    assert placed.url == f"{fake_stripe.base_url}/3ds/{payment.intent_id}"
    order = Order.objects.get()
    assert payment.order == order
    assert payment.status == PaymentStatus.REQUIRES_ACTION
    source = Source.objects.get(order=order)
    assert (source.amount_allocated, source.amount_debited) == (D("256.00"), D("0"))
    assert [e.event_type.name for e in order.payment_events.all()] == ["pending"]

    fake_stripe.authenticate(payment.intent_id)
    [event] = fake_stripe.events_of("payment_intent.succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_webhook(event).status_code == 200

    payment.refresh_from_db()
    source.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert source.amount_debited == D("256.00")
    assert [e.event_type.name for e in order.payment_events.order_by("pk")] == [
        "pending",
        "paid",
    ]


def test_without_keys_the_payment_step_says_card_payment_is_off(
    shopper_in_checkout, stripe_off
):
    client = shopper_in_checkout

    details = client.get("/checkout/payment-details/")
    html = details.content.decode()
    assert details.status_code == 200
    assert "Card payment is switched off" in html
    assert 'name="payment_method"' not in html
    refused = client.post("/checkout/preview/", {"payment_method": "pm_card_visa"})
    assert "Card payment is switched off" in refused.content.decode()
    # The preview cannot be reached, so no order can be placed.
    placed = client.post("/checkout/preview/", {"action": "place_order"})
    assert placed.status_code == 302
    assert placed.url == "/checkout/payment-details/"
    assert Order.objects.count() == 0
    # The rest of the shop works.
    assert client.get("/catalogue/").status_code == 200
    assert client.get("/basket/").status_code == 200


@override_settings(LANGUAGE_CODE="zh-hans")
def test_the_payment_step_speaks_chinese_by_default(shopper_in_checkout, stripe_off):
    details = shopper_in_checkout.get(
        "/checkout/payment-details/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert details.status_code == 200
    assert 'id="card-payment-off"' in details.content.decode()
