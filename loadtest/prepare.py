"""The load test's data, on top of the demo: run by ``loadtest/run.py`` after
``manage.py load_demo``, never on its own against a database that matters.

    python loadtest/prepare.py FIXTURE.json [--canteens 12] [--officials 4] ...

It adds, through the same services the shop uses:
- canteens that deliver every day with one buyer each (half of them on account,
  with a limit no run reaches, so the credit check's locks are exercised but never
  refuse);
- a second manager for every demo cooperative (two people answering the same
  allocations, as in a real cooperative office);
- officials;
- fresh harvest lots of every certified product at the cooperative that grows it
  (``stock.receive_lot``, with member households' shares), enough that orders are
  refused for stock only when buyers really compete for the last units.

Secrets are made here, per run: API tokens for everyone and a random password
for the officials (who also sign in to the report pages). They are written, with
the catalogue's URLs the shoppers browse, to the fixture file that
``loadtest/locustfile.py`` reads; nothing is hard-coded.
"""

import argparse
import datetime
import json
import os
import secrets
import sys
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

import django  # noqa: E402  (after the path and settings are set)

django.setup()

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Min  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from billing.services import open_account  # noqa: E402
from canteens.models import District, OrganisationKind, Role  # noqa: E402
from canteens.services import add_member, create_organisation  # noqa: E402
from suppliers import stock  # noqa: E402
from suppliers.access import OFFICIALS_GROUP  # noqa: E402
from suppliers.models import Cooperative, Membership, StockLot  # noqa: E402
from suppliers.services import add_manager  # noqa: E402

EVERY_DAY = [1, 2, 3, 4, 5, 6, 7]
# No load run orders anywhere near this (a few hundred orders of a few hundred
# yuan each): the account's lock and check run on every order, the refusal never.
CREDIT_LIMIT = Decimal("100000000.00")
SHARES_PER_LOT = 5
# The demo's H1 2020 ledger, the period the officials' reports read.
REPORT_MONTHS = [f"2020-{month:02d}" for month in range(1, 7)]


def _token(user: User) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def _user(username: str) -> User:
    """A user with no usable password unless one is set later: these accounts
    sign in with their API token."""
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@loadtest.example"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def add_canteens(count: int, *, staff: User) -> list[dict]:
    districts = list(District.values)
    kinds = list(OrganisationKind.values)
    canteens = []
    for number in range(1, count + 1):
        organisation = create_organisation(
            name=f"负载测试食堂 {number:02d}",
            kind=kinds[number % len(kinds)],
            district=districts[number % len(districts)],
            delivery_address=f"广州市测试路 {number} 号",
            delivery_weekdays=EVERY_DAY,
            window_start=datetime.time(6, 0),
            window_end=datetime.time(8, 30),
            lead_time_days=1,
            max_days_ahead=28,
        )
        if number % 2 == 0:
            open_account(
                organisation_id=organisation.pk,
                credit_limit=CREDIT_LIMIT,
                actor=staff,
            )
        buyer = _user(f"load-buyer-{number:02d}")
        add_member(organisation=organisation, user=buyer, role=Role.BUYER)
        canteens.append(
            {
                "username": buyer.username,
                "token": _token(buyer),
                "organisation": organisation.pk,
                "on_account": number % 2 == 0,
            }
        )
    return canteens


def add_managers() -> list[dict]:
    """Every cooperative's demo managers, and one more each.

    Listed round by round (each cooperative's first manager, then each one's
    second), so that however few manager users a run has, they answer for as many
    cooperatives as possible; two users on one cooperative only in bigger runs.
    """
    rounds: list[list[dict]] = []
    for cooperative in Cooperative.objects.select_related("partner").order_by("pk"):
        extra = _user(f"load-manager-{cooperative.pk}")
        add_manager(cooperative=cooperative, user=extra)
        for index, user in enumerate(cooperative.partner.users.order_by("pk")):
            if index == len(rounds):
                rounds.append([])
            rounds[index].append(
                {
                    "username": user.username,
                    "token": _token(user),
                    "cooperative": cooperative.pk,
                }
            )
    return [manager for managers in rounds for manager in managers]


def add_officials(count: int) -> list[dict]:
    group = Group.objects.get(name=OFFICIALS_GROUP)
    officials = []
    for number in range(1, count + 1):
        user = _user(f"load-official-{number:02d}")
        password = secrets.token_urlsafe(24)
        user.set_password(password)
        user.save(update_fields=["password"])
        user.groups.add(group)
        officials.append(
            {
                # The store's sign-in form takes the e-mail address.
                "email": user.email,
                "password": password,
                "token": _token(user),
            }
        )
    return officials


