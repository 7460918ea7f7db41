"""The store checkout with love cards: the cards pay the certified produce, the
fake Stripe the rest, or nothing when the cards cover the order (card payment
switched off); a refused card places no order and debits nothing; dispatched
love-card orders count in the love-card channel and the books still verify."""

import io

import pytest
from django.core.management import call_command
from oscar.apps.order.models import Order
from oscar.core.loading import get_class, get_model

from channels.services import ONLINE_STORE, online_store
from ledger.audit import verify_ledger
from ledger.models import LedgerEntry, SourceKind
from lovecards import channel, services
from lovecards.models import CardTransaction, LoveCard
from payments.models import Payment, PaymentStatus, Refund
from tests.caches import clear_cache
from tests.factories import ProductFactory, UserFactory, make_lot
from tests.integration.lovecard_helpers import D, issue
from tests.integration.test_store_checkout import ADDRESS

pytestmark = pytest.mark.django_db
Country = get_model("address", "Country")
Source = get_model("payment", "Source")
EventHandler = get_class("order.processing", "EventHandler")
ShippingEventType = get_model("order", "ShippingEventType")


@pytest.fixture(autouse=True)
def _empty_cache():
    clear_cache()


@pytest.fixture
def shopper_in_checkout(client, cooperative):
    """As in ``test_store_checkout``: 2 units at 128 yuan (certified produce) in
    the basket, an address given, at the payment step."""
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
    assert client.post(f"/basket/add/{product.pk}/", {"quantity": 2}).status_code == 302
    given = client.post("/checkout/shipping-address/", ADDRESS)
    steps = client.get(given.url, follow=True)
    assert steps.redirect_chain[-1][0] == "/checkout/payment-details/"
    return client


def cards_form(*cards, method=""):
    data = {"payment_method": method} if method else {}
    for slot, (number, pin) in enumerate(cards, start=1):
        data[f"love_card_{slot}"] = number
        data[f"love_pin_{slot}"] = pin
    return data


def place(client, data):
    preview = client.post("/checkout/preview/", data)
    assert preview.status_code == 200
    assert "Place order" in preview.content.decode(), preview.content.decode()
    return client.post("/checkout/preview/", {"action": "place_order"})


def balance(number):
    return LoveCard.objects.get(number=number).balance


def test_a_card_pays_part_and_stripe_the_rest(shopper_in_checkout, fake_stripe, staff):
    client = shopper_in_checkout
    _batch, [card] = issue(staff, count=1, face_value="200.00")
    details = client.get("/checkout/payment-details/").content.decode()
    assert 'name="love_card_1"' in details and 'name="payment_method"' in details

    placed = place(client, cards_form(card, method="pm_card_visa"))

    assert placed.status_code == 302 and placed.url == "/checkout/thank-you/"
    order = Order.objects.get()
    assert order.total_incl_tax == D("256.00")
    assert balance(card[0]) == D("0.00")
    [spent] = CardTransaction.objects.filter(kind="spend")
    assert (spent.amount, spent.order_number) == (D("-200.00"), order.number)
    payment = Payment.objects.get()
    assert (payment.amount, payment.status, payment.order) == (
        D("56.00"),
        PaymentStatus.SUCCEEDED,
        order,
    )
    [intent] = fake_stripe.intents.values()
    assert intent["amount"] == 5600
    assert fake_stripe.requests[0][3] == f"checkout-lovecard-{order.number}-1"
    sources = {
        s.source_type.name: (s.amount_allocated, s.amount_debited)
        for s in Source.objects.filter(order=order)
    }
    assert sources == {
        "Love card": (D("200.00"), D("200.00")),
        "Stripe": (D("56.00"), D("56.00")),
    }
    assert sorted(
        (e.event_type.name, e.amount) for e in order.payment_events.all()
    ) == [("paid", D("56.00")), ("paid", D("200.00"))]


def test_cards_covering_the_order_need_no_stripe_even_switched_off(
    shopper_in_checkout, stripe_off, staff
):
    client = shopper_in_checkout
    _batch, [a, b] = issue(staff, count=2, face_value="200.00")
    details = client.get("/checkout/payment-details/").content.decode()
    assert "Card payment is switched off" in details
    assert 'name="love_card_1"' in details

    placed = place(client, cards_form(a, b))

    assert placed.status_code == 302 and placed.url == "/checkout/thank-you/"
    order = Order.objects.get()
    assert (balance(a[0]), balance(b[0])) == (D("0.00"), D("144.00"))
    assert Payment.objects.count() == 0
    assert sorted(
        Source.objects.filter(order=order).values_list("amount_debited", flat=True)
    ) == [D("56.00"), D("200.00")]


