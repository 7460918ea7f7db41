"""The benchmark's marketplace, built through the real services.

20 cooperatives (``create_cooperative``), 25 households each (``register_household``),
200 certified, priced products of 0.5-5 kg, 2,000 open lots (``receive_lot``, ten per
product from ten different cooperatives, three households' shares each) and one
canteen taking deliveries every day with a buyer (``create_organisation``,
``add_member``).

Idempotent by natural keys, drawn from a seeded ``random.Random``: a rerun finds
everything and returns in a few queries. Each run of the benchmark takes stock, so
a product whose fresh, unreserved kg fall below ``LOW_WATER_KG`` gets another ten
lots; lots keep 90 days, so an old database is topped up the same way.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from canteens import services as canteen_services
from canteens.models import Organisation, Role
from suppliers import services, stock
from suppliers.models import (
    Cooperative,
    County,
    Household,
    HouseholdStatus,
    StockLot,
    Town,
    Village,
)

SEED = 2026
COOPERATIVES = 20
HOUSEHOLDS_PER_COOPERATIVE = 25
PRODUCTS = 200
LOTS_PER_PRODUCT = 10
SHARES_PER_LOT = 3
LOT_KG = Decimal("1000.000")
LOT_KEEPS_DAYS = 90
# Fresh means keeping at least this long: orders are for tomorrow, the run is short.
FRESH_DAYS = 30
# One run takes about 350 kg of a product on average, at most ~1,000 kg.
LOW_WATER_KG = Decimal("3000")
NET_WEIGHTS = ("0.500", "1.000", "1.500", "2.000", "2.500", "3.000", "4.000", "5.000")
BUYER = "bench-buyer"
CANTEEN = "基准测试食堂"
UPC_PREFIX = "BENCH"


@dataclass(frozen=True)
class BenchData:
    buyer: User
    organisation: Organisation
    upcs: tuple[str, ...]
    lots: int
    received_lots: int


def upc(number: int) -> str:
    return f"{UPC_PREFIX}{number:04d}"


def _places() -> list[Village]:
    county, _ = County.objects.get_or_create(code="bench", defaults={"name": "基准县"})
    town, _ = Town.objects.get_or_create(county=county, name="基准镇")
    return [
        Village.objects.get_or_create(
            town=town, name=f"基准{n:02d}村", defaults={"is_designated_poor": True}
        )[0]
        for n in range(1, COOPERATIVES + 1)
    ]


def _cooperatives(villages: list[Village]) -> list[Cooperative]:
    codes = [f"93441800BENCH{n:04d}" for n in range(1, COOPERATIVES + 1)]
    existing = {
        c.registration_code: c
        for c in Cooperative.objects.filter(registration_code__in=codes)
    }
    cooperatives = []
    for number, (code, village) in enumerate(zip(codes, villages, strict=True), 1):
        cooperative = existing.get(code) or services.create_cooperative(
            name=f"基准合作社{number:02d}", registration_code=code, village=village
        )
        cooperatives.append(cooperative)
    return cooperatives


def _households(cooperatives: list[Cooperative], rng: random.Random) -> dict:
    """Cooperative id -> its households' ids, registered through the service."""
    numbers = {
        c.pk: [f"BENCH{i:02d}{n:04d}" for n in range(1, HOUSEHOLDS_PER_COOPERATIVE + 1)]
        for i, c in enumerate(cooperatives, 1)
    }
    existing = dict(
        Household.objects.filter(
            archive_number__in=[n for ns in numbers.values() for n in ns]
        ).values_list("archive_number", "pk")
    )
    households = {}
    for cooperative in cooperatives:
        ids = []
        for number in numbers[cooperative.pk]:
            size = rng.randint(1, 7)
            if number not in existing:
                existing[number] = services.register_household(
                    cooperative=cooperative,
                    archive_number=number,
                    village=cooperative.village,
                    size=size,
                    status=HouseholdStatus.LIFTED,
                    year_lifted_out=2019,
                    joined_on=datetime.date(2019, 1, 1),
                ).pk
            ids.append(existing[number])
        households[cooperative.pk] = ids
    return households


