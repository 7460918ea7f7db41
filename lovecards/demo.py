"""Demo love cards, so the balance page and the staff pages have cards to show.

Once (skipped when a demo card number exists): a batch issued by the demo
``staff`` to the trade union of the agency whose canteen is the demo buyer's, as
Guangzhou's agencies and their unions bought 消费扶贫爱心卡 for their staff. The
batch goes through ``services.issue_batch`` (batch, cards, their issue
transactions); the PINs it drew are then replaced by known demo PINs, hashed the
way the service hashes them (``make_password``), and its random numbers by known
ones (valid, with their check digit), so ``load_demo`` can print them. Demo only:
real PINs exist in clear only in the issue's card list.

No card is spent: a store order is placed only by the checkout's views (no
service places one), and the demo places no store order.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from canteens.demo import BUYER_CANTEEN
from canteens.models import Organisation
from lovecards import numbers, services
from lovecards.models import LoveCard

UNION = "天河区机关事务管理局工会"
FACE_VALUE = Decimal("500.00")


def _number(serial: int) -> str:
    payload = f"{numbers.PREFIX}2020{serial:07d}"
    return payload + numbers.check_digit(payload)


@dataclass(frozen=True)
class DemoCard:
    number: str
    pin: str

    @property
    def grouped_number(self) -> str:
        return LoveCard(number=self.number).grouped_number


# 520, 1314: "I love you", "for ever" (the love card's own puns).
DEMO_CARDS = (
    DemoCard(_number(1), "520131"),
    DemoCard(_number(2), "131452"),
    DemoCard(_number(3), "202006"),
)


def expires_on(today: datetime.date) -> datetime.date:
    """Valid to the end of next year."""
    return datetime.date(today.year + 1, 12, 31)


@transaction.atomic
def ensure_love_cards(*, today: datetime.date | None = None) -> bool:
    """Issue the demo batch once; returns whether this run did."""
    known = [card.number for card in DEMO_CARDS]
    if LoveCard.objects.filter(number__in=known).exists():
        return False
    issued = services.issue_batch(
        organisation_name=UNION,
        organisation=Organisation.objects.filter(name=BUYER_CANTEEN).first(),
        face_value=FACE_VALUE,
        expires_on=expires_on(today or timezone.localdate()),
        count=len(DEMO_CARDS),
        issued_by=User.objects.get(username="staff"),
    )
    for drawn, demo in zip(issued.cards, DEMO_CARDS, strict=True):
        LoveCard.objects.filter(batch=issued.batch, number=drawn.number).update(
            number=demo.number, pin_hash=make_password(demo.pin)
        )
    return True
