"""Demo canteens in Guangzhou, with the demo buyer and approver, and their
procurement plans for the current year.

Idempotent by name; runs after ``suppliers.demo`` (which creates the demo users).
Names are plausible institutional canteens of the kinds the field report lists
(agencies, state firms, schools, hospitals, army canteens); none is a real contract.
Budgets are plausible for canteens of their size; all reserve Guangdong's 30% but
the hospital, whose 20% shows the below-provincial flag.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.utils import timezone

from canteens import services
from canteens.models import Organisation, ProcurementPlan, Role


@dataclass(frozen=True)
class CanteenRow:
    name: str
    kind: str
    district: str
    address: str
    weekdays: tuple[int, ...]
    budget: str
    ratio: str = "0.30"
    threshold: str | None = None


CANTEENS = (
    CanteenRow(
        "天河区机关事务管理局食堂",
        "agency",
        "tianhe",
        "广州市天河区天府路 1 号",
        (1, 2, 3, 4, 5),
        "1200000.00",
        threshold="20000.00",
    ),
    CanteenRow(
        "广州地铁集团员工食堂",
        "state_firm",
        "haizhu",
        "广州市海珠区新港东路 1238 号",
        (1, 2, 3, 4, 5, 6),
        "3000000.00",
    ),
    CanteenRow(
        "广州市第六中学食堂",
        "school",
        "haizhu",
        "广州市海珠区江南大道中 1 号",
        (1, 2, 3, 4, 5),
        "800000.00",
    ),
    CanteenRow(
        "越秀区某医院职工食堂",
        "hospital",
        "yuexiu",
        "广州市越秀区中山二路 58 号",
        (1, 2, 3, 4, 5, 6, 7),
        "2000000.00",
        "0.20",
    ),
    CanteenRow(
        "白云区某部营区食堂",
        "army",
        "baiyun",
        "广州市白云区同和街",
        (1, 3, 5),
        "1500000.00",
    ),
)
BUYER_CANTEEN = CANTEENS[0].name
# They joined 清远农家's direct supply in the autumn of 2019, so their channels count
# among the report's 77 with sales in H1 2020 (ledger.demo_history).
CHANNELS_OPENED_ON = datetime.date(2019, 9, 2)


def ensure_canteens(*, password: str) -> dict[str, Organisation]:
    """The demo canteens; ``buyer`` buys and ``approver`` approves for the first."""
    existing = {o.name: o for o in Organisation.objects.all()}
    canteens = {}
    for row in CANTEENS:
        canteens[row.name] = existing.get(row.name) or services.create_organisation(
            name=row.name,
            kind=row.kind,
            district=row.district,
            delivery_address=row.address,
            delivery_weekdays=list(row.weekdays),
            window_start=datetime.time(6, 0),
            window_end=datetime.time(8, 30),
            lead_time_days=1,
            max_days_ahead=28,
            approval_threshold=Decimal(row.threshold) if row.threshold else None,
            opened_on=CHANNELS_OPENED_ON,
        )
    home = canteens[BUYER_CANTEEN]
    buyer = User.objects.get(username="buyer")
    approver, _created = User.objects.get_or_create(
        username="approver",
        defaults={
            "email": "approver@nongjia.example",
            "password": make_password(password),
        },
    )
    services.add_member(organisation=home, user=buyer, role=Role.BUYER)
    services.add_member(organisation=home, user=approver, role=Role.APPROVER)
    ensure_plans(canteens, year=timezone.localdate().year)
    return canteens


def ensure_plans(canteens: dict[str, Organisation], *, year: int) -> None:
    """Each demo canteen's plan for ``year``, unless it has one (which a demo user
    may have changed: a rerun leaves it)."""
    planned = set(
        ProcurementPlan.objects.filter(year=year).values_list(
            "organisation_id", flat=True
        )
    )
    for row in CANTEENS:
        organisation = canteens[row.name]
        if organisation.pk not in planned:
            services.set_procurement_plan(
                organisation_id=organisation.pk,
                year=year,
                food_budget=Decimal(row.budget),
                reserved_ratio=Decimal(row.ratio),
                actor=None,
            )