def _orderable_products(today: datetime.date):
    """Public products certified well past the runs' delivery dates."""
    Product = apps.get_model("catalogue", "Product")
    return (
        Product.objects.filter(
            is_public=True, certificate_valid_until__gte=today + datetime.timedelta(30)
        )
        .exclude(structure=Product.PARENT)
        .exclude(net_weight_kg__isnull=True)
        .order_by("pk")
    )


def add_stock(*, units: int, lots: int, today: datetime.date) -> list[dict]:
    """``lots`` fresh lots of ``units`` units each for every orderable product, at
    the cooperative that grows it (the one holding its demo lots)."""
    growers = dict(
        StockLot.objects.values("product_id")
        .annotate(cooperative=Min("cooperative_id"))
        .values_list("product_id", "cooperative")
    )
    cooperatives = Cooperative.objects.in_bulk(set(growers.values()))
    skus = []
    for product in _orderable_products(today):
        cooperative = cooperatives.get(growers.get(product.pk))
        if cooperative is None:
            continue
        households = list(
            Membership.objects.filter(cooperative=cooperative)
            .order_by("household_id")
            .values_list("household_id", flat=True)[:SHARES_PER_LOT]
        )
        shelf_life = product.shelf_life_days or 30
        kg = (product.net_weight_kg * units).quantize(stock.GRAM)
        each = (kg / len(households)).quantize(stock.GRAM, ROUND_DOWN)
        shares = [stock.ShareInput(h, each) for h in households[1:]]
        shares.insert(0, stock.ShareInput(households[0], kg - each * (len(shares))))
        for number in range(1, lots + 1):
            with transaction.atomic():
                stock.receive_lot(
                    cooperative=cooperative,
                    product=product,
                    code=f"LOAD-{product.upc}-{number:02d}",
                    harvest_date=today,
                    best_before=today + datetime.timedelta(days=shelf_life),
                    kg=kg,
                    shares=shares,
                )
        skus.append(
            {
                "sku": product.upc,
                # The last delivery day (days from today) these lots still serve.
                "fresh_days": shelf_life - product.min_remaining_shelf_life_days,
            }
        )
    return skus


def shop_pages(today: datetime.date) -> dict:
    Product = apps.get_model("catalogue", "Product")
    Category = apps.get_model("catalogue", "Category")
    products = list(Product.objects.filter(is_public=True).order_by("pk"))
    # What a shopper types: the first word of a title, before any space or bracket.
    terms = sorted(
        {p.title.replace("（", " ").split()[0] for p in products if p.title.strip()}
    )
    return {
        "products": [p.get_absolute_url() for p in products],
        "categories": [c.get_absolute_url() for c in Category.objects.order_by("pk")],
        "search_terms": terms,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("fixture", type=Path, help="where to write the fixture")
    parser.add_argument("--canteens", type=int, default=12)
    parser.add_argument("--officials", type=int, default=4)
    parser.add_argument(
        "--units", type=int, default=3000, help="units of sale per extra lot"
    )
    parser.add_argument("--lots", type=int, default=2, help="extra lots per product")
    args = parser.parse_args(argv)
    today = timezone.localdate()
    staff = User.objects.get(username="staff")
    with transaction.atomic():
        canteens = add_canteens(args.canteens, staff=staff)
        managers = add_managers()
        officials = add_officials(args.officials)
    skus = add_stock(units=args.units, lots=args.lots, today=today)
    fixture = {
        "prepared_on": today.isoformat(),
        "time_zone": settings.TIME_ZONE,
        "canteens": canteens,
        "managers": managers,
        "officials": officials,
        "skus": skus,
        "stock": {"lots": args.lots, "units": args.units},
        "report_months": REPORT_MONTHS,
        "shop": shop_pages(today),
    }
    args.fixture.parent.mkdir(parents=True, exist_ok=True)
    # Tokens and passwords: readable by this user only.
    fd = os.open(args.fixture, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(fixture, out, ensure_ascii=False, indent=1)
    print(
        f"[prepare] {len(canteens)} canteens, {len(managers)} managers, "
        f"{len(officials)} officials, {len(skus)} products stocked "
        f"({args.lots} lots x {args.units} units each)",
        flush=True,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