def test_switched_off_cards_short_of_the_total_say_so(
    shopper_in_checkout, stripe_off, staff
):
    client = shopper_in_checkout
    _batch, [card] = issue(staff, count=1, face_value="100.00")

    refused = client.post("/checkout/preview/", cards_form(card))

    assert "the remaining 156.00 yuan must be paid by bank card" in (
        refused.content.decode()
    )
    placed = client.post("/checkout/preview/", {"action": "place_order"})
    assert placed.status_code == 302
    assert placed.url == "/checkout/payment-details/"
    assert Order.objects.count() == 0
    assert balance(card[0]) == D("100.00")


def test_a_wrong_pin_places_nothing_and_is_counted(
    shopper_in_checkout, fake_stripe, staff
):
    client = shopper_in_checkout
    _batch, [(number, _pin)] = issue(staff, count=1)

    refused = client.post(
        "/checkout/preview/", cards_form((number, "000000x"), method="pm_card_visa")
    )

    assert "The card number or the PIN is wrong." in refused.content.decode()
    assert LoveCard.objects.get(number=number).failed_attempts == 1
    assert Order.objects.count() == 0 and fake_stripe.requests == []


def test_a_declined_stripe_part_debits_no_card(shopper_in_checkout, fake_stripe, staff):
    client = shopper_in_checkout
    _batch, [card] = issue(staff, count=1, face_value="200.00")

    refused = place(client, cards_form(card, method="pm_card_chargeDeclined"))

    assert refused.status_code == 200
    assert "Your card was declined." in refused.content.decode()
    assert Order.objects.count() == 0
    assert balance(card[0]) == D("200.00")
    assert not CardTransaction.objects.filter(kind="spend").exists()


def test_a_card_drained_after_stripe_paid_gives_the_stripe_part_back(
    shopper_in_checkout, fake_stripe, staff, monkeypatch
):
    """The race the pre-check cannot see: another checkout empties the card
    between the pre-check and the debit under lock."""
    client = shopper_in_checkout
    _batch, [card] = issue(staff, count=1, face_value="200.00")
    preview = client.post("/checkout/preview/", cards_form(card, method="pm_card_visa"))
    assert preview.status_code == 200
    real_check = services.check_spendable

    def drained_meanwhile(**kwargs):
        real_check(**kwargs)
        services.spend(cards=[(card[0], D("150.00"))], order_number="other")

    monkeypatch.setattr(services, "check_spendable", drained_meanwhile)

    refused = client.post("/checkout/preview/", {"action": "place_order"})

    assert refused.status_code == 200
    assert "has only 50.00 yuan left" in refused.content.decode()
    assert Order.objects.count() == 0
    assert balance(card[0]) == D("50.00")  # only the other checkout's spend
    payment = Payment.objects.get()
    refund = Refund.objects.get(payment=payment)
    assert (refund.amount, refund.idempotency_key) == (
        D("56.00"),
        f"lovecard-undo-{payment.intent_id}",
    )


def dispatch_all(order, staff):
    dispatched = ShippingEventType.objects.get_or_create(
        code="dispatched", defaults={"name": "Dispatched"}
    )[0]
    lines = list(order.lines.all())
    EventHandler(user=staff).handle_shipping_event(
        order, dispatched, lines, [line.quantity for line in lines]
    )


def verify() -> str:
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    return out.getvalue()


def test_an_order_paid_mostly_by_card_is_a_love_card_sale(
    shopper_in_checkout, fake_stripe, staff
):
    client = shopper_in_checkout
    _batch, [card] = issue(staff, count=1, face_value="200.00")
    place(client, cards_form(card, method="pm_card_visa"))
    order = Order.objects.get()

    dispatch_all(order, staff)

    entries = LedgerEntry.objects.filter(source_kind=SourceKind.STORE_LINE)
    assert set(entries.values_list("channel__code", flat=True)) == {channel.CODE}
    assert entries.first().channel.kind == "love_card"
    assert verify().startswith("No difference")
    # Entries moved to the online store's channel are a difference of the line.
    entries.update(channel=online_store())
    found = [d for d in verify_ledger() if d.what == "entries"]
    assert {d.key[:2] for d in found} == {("store_line", order.lines.get().pk)}


def test_an_order_paid_mostly_by_stripe_stays_in_the_online_store(
    shopper_in_checkout, fake_stripe, staff
):
    client = shopper_in_checkout
    _batch, [card] = issue(staff, count=1, face_value="100.00")  # 100 of 256
    place(client, cards_form(card, method="pm_card_visa"))
    order = Order.objects.get()

    dispatch_all(order, staff)

    entries = LedgerEntry.objects.filter(source_kind=SourceKind.STORE_LINE)
    assert set(entries.values_list("channel__code", flat=True)) == {ONLINE_STORE}
    assert verify().startswith("No difference")
