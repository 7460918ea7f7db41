"""Love-card rules: issuing, checking a PIN, spending, refunding, status changes.

Every change locks the card rows it touches (``select_for_update``, in card
number order, so two checkouts naming the same cards in another order cannot
deadlock) and writes its ``CardTransaction`` or ``CardEvent`` in the same
transaction. The balance is checked under that lock: two parallel checkouts
spending the same card are serialised, and the second sees what the first left.

Wrong PINs: the counter on the card row is the authority (five in a row lock the
card for thirty minutes); a cache counter per client address only slows down
someone trying many numbers, and is never trusted to let anyone through.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from lovecards import numbers
from lovecards.errors import (
    CardLocked,
    CardRefused,
    NotEnoughBalance,
    TooManyAttempts,
    WrongPin,
)
from lovecards.models import (
    ZERO,
    CardBatch,
    CardEvent,
    CardStatus,
    CardTransaction,
    EventKind,
    LoveCard,
    TransactionKind,
)

MAX_BATCH = 1000
MAX_WRONG_PINS = 5
LOCK_FOR = datetime.timedelta(minutes=30)
# Per client address: wrong numbers or PINs over all cards in the window.
MAX_WRONG_PER_CLIENT = 20
CLIENT_WINDOW_SECONDS = 15 * 60
FEN = Decimal("0.01")


@dataclass(frozen=True)
class IssuedCard:
    number: str
    pin: str  # in clear, once: for the printed card list


@dataclass(frozen=True)
class Issued:
    batch: CardBatch
    cards: tuple[IssuedCard, ...]


# --- issuing -----------------------------------------------------------------------


def _money(amount: Decimal, field: str) -> Decimal:
    if not isinstance(amount, Decimal) or amount != amount.quantize(FEN):
        raise ValidationError({field: _("Give yuan with at most two decimals.")})
    if amount <= ZERO:
        raise ValidationError({field: _("The amount must be above zero.")})
    return amount


@transaction.atomic
def issue_batch(
    *,
    organisation_name: str,
    face_value: Decimal,
    expires_on: datetime.date,
    count: int,
    issued_by,
    organisation=None,
) -> Issued:
    """Issue ``count`` cards of ``face_value`` to an organisation. The PINs are
    returned here, once, for the card list the staff member prints; only their
    hashes are stored."""
    _money(face_value, "face_value")
    if not 1 <= count <= MAX_BATCH:
        raise ValidationError(
            {"count": _("Issue between 1 and %(max)s cards.") % {"max": MAX_BATCH}}
        )
    if expires_on <= timezone.localdate():
        raise ValidationError({"expires_on": _("The expiry must be in the future.")})
    name = (organisation_name or (organisation.name if organisation else "")).strip()
    if not name:
        raise ValidationError({"organisation_name": _("Name the organisation.")})
    batch = CardBatch.objects.create(
        organisation_name=name,
        organisation=organisation,
        face_value=face_value,
        expires_on=expires_on,
        count=count,
        issued_by=issued_by,
    )
    chosen: set[str] = set()
    while len(chosen) < count:
        wanted = {numbers.new_number() for _ in range(count - len(chosen))} - chosen
        taken = set(
            LoveCard.objects.filter(number__in=wanted).values_list("number", flat=True)
        )
        chosen |= wanted - taken
    issued = tuple(IssuedCard(n, numbers.new_pin()) for n in sorted(chosen))
    cards = LoveCard.objects.bulk_create(
        LoveCard(
            number=c.number,
            batch=batch,
            pin_hash=make_password(c.pin),
            balance=face_value,
        )
        for c in issued
    )
    CardTransaction.objects.bulk_create(
        CardTransaction(
            card=card,
            kind=TransactionKind.ISSUE,
            amount=face_value,
            balance_after=face_value,
            actor=issued_by,
            note=_("batch %(id)s") % {"id": batch.pk},
        )
        for card in cards
    )
    audit.record_many(
        "love_card.issued",
        cards,
        {"batch": batch, "amount": face_value, "expires_on": expires_on},
        actor=issued_by,
    )
    return Issued(batch=batch, cards=issued)


# --- checking a PIN ----------------------------------------------------------------


def _client_key(client: str) -> str:
    return f"lovecards:wrong:{client}"


def _note_wrong_from(client: str) -> None:
    if not client:
        return
    key = _client_key(client)
    cache.add(key, 0, CLIENT_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, CLIENT_WINDOW_SECONDS)


def _lock_over(card: LoveCard, now) -> None:
    """A lock whose window has passed ends on the next use (with its event)."""
    if (
        card.status == CardStatus.LOCKED
        and card.locked_until
        and card.locked_until <= now
    ):
        card.status = CardStatus.ACTIVE
        card.failed_attempts = 0
        card.locked_until = None
        card.save(
            update_fields=["status", "failed_attempts", "locked_until", "updated_at"]
        )
        CardEvent.objects.create(
            card=card, kind=EventKind.UNLOCKED, note=_("lock window over")
        )


def _usable(card: LoveCard, today: datetime.date) -> None:
    """Raise why a (locked) card cannot be used now."""
    if card.status == CardStatus.LOCKED:
        raise CardLocked(number=card.number)
    if card.status == CardStatus.CANCELLED:
        raise CardRefused(_("This love card was cancelled."), number=card.number)
    if card.status == CardStatus.EXPIRED or card.batch.expires_on < today:
        raise CardRefused(_("This love card has expired."), number=card.number)


def check_card(*, number: str, pin: str, client: str = "") -> LoveCard:
    """The card, if the PIN is right and the card usable; otherwise a
    ``CardRefused`` saying why. A wrong PIN is counted on the card (committed
    even though the call fails); the fifth in a row locks the card."""
    number = numbers.normalise(number)
    if client and (cache.get(_client_key(client)) or 0) >= MAX_WRONG_PER_CLIENT:
        raise TooManyAttempts()
    if not numbers.is_valid(number):
        _note_wrong_from(client)
        raise WrongPin()
    refusal = None
    with transaction.atomic():
        card = (
            LoveCard.objects.select_for_update(of=("self",))
            .select_related("batch")
            .filter(number=number)
            .first()
        )
        if card is None:
            refusal = WrongPin()
        else:
            now = timezone.now()
            _lock_over(card, now)
            if card.status == CardStatus.LOCKED:
                refusal = CardLocked(number=number)
            elif not check_password(pin or "", card.pin_hash, setter=None):
                refusal = _wrong_pin(card, now)
            else:
                _usable(card, timezone.localdate())
                if card.failed_attempts:
                    card.failed_attempts = 0
                    card.save(update_fields=["failed_attempts", "updated_at"])
    if refusal is not None:
        if isinstance(refusal, WrongPin):
            _note_wrong_from(client)
        raise refusal
    return card


def _wrong_pin(card: LoveCard, now) -> CardRefused:
    card.failed_attempts += 1
    CardEvent.objects.create(
        card=card,
        kind=EventKind.WRONG_PIN,
        note=_("%(n)s in a row") % {"n": card.failed_attempts},
    )
    fields = ["failed_attempts", "updated_at"]
    if card.failed_attempts >= MAX_WRONG_PINS:
        card.status = CardStatus.LOCKED
        card.locked_until = now + LOCK_FOR
        fields += ["status", "locked_until"]
        CardEvent.objects.create(
            card=card,
            kind=EventKind.LOCKED,
            note=_("%(n)s wrong PINs") % {"n": card.failed_attempts},
        )
    card.save(update_fields=fields)
    if card.status == CardStatus.LOCKED:
        return CardLocked(number=card.number)
    return WrongPin(number=card.number)


# --- spending and refunding ----------------------------------------------------------


def _locked_cards(card_numbers) -> dict[str, LoveCard]:
    """The cards, locked in number order (the fixed order every writer uses)."""
    return {
        card.number: card
        for card in LoveCard.objects.select_for_update(of=("self",))
        .select_related("batch")
        .filter(number__in=sorted(set(card_numbers)))
        .order_by("number")
    }


def _move(card: LoveCard, kind: str, amount: Decimal, **fields) -> CardTransaction:
    card.balance += amount
    card.save(update_fields=["balance", "updated_at"])
    return CardTransaction.objects.create(
        card=card, kind=kind, amount=amount, balance_after=card.balance, **fields
    )


def _wanted(cards: Sequence[tuple[str, Decimal]]) -> dict[str, Decimal]:
    wanted: dict[str, Decimal] = {}
    for number, amount in cards:
        number = numbers.normalise(number)
        _money(amount, "amount")
        if number in wanted:
            raise CardRefused(_("The same love card was given twice."), number=number)
        wanted[number] = amount
    return wanted


def _refuse_unusable(wanted: dict[str, Decimal], found: dict[str, LoveCard]) -> None:
    today, now = timezone.localdate(), timezone.now()
    for number in sorted(wanted):
        card = found.get(number)
        if card is None:
            raise WrongPin(number=number)
        if (
            card.status == CardStatus.LOCKED
            and card.locked_until
            and card.locked_until <= now
        ):
            pass  # the window is over: usable (``_lock_over`` records it)
        else:
            _usable(card, today)
        if wanted[number] > card.balance:
            raise NotEnoughBalance(
                _("Love card %(card)s has only %(balance)s yuan left.")
                % {"card": card.masked_number, "balance": card.balance},
                number=number,
            )


def check_spendable(*, cards: Sequence[tuple[str, Decimal]]) -> None:
    """``spend``'s checks without a lock or a write: the checkout asks before
    calling Stripe, so a card refused now costs the payer nothing. Not a
    promise: ``spend`` checks again under lock."""
    wanted = _wanted(cards)
    found = {
        card.number: card
        for card in LoveCard.objects.select_related("batch").filter(
            number__in=list(wanted)
        )
    }
    _refuse_unusable(wanted, found)


@transaction.atomic
def spend(
    *,
    cards: Sequence[tuple[str, Decimal]],
    order_number: str,
    eligible: Decimal | None = None,
    actor=None,
) -> list[CardTransaction]:
    """Take each ``(number, amount)`` from its card for an order: all or
    nothing. Refuses a card that is locked, cancelled or expired, an amount
    above a balance, and (when ``eligible`` is given) a total above what the
    order may pay by love card."""
    if not cards:
        return []
    wanted = _wanted(cards)
    total = sum(wanted.values(), ZERO)
    if eligible is not None and total > eligible:
        raise CardRefused(
            _("Love cards can pay at most %(eligible)s yuan of this order.")
            % {"eligible": eligible}
        )
    locked = _locked_cards(wanted)
    now = timezone.now()
    for card in locked.values():
        _lock_over(card, now)
    _refuse_unusable(wanted, locked)
    moved = [
        _move(
            locked[number],
            TransactionKind.SPEND,
            -wanted[number],
            order_number=order_number,
            actor=actor,
        )
        for number in sorted(wanted)
    ]
    audit.record_many(
        "love_card.spent",
        [locked[number] for number in sorted(wanted)],
        lambda card: {
            "balance": [card.balance + wanted[card.number], card.balance],
            "amount": wanted[card.number],
            "order": order_number,
        },
        actor=actor,
    )
    return moved


@transaction.atomic
def refund_to_card(
    *, number: str, order_number: str, amount: Decimal, reason: str, actor=None
) -> CardTransaction:
    """Give back to a card part or all of what it paid for an order (a line not
    delivered, a cancelled order). Never more than the card spent on it; works
    on a locked or expired card too (the money is the holder's)."""
    _money(amount, "amount")
    card = _locked_cards([numbers.normalise(number)]).get(numbers.normalise(number))
    if card is None:
        raise WrongPin()
    moved = CardTransaction.objects.filter(card=card, order_number=order_number)
    spent = -sum((t.amount for t in moved if t.kind == TransactionKind.SPEND), ZERO)
    refunded = sum((t.amount for t in moved if t.kind == TransactionKind.REFUND), ZERO)
    if amount > spent - refunded:
        raise ValidationError(
            {
                "amount": _("Only %(left)s yuan of this order can go back to the card.")
                % {"left": spent - refunded}
            }
        )
    audit.record(
        "love_card.refunded",
        card,
        {
            "balance": [card.balance, card.balance + amount],
            "amount": amount,
            "order": order_number,
            "reason": reason,
        },
        actor=actor,
    )
    return _move(
        card,
        TransactionKind.REFUND,
        amount,
        order_number=order_number,
        note=reason[:255],
        actor=actor,
    )


# --- staff ----------------------------------------------------------------------------


@transaction.atomic
def unlock_card(*, card_id: int, actor) -> LoveCard:
    card = LoveCard.objects.select_for_update().get(pk=card_id)
    if card.status != CardStatus.LOCKED and not card.failed_attempts:
        raise ValidationError(_("This card is not locked."))
    if card.status == CardStatus.LOCKED:
        card.status = CardStatus.ACTIVE
    card.failed_attempts = 0
    card.locked_until = None
    card.save(update_fields=["status", "failed_attempts", "locked_until", "updated_at"])
    CardEvent.objects.create(card=card, kind=EventKind.UNLOCKED, actor=actor)
    audit.record("love_card.unlocked", card, actor=actor)
    return card


@transaction.atomic
def cancel_card(*, card_id: int, actor, reason: str = "") -> LoveCard:
    """Stop a card (lost, stolen). Its balance stays on record (it can be
    settled with the organisation) but can no longer be spent."""
    card = LoveCard.objects.select_for_update().get(pk=card_id)
    if card.status == CardStatus.CANCELLED:
        raise ValidationError(_("This card is already cancelled."))
    audit.record(
        "love_card.cancelled",
        card,
        {"status": [card.status, CardStatus.CANCELLED], "reason": reason},
        actor=actor,
    )
    card.status = CardStatus.CANCELLED
    card.save(update_fields=["status", "updated_at"])
    CardEvent.objects.create(
        card=card, kind=EventKind.CANCELLED, actor=actor, note=reason[:255]
    )
    return card


def expire_cards(*, today: datetime.date | None = None) -> int:
    """Cards past their batch's expiry lose what is left (an ``expiry``
    transaction each; a cancelled card keeps its balance on record for the
    settlement with its organisation). One card per transaction, so a long run
    holds no lock for long. Returns how many cards expired."""
    today = today or timezone.localdate()
    ids = list(
        LoveCard.objects.filter(batch__expires_on__lt=today)
        .exclude(status__in=(CardStatus.EXPIRED, CardStatus.CANCELLED))
        .order_by("number")
        .values_list("pk", flat=True)
    )
    done = 0
    for card_id in ids:
        with transaction.atomic():
            card = LoveCard.objects.select_for_update().get(pk=card_id)
            if card.status in (CardStatus.EXPIRED, CardStatus.CANCELLED):
                continue
            audit.record(
                "love_card.expired",
                card,
                {
                    "status": [card.status, CardStatus.EXPIRED],
                    "balance": [card.balance, ZERO],
                },
            )
            if card.balance > ZERO:
                _move(card, TransactionKind.EXPIRY, -card.balance)
            card.status = CardStatus.EXPIRED
            card.save(update_fields=["status", "updated_at"])
            CardEvent.objects.create(card=card, kind=EventKind.EXPIRED)
            done += 1
    return done
