"""Love cards: issuing, PINs and their lockout, spending all or nothing,
refunds, expiry; a card's balance is always the sum of its transactions."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from lovecards import numbers, services
from lovecards.errors import CardLocked, CardRefused, NotEnoughBalance, WrongPin
from lovecards.models import (
    CardEvent,
    CardStatus,
    CardTransaction,
    LoveCard,
    TransactionKind,
)
from lovecards.paying import eligible_amount, plan_payment
from tests.caches import clear_cache
from tests.factories import ProductFactory
from tests.integration.lovecard_helpers import D, issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    clear_cache()


def balance_is_its_transactions(card):
    card.refresh_from_db()
    total = card.transactions.aggregate(t=Sum("amount"))["t"]
    assert D(total).quantize(D("0.01")) == card.balance
    return card.balance


def test_issue_batch_hashes_pins_and_numbers_carry_a_check_digit(staff):
    batch, cards = issue(staff, count=50, face_value="300.00")

    assert (batch.count, batch.face_value, batch.issued_by) == (50, D("300.00"), staff)
    stored = {c.number: c for c in LoveCard.objects.filter(batch=batch)}
    assert sorted(stored) == sorted(n for n, _pin in cards)
    assert len(stored) == 50
    for number, pin in cards:
        card = stored[number]
        assert numbers.is_valid(number) and number.startswith(numbers.PREFIX)
        assert len(pin) == 6 and pin.isdigit()
        assert pin not in card.pin_hash
        assert card.pin_hash.startswith("md5$")  # the test settings' hasher
        assert card.balance == D("300.00")
    issues = CardTransaction.objects.filter(kind=TransactionKind.ISSUE)
    assert issues.count() == 50
    assert set(issues.values_list("amount", "balance_after")) == {
        (D("300.00"), D("300.00"))
    }
    # Not a sequence: sorted numbers are not consecutive.
    ordered = sorted(int(n[:-1]) for n in stored)
    assert any(b - a > 1 for a, b in itertools.pairwise(ordered))


def test_a_mistyped_digit_fails_the_check_digit():
    number = numbers.new_number()
    wrong = number[:5] + str((int(number[5]) + 1) % 10) + number[6:]
    assert numbers.is_valid(number)
    assert not numbers.is_valid(wrong)
    assert numbers.normalise("8668 1234-5678 9012") == "8668123456789012"


def test_issue_refuses_bad_input_and_writes_nothing(staff):
    today = timezone.localdate()
    for kwargs in (
        {"face_value": D("0"), "expires_on": today + datetime.timedelta(1), "count": 1},
        {
            "face_value": D("1.001"),
            "expires_on": today + datetime.timedelta(1),
            "count": 1,
        },
        {"face_value": D("10"), "expires_on": today, "count": 1},
        {
            "face_value": D("10"),
            "expires_on": today + datetime.timedelta(1),
            "count": 0,
        },
    ):
        with pytest.raises(ValidationError):
            services.issue_batch(organisation_name="工会", issued_by=staff, **kwargs)
    assert LoveCard.objects.count() == 0


def test_spend_exact_balance(staff):
    _batch, [(number, _pin), _other] = issue(staff)

    [tx] = services.spend(cards=[(number, D("200.00"))], order_number="100001")

    card = LoveCard.objects.get(number=number)
    assert (tx.kind, tx.amount, tx.balance_after, tx.order_number) == (
        TransactionKind.SPEND,
        D("-200.00"),
        D("0.00"),
        "100001",
    )
    assert balance_is_its_transactions(card) == D("0.00")
    with pytest.raises(NotEnoughBalance):
        services.spend(cards=[(number, D("0.01"))], order_number="100002")
    assert balance_is_its_transactions(card) == D("0.00")


def test_two_cards_are_spent_all_or_nothing(staff):
    _batch, [(a, _pa), (b, _pb)] = issue(staff, face_value="100.00")
    services.spend(cards=[(b, D("90.00"))], order_number="100001")

    with pytest.raises(NotEnoughBalance):
        services.spend(cards=[(a, D("50.00")), (b, D("20.00"))], order_number="100002")

    assert LoveCard.objects.get(number=a).balance == D("100.00")
    assert LoveCard.objects.get(number=b).balance == D("10.00")
    assert not CardTransaction.objects.filter(order_number="100002").exists()
    services.spend(cards=[(a, D("50.00")), (b, D("10.00"))], order_number="100003")
    assert balance_is_its_transactions(LoveCard.objects.get(number=a)) == D("50.00")
    assert balance_is_its_transactions(LoveCard.objects.get(number=b)) == D("0.00")


def test_spend_refuses_above_the_eligible_amount(staff):
    _batch, [(number, _pin), _other] = issue(staff)
    with pytest.raises(CardRefused):
        services.spend(
            cards=[(number, D("60.00"))], order_number="1", eligible=D("59.99")
        )
    assert LoveCard.objects.get(number=number).balance == D("200.00")


def test_the_database_refuses_a_negative_balance(staff):
    _batch, [(number, _pin), _other] = issue(staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        LoveCard.objects.filter(number=number).update(balance=D("-0.01"))


def test_five_wrong_pins_lock_the_card_for_thirty_minutes(staff, settings):
    _batch, [(number, pin), _other] = issue(staff)
    card = LoveCard.objects.get(number=number)

    for attempt in range(1, 5):
        with pytest.raises(WrongPin):
            services.check_card(number=number, pin="000000" if pin != "000000" else "1")
        card.refresh_from_db()
        assert (card.failed_attempts, card.status) == (attempt, CardStatus.ACTIVE)
    with pytest.raises(CardLocked):
        services.check_card(number=number, pin="x")
    card.refresh_from_db()
    assert card.status == CardStatus.LOCKED
    assert card.locked_until > timezone.now() + datetime.timedelta(minutes=29)
    # Locked: even the right PIN is refused, and spending too.
    with pytest.raises(CardLocked):
        services.check_card(number=number, pin=pin)
    with pytest.raises(CardLocked):
        services.spend(cards=[(number, D("1.00"))], order_number="1")
    assert list(card.events.values_list("kind", flat=True)) == ["wrong_pin"] * 5 + [
        "locked"
    ]

    # After the window the right PIN works again, and the counter starts over.
    LoveCard.objects.filter(pk=card.pk).update(
        locked_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert services.check_card(number=number, pin=pin).pk == card.pk
    card.refresh_from_db()
    assert (card.status, card.failed_attempts, card.locked_until) == (
        CardStatus.ACTIVE,
        0,
        None,
    )
    assert card.events.last().kind == "unlocked"


def test_a_right_pin_resets_the_counter(staff):
    _batch, [(number, pin), _other] = issue(staff)
    for _ in range(3):
        with pytest.raises(WrongPin):
            services.check_card(number=number, pin="bad")
    services.check_card(number=number, pin=pin)
    assert LoveCard.objects.get(number=number).failed_attempts == 0


def test_staff_unlock_a_locked_card(staff):
    _batch, [(number, pin), _other] = issue(staff)
    for _ in range(5):
        with pytest.raises(CardRefused):
            services.check_card(number=number, pin="bad")
    card = LoveCard.objects.get(number=number)

    services.unlock_card(card_id=card.pk, actor=staff)

    assert services.check_card(number=number, pin=pin).status == CardStatus.ACTIVE
    assert card.events.filter(kind="unlocked", actor=staff).exists()


def test_one_client_trying_many_numbers_is_slowed_down(staff):
    _batch, [(number, pin), _other] = issue(staff)
    for _ in range(services.MAX_WRONG_PER_CLIENT):
        with pytest.raises(WrongPin):
            services.check_card(
                number=numbers.new_number(), pin="123456", client="10.0.0.9"
            )
    with pytest.raises(CardRefused) as refused:
        services.check_card(number=number, pin=pin, client="10.0.0.9")
    assert "Too many" in refused.value.message
    # Another client, and the card itself, are not affected.
    assert services.check_card(number=number, pin=pin, client="10.0.0.10")


def test_unknown_number_and_wrong_pin_say_the_same(staff):
    _batch, [(number, _pin), _other] = issue(staff)
    with pytest.raises(WrongPin) as unknown:
        services.check_card(number=numbers.new_number(), pin="123456")
    with pytest.raises(WrongPin) as wrong:
        services.check_card(number=number, pin="bad")
    assert unknown.value.message == wrong.value.message


def test_cancelled_and_expired_cards_cannot_be_spent(staff):
    _batch, [(a, pin_a), (b, _pb)] = issue(staff)
    services.cancel_card(card_id=LoveCard.objects.get(number=a).pk, actor=staff)
    with pytest.raises(CardRefused):
        services.spend(cards=[(a, D("1.00"))], order_number="1")
    with pytest.raises(CardRefused):
        services.check_card(number=a, pin=pin_a)
    _old, [(c, _pc)] = issue(staff, count=1, days=1)
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)

    assert services.expire_cards(today=tomorrow) == 1  # the other batch runs a year
    card = LoveCard.objects.get(number=c)
    assert (card.status, balance_is_its_transactions(card)) == (
        CardStatus.EXPIRED,
        D("0.00"),
    )
    assert card.transactions.last().kind == TransactionKind.EXPIRY
    assert services.expire_cards(today=tomorrow) == 0
    assert LoveCard.objects.get(number=b).status == CardStatus.ACTIVE
    assert CardEvent.objects.filter(kind="expired").count() == 1


def test_refund_to_card_gives_back_at_most_what_it_paid(staff):
    _batch, [(number, _pin), _other] = issue(staff)
    services.spend(cards=[(number, D("80.00"))], order_number="100001")

    services.refund_to_card(
        number=number, order_number="100001", amount=D("30.00"), reason="short"
    )
    with pytest.raises(ValidationError):
        services.refund_to_card(
            number=number, order_number="100001", amount=D("50.01"), reason="x"
        )

    card = LoveCard.objects.get(number=number)
    assert balance_is_its_transactions(card) == D("150.00")


def test_uncertified_lines_are_not_payable_by_card():
    certified = ProductFactory()
    expired = ProductFactory(
        certificate_valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    none = ProductFactory(certificate_number="")
    lines = [(certified, D("128.00")), (expired, D("60.00")), (none, D("12.00"))]

    assert eligible_amount(lines) == D("128.00")
    plan = plan_payment(
        balances=[("a", D("100.00")), ("b", D("100.00"))],
        eligible=D("128.00"),
        total=D("200.00"),
    )
    assert plan.cards == (("a", D("100.00")), ("b", D("28.00")))
    assert plan.rest == D("72.00")