def _catalogue(rng: random.Random, today: datetime.date) -> dict:
    """UPC -> (product, unit price); certified for ten years, priced by weight."""
    Product = apps.get_model("catalogue", "Product")
    ProductClass = apps.get_model("catalogue", "ProductClass")
    product_class, _ = ProductClass.objects.get_or_create(
        slug="bench-produce",
        defaults={"name": "基准农产品", "track_stock": True, "requires_shipping": True},
    )
    existing = {p.upc: p for p in Product.objects.filter(upc__startswith=UPC_PREFIX)}
    catalogue = {}
    for number in range(1, PRODUCTS + 1):
        net_kg = Decimal(rng.choice(NET_WEIGHTS))
        price = (net_kg * Decimal(rng.randint(800, 4000)) / 100).quantize(
            Decimal("0.01")
        )
        code = upc(number)
        product = existing.get(code)
        if product is None:
            product = Product.objects.create(
                structure=Product.STANDALONE,
                title=f"基准产品 {number:03d}",
                slug=f"bench-{number:04d}",
                upc=code,
                product_class=product_class,
                is_public=True,
                unit_of_sale=f"{net_kg} kg 箱",
                net_weight_kg=net_kg,
                shelf_life_days=LOT_KEEPS_DAYS,
                storage="ambient",
                certificate_number=f"GDFP-BENCH-{number:04d}",
                certificate_issuer="清远市扶贫开发办公室",
                certificate_valid_until=today + datetime.timedelta(days=3650),
            )
        catalogue[code] = (product, price)
    return catalogue


def _fresh_free_kg(product_ids, fresh_on: datetime.date) -> dict[int, Decimal]:
    return dict(
        StockLot.objects.filter(product_id__in=product_ids, best_before__gte=fresh_on)
        .values("product_id")
        .annotate(free=Sum(F("on_hand_kg") - F("reserved_kg")))
        .values_list("product_id", "free")
    )


def _lots(catalogue, cooperatives, households, rng, today) -> int:
    """Ten lots for each product short of fresh stock; returns how many were new."""
    fresh_on = today + datetime.timedelta(days=FRESH_DAYS)
    free = _fresh_free_kg([p.pk for p, _price in catalogue.values()], fresh_on)
    received = 0
    for code, (product, price) in catalogue.items():
        if free.get(product.pk, Decimal(0)) >= LOW_WATER_KG:
            continue
        batch = StockLot.objects.filter(product=product).count() // LOTS_PER_PRODUCT
        each = (LOT_KG / SHARES_PER_LOT).quantize(stock.GRAM)
        for cooperative in rng.sample(cooperatives, LOTS_PER_PRODUCT):
            chosen = rng.sample(households[cooperative.pk], SHARES_PER_LOT)
            shares = [stock.ShareInput(h, each) for h in chosen]
            shares[0] = stock.ShareInput(
                chosen[0], LOT_KG - each * (SHARES_PER_LOT - 1)
            )
            stock.receive_lot(
                cooperative=cooperative,
                product=product,
                code=f"{code}-{batch:02d}-{cooperative.pk}",
                harvest_date=today,
                best_before=today + datetime.timedelta(days=LOT_KEEPS_DAYS),
                kg=LOT_KG,
                shares=shares,
                unit_price=price,
            )
            received += 1
    return received


def _canteen(buyer: User) -> Organisation:
    organisation = Organisation.objects.filter(name=CANTEEN).first()
    if organisation is None:
        organisation = canteen_services.create_organisation(
            name=CANTEEN,
            kind="agency",
            district="tianhe",
            delivery_address="天河区体育西路 1 号",
            delivery_weekdays=[1, 2, 3, 4, 5, 6, 7],
            lead_time_days=1,
            max_days_ahead=28,
        )
    canteen_services.add_member(organisation=organisation, user=buyer, role=Role.BUYER)
    return organisation


def ensure_bench_data(*, stdout=None) -> BenchData:
    """Build (or complete, or top up) the marketplace in one transaction."""
    today = timezone.localdate()
    rng = random.Random(SEED)
    with transaction.atomic():
        villages = _places()
        cooperatives = _cooperatives(villages)
        households = _households(cooperatives, rng)
        catalogue = _catalogue(rng, today)
        buyer, _ = User.objects.get_or_create(
            username=BUYER, defaults={"email": "bench-buyer@nongjia.example"}
        )
        organisation = _canteen(buyer)
        if stdout is not None:
            stdout.write("bench data: receiving lots where stock is low...\n")
        received = _lots(catalogue, cooperatives, households, rng, today)
    lots = StockLot.objects.filter(
        product__upc__startswith=UPC_PREFIX, on_hand_kg__gt=F("reserved_kg")
    ).count()
    return BenchData(
        buyer=buyer,
        organisation=organisation,
        upcs=tuple(catalogue),
        lots=lots,
        received_lots=received,
    )
