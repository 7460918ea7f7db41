"""A canteen that paid its bulk order by card is refunded, automatically, what it
paid for kg it did not receive: per receipt line, paid less owed."""

import pytest
from oscar.core.loading import get_model

from fulfilment import cooperative_side
from fulfilment.delivery import ReceivedLine, confirm_receipt, mark_delivered
from fulfilment.models import Allocation
from payments import services
from payments.models import Payment, Refund, RefundStatus
from payments.shortfalls import refund_key
from payments.tasks import refund_short_receipt
from tests.factories import ProductFactory, UserFactory, make_canteen, make_lot
from tests.integration.bulk import D, place

pytestmark = pytest.mark.django_db
Source = get_model("payment", "Source")


@pytest.fixture
def delivered(cooperative):
    """40 kg of rice at 12.50 a kg and 10 kg of tea at 80.00 a kg, shipped in full
    and delivered: 500.00 + 800.00 yuan."""
    buyer = UserFactory(username="canteen_buyer")
    canteen = make_canteen(buyers=[buyer])
    rice = ProductFactory(title="连州大米", net_weight_kg=D("1"))
    tea = ProductFactory(title="英德红茶", net_weight_kg=D("1"))
    make_lot(cooperative=cooperative, product=rice, kg="100", unit_price="12.50")
    make_lot(cooperative=cooperative, product=tea, kg="100", unit_price="80.00")
    bulk_order = place(buyer, canteen, [(rice, 40), (tea, 10)])
    for allocation in Allocation.objects.order_by("pk"):
        cooperative_side.accept_allocation(allocation_id=allocation.pk)
        cooperative_side.ship_allocation(allocation_id=allocation.pk, kg=allocation.kg)
    mark_delivered(order_id=bulk_order.pk)
    rice_line, tea_line = bulk_order.bulk_lines.order_by("pk")
    return buyer, bulk_order, rice_line, tea_line


def receive(buyer, bulk_order, rice_kg, tea_kg, capture):
    rice_line, tea_line = bulk_order.bulk_lines.order_by("pk")
    with capture(execute=True):
        return confirm_receipt(
            order_id=bulk_order.pk,
            user=buyer,
            lines=[
                ReceivedLine(rice_line.pk, D(rice_kg)),
                ReceivedLine(tea_line.pk, D(tea_kg)),
            ],
        )


def test_a_short_line_is_refunded_the_missing_kg_exactly(
    delivered, fake_stripe, django_capture_on_commit_callbacks
):
    buyer, bulk_order, rice_line, _tea = delivered
    order = bulk_order.order
    paid = services.pay_order_by_card(order=order, payment_method="pm_card_visa")
    assert (paid.payment.amount, paid.payment.status) == (D("1300.00"), "succeeded")

    receipt = receive(
        buyer, bulk_order, "37.999", "10.000", django_capture_on_commit_callbacks
    )

    # 2.001 kg of rice missing at 12.50: 25.0125, rounded so that what is left
    # paid is the receipt's 474.99 (37.999 kg at 12.50, half-up to the fen).
    receipt_line = receipt.lines.get(line=rice_line)
    assert receipt_line.amount == D("474.99")
    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.idempotency_key) == (
        D("25.01"),
        RefundStatus.SUCCEEDED,
        refund_key(receipt_line.pk),
    )
    assert fake_stripe.refunds[refund.stripe_id]["amount"] == 2501
    payment = Payment.objects.get()
    assert payment.refunded == D("25.01")
    assert payment.amount - payment.refunded == sum(
        line.amount for line in receipt.lines.all()
    )
    source = Source.objects.get(order=order)
    assert (source.amount_debited, source.amount_refunded) == (
        D("1300.00"),
        D("25.01"),
    )
    assert [e.event_type.name for e in order.payment_events.order_by("pk")] == [
        "paid",
        "refunded",
    ]


def test_running_the_refund_twice_refunds_once(
    delivered, fake_stripe, django_capture_on_commit_callbacks
):
    buyer, bulk_order, _rice, _tea = delivered
    services.pay_order_by_card(order=bulk_order.order, payment_method="pm_card_visa")
    receipt = receive(
        buyer, bulk_order, "38.000", "9.500", django_capture_on_commit_callbacks
    )

    with django_capture_on_commit_callbacks(execute=True):
        refund_short_receipt(receipt.pk)  # a re-delivered task

    assert sorted(Refund.objects.values_list("amount", flat=True)) == [
        D("25.00"),
        D("40.00"),
    ]
    assert len(fake_stripe.refunds) == 2
    assert Payment.objects.get().refunded == D("65.00")


def test_an_order_not_paid_by_card_is_left_to_billing(
    delivered, fake_stripe, django_capture_on_commit_callbacks
):
    buyer, bulk_order, _rice, _tea = delivered

    receive(buyer, bulk_order, "30.000", "10.000", django_capture_on_commit_callbacks)

    assert Refund.objects.count() == 0
    assert fake_stripe.requests == []


def test_receipts_work_without_stripe_keys(
    delivered, stripe_off, django_capture_on_commit_callbacks
):
    buyer, bulk_order, _rice, _tea = delivered
    receipt = receive(
        buyer, bulk_order, "30.000", "10.000", django_capture_on_commit_callbacks
    )
    assert receipt.lines.count() == 2
    assert Refund.objects.count() == 0
