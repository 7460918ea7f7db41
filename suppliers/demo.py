"""Demo marketplace for local runs: Qingyuan's places, eight cooperatives, a few
hundred synthetic poor households, a produce catalogue and fresh harvest lots.

Why it is built this way:
- Rows that have a write service are made through it (``create_cooperative``,
  ``add_manager``, ``receive_lot``), so demo data carries the same invariants as real
  data: every cooperative is an Oscar partner, every lot has its households' shares,
  its "received" movement and a derived Oscar stock record.
- Households and memberships are bulk-inserted: ``register_household`` locks and
  writes one row at a time, too slow for hundreds. The loader writes the same rows it
  would (household, membership, first status-history row) and keeps its rules
  (sizes 1-7, a lift-out year only for lifted or monitored households).
- Idempotent by natural keys (county code, village name, registration code, archive
  number, lot code, product UPC, username): existing rows are left exactly as they
  are. The whole plan is drawn from ``random.Random(2020)`` before the database is
  touched, so a rerun draws the same households, shares and lot sizes; only lot
  dates follow today, and existing lots are skipped by code.
- Demo logins share one well-known password, so loading is refused unless
  ``settings.ALLOW_DEMO_DATA`` is on (the production overlay forces it off).
"""

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.contrib.sites.models import Site
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from suppliers import services, stock
from suppliers.access import OFFICIALS_GROUP
from suppliers.demo_data import (
    places,
    products_other,
    products_staples,
    products_yingde,
)
from suppliers.demo_data.catalogue import (
    CATEGORIES,
    ISSUERS,
    PRODUCT_CLASSES,
    ProductRow,
)
from suppliers.demo_data.cooperatives import COOPERATIVES, CooperativeRow
from suppliers.models import (
    Cooperative,
    County,
    Household,
    HouseholdStatus,
    HouseholdStatusChange,
    Membership,
    StockLot,
    Town,
    Village,
)

GRAM = stock.GRAM
ZERO = stock.ZERO
DEMO_PASSWORD = "nongjia-demo"
SEED = 2020
SITE_DOMAIN = "127.0.0.1:8000"
SITE_NAME = "清远农家"
EMAIL_DOMAIN = "nongjia.example"
PRODUCTS: tuple[ProductRow, ...] = (
    products_yingde.PRODUCTS + products_other.PRODUCTS + products_staples.PRODUCTS
)
MAX_HARVEST_AGE_DAYS = 21  # lots harvested within the last three weeks


class DemoDataNotAllowed(Exception):
    """Demo data (with its known password) was asked for where it is switched off."""


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str


# The logins worth printing; other cooperatives' managers (manager2...) exist too.
DEMO_LOGINS = (
    DemoLogin("buyer", "buyer of 天河区机关事务管理局食堂 (canteen)"),
    DemoLogin("manager", "manager of 英德市万仔蚕桑专业合作社"),
    DemoLogin("official", "official (officials group, read-only reports)"),
    DemoLogin("staff", "platform staff (superuser)"),
)


@dataclass(frozen=True)
class DemoSummary:
    counties: int
    villages: int
    designated_poor_villages: int
    cooperatives: int
    households: int
    memberships: int
    products: int
    expired_certificates: int
    lots: int
    lots_past_best_before: int
    lot_kg: Decimal
    created_households: int
    created_lots: int
    logins: tuple[DemoLogin, ...] = DEMO_LOGINS
    password: str = DEMO_PASSWORD


@dataclass(frozen=True)
class HouseholdPlan:
    archive_number: str
    village: str
    size: int
    status: str
    year_lifted_out: int | None
    memberships: tuple[tuple[str, datetime.date], ...]  # (cooperative key, joined)


@dataclass(frozen=True)
class LotPlan:
    cooperative: str
    upc: str
    code: str
    harvest_date: datetime.date
    best_before: datetime.date
    kg: Decimal
    shares: tuple[tuple[str, Decimal], ...]  # (archive number, kg)


# --- the plan: pure data, the same on every run -----------------------------------


def _county_of(village: str) -> str:
    return next(row.county for row in places.VILLAGES if row.name == village)


def _random_date(rng: random.Random, start: datetime.date, end: datetime.date):
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def _poverty_status(rng: random.Random) -> tuple[str, int | None]:
    """Mostly lifted out (2016-2020), some monitored against relapse, a few not yet."""
    draw = rng.random()
    if draw < 0.78:
        return HouseholdStatus.LIFTED, rng.choice((2016, 2017, 2018, 2018, 2019, 2020))
    if draw < 0.91:
        return HouseholdStatus.MONITORED, rng.choice((2017, 2018, 2019, 2020))
    return HouseholdStatus.REGISTERED, None


def plan_households(rng: random.Random) -> list[HouseholdPlan]:
    """Each household joins the cooperative whose catchment its village is in; some
    villages' households also join a second, nearby cooperative."""
    sequence: dict[str, int] = {}
    drafts: list[dict] = []
    for coop in COOPERATIVES:
        for village, count in coop.catchment:
            county = _county_of(village)
            for _i in range(count):
                sequence[county] = sequence.get(county, 0) + 1
                status, year = _poverty_status(rng)
                joined = _random_date(
                    rng, datetime.date(2017, 3, 1), datetime.date(2020, 6, 30)
                )
                drafts.append(
                    {
                        "archive_number": f"QY{county}{sequence[county]:04d}",
                        "village": village,
                        "size": rng.choices(range(1, 8), (6, 12, 20, 24, 20, 12, 6))[0],
                        "status": status,
                        "year_lifted_out": year,
                        "memberships": [(coop.key, joined)],
                    }
                )
    for coop in COOPERATIVES:
        for village, percent in coop.also_from:
            for draft in drafts:
                if draft["village"] == village and rng.randrange(100) < percent:
                    joined = _random_date(
                        rng, datetime.date(2019, 1, 1), datetime.date(2021, 12, 31)
                    )
                    draft["memberships"].append((coop.key, joined))
    return [
        HouseholdPlan(**{**d, "memberships": tuple(d["memberships"])}) for d in drafts
    ]


def _split_grams(rng: random.Random, kg: Decimal, parts: int) -> list[Decimal]:
    """Uneven shares, each at least a few hundred grams, summing exactly to ``kg``."""
    total = int(kg * 1000)
    weights = [rng.uniform(0.5, 2.0) for _ in range(parts)]
    grams = [int(total * w / sum(weights)) for w in weights]
    grams[-1] += total - sum(grams)
    return [Decimal(g) / 1000 for g in grams]


def plan_lots(
    rng: random.Random, households: Sequence[HouseholdPlan], today: datetime.date
) -> list[LotPlan]:
    """Two to four lots per product, mostly fresh today; the very short-lived
    produce (shelf life up to 3 days) keeps one lot past best-before, so the
    write-off of expired stock has something to show."""
    members: dict[str, list[HouseholdPlan]] = {}
    for household in households:
        for key, _joined in household.memberships:
            members.setdefault(key, []).append(household)
    lots = []
    for product in PRODUCTS:
        _grade, shelf_life, _storage = product.keep
        window = max(0, min(shelf_life - 1, MAX_HARVEST_AGE_DAYS))
        count = rng.randint(2, 4)
        ages = sorted((rng.randint(0, window) for _ in range(count)), reverse=True)
        if shelf_life <= 3:
            ages[0] = shelf_life + 1 + rng.randint(0, 2)
        pool = members[product.cooperative]
        local = [h for h in pool if h.village == product.origin]
        others = [h for h in pool if h.village != product.origin]
        low, high = product.lot_kg
        for number, age in enumerate(ages, start=1):
            kg = Decimal(rng.randint(low * 1000, high * 1000)) / 1000
            size = rng.randint(3, 12)
            if len(local) >= size:
                chosen = rng.sample(local, size)
            else:
                chosen = local + rng.sample(others, size - len(local))
            harvest = today - datetime.timedelta(days=age)
            lots.append(
                LotPlan(
                    cooperative=product.cooperative,
                    upc=product.upc,
                    code=f"{product.upc}-{number:02d}",
                    harvest_date=harvest,
                    best_before=harvest + datetime.timedelta(days=shelf_life),
                    kg=kg,
                    shares=tuple(
                        zip(
                            (h.archive_number for h in chosen),
                            _split_grams(rng, kg, size),
                            strict=True,
                        )
                    ),
                )
            )
    return lots


# --- writing it: create what is missing, touch nothing that exists ----------------


def _ensure_places() -> dict[str, Village]:
    counties = {
        code: County.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in places.COUNTIES
    }
    villages = {}
    for row in places.VILLAGES:
        town = Town.objects.get_or_create(county=counties[row.county], name=row.town)[0]
        villages[row.name] = Village.objects.get_or_create(
            town=town,
            name=row.name,
            defaults={"is_designated_poor": row.designated_poor},
        )[0]
    return villages


def _ensure_site() -> None:
    site, created = Site.objects.get_or_create(
        pk=settings.SITE_ID, defaults={"domain": SITE_DOMAIN, "name": SITE_NAME}
    )
    if not created and (site.domain, site.name) != (SITE_DOMAIN, SITE_NAME):
        site.domain, site.name = SITE_DOMAIN, SITE_NAME
        site.save()
    Site.objects.clear_cache()


def _ensure_users() -> dict[str, User]:
    """Demo users share one password hash: hashing is deliberately slow, and these
    logins' password is public anyway."""
    officials = Group.objects.get_or_create(name=OFFICIALS_GROUP)[0]
    usernames = ["buyer", "official", "staff"] + [c.manager for c in COOPERATIVES]
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    password = None
    for username in usernames:
        if username in users:
            continue
        password = password or make_password(DEMO_PASSWORD)
        is_staff = username == "staff"
        user = User.objects.create(
            username=username,
            email=f"{username}@{EMAIL_DOMAIN}",
            password=password,
            is_staff=is_staff,
            is_superuser=is_staff,
        )
        if username == "official":
            user.groups.add(officials)
        users[username] = user
    return users


def _ensure_cooperatives(
    villages: dict[str, Village], users: dict[str, User]
) -> dict[str, Cooperative]:
    existing = {
        c.registration_code: c
        for c in Cooperative.objects.select_related("partner").filter(
            registration_code__in=[row.registration_code for row in COOPERATIVES]
        )
    }
    cooperatives = {}
    for row in COOPERATIVES:
        cooperative = existing.get(row.registration_code)
        if cooperative is None:
            cooperative = _create_cooperative(row, villages, users[row.manager])
        cooperatives[row.key] = cooperative
    return cooperatives


def _create_cooperative(row: CooperativeRow, villages, manager: User) -> Cooperative:
    return services.create_cooperative(
        name=row.name,
        registration_code=row.registration_code,
        village=villages[row.village],
        address=row.address,
        contact_name=row.contact_name,
        contact_phone=row.contact_phone,
        managers=[manager],
    )


def _ensure_categories() -> dict:
    Category = apps.get_model("catalogue", "Category")
    categories: dict[str, object] = {}
    for path, name in CATEGORIES:
        parent_path, _sep, slug = path.rpartition("/")
        if not parent_path:
            node = Category.objects.filter(depth=1, slug=slug).first()
            node = node or Category.objects.add_root({"name": name, "slug": slug})
        else:
            # Re-read the parent: treebeard computes the new path from its row.
            parent = Category.objects.get(pk=categories[parent_path].pk)
            node = Category.objects.get_children(parent).filter(slug=slug).first()
            node = node or Category.objects.add_child(
                parent, {"name": name, "slug": slug}
            )
        categories[path] = node
    return categories


def _ensure_catalogue(villages: dict[str, Village], today: datetime.date) -> dict:
    """Product classes, the "3+X" category tree and the products, keyed by UPC.

    Certificates run to the end of next year; the rows marked expired ran out at the
    end of last year, so the store shows a product it may not sell as certified.
    """
    Product = apps.get_model("catalogue", "Product")
    ProductClass = apps.get_model("catalogue", "ProductClass")
    ProductCategory = apps.get_model("catalogue", "ProductCategory")
    classes = {
        slug: ProductClass.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "track_stock": True, "requires_shipping": True},
        )[0]
        for slug, name in PRODUCT_CLASSES
    }
    categories = _ensure_categories()
    products = {p.upc: p for p in Product.objects.filter(upc__in=_upcs())}
    for number, row in enumerate(PRODUCTS, start=1):
        if row.upc in products:
            continue
        unit, net_kg, _price = row.pack
        grade, shelf_life, storage = row.keep
        if row.certificate_expired:
            issued, valid_until = today.year - 2, datetime.date(today.year - 1, 12, 31)
        else:
            issued, valid_until = today.year, datetime.date(today.year + 1, 12, 31)
        product = Product(
            structure=Product.STANDALONE,
            title=row.title,
            slug=row.slug,
            upc=row.upc,
            description=row.description,
            product_class=classes[row.product_class],
            is_public=True,
            unit_of_sale=unit,
            net_weight_kg=Decimal(net_kg),
            origin_village=villages[row.origin],
            grade=grade,
            shelf_life_days=shelf_life,
            storage=storage,
            certificate_number=f"GDFP-{issued}-{number:04d}",
            certificate_issuer=ISSUERS[row.issuer],
            certificate_valid_until=valid_until,
        )
        product.save()
        ProductCategory.objects.create(
            product=product, category=categories[row.category]
        )
        products[row.upc] = product
    return products


def _upcs() -> list[str]:
    return [row.upc for row in PRODUCTS]


def _ensure_households(
    plan: Sequence[HouseholdPlan],
    villages: dict[str, Village],
    cooperatives: dict[str, Cooperative],
) -> tuple[dict[str, int], int]:
    """Bulk-insert missing households (with their first status row) and missing
    memberships; returns archive number -> id, and how many households were new."""
    numbers = [h.archive_number for h in plan]
    existing = set(
        Household.objects.filter(archive_number__in=numbers).values_list(
            "archive_number", flat=True
        )
    )
    new = [h for h in plan if h.archive_number not in existing]
    Household.objects.bulk_create(
        Household(
            archive_number=h.archive_number,
            village=villages[h.village],
            size=h.size,
            status=h.status,
            year_lifted_out=h.year_lifted_out,
        )
        for h in new
    )
    ids = dict(
        Household.objects.filter(archive_number__in=numbers).values_list(
            "archive_number", "pk"
        )
    )
    HouseholdStatusChange.objects.bulk_create(
        HouseholdStatusChange(
            household_id=ids[h.archive_number],
            status=h.status,
            year_lifted_out=h.year_lifted_out,
            note=_("registered"),
        )
        for h in new
    )
    coop_ids = [c.pk for c in cooperatives.values()]
    joined = set(
        Membership.objects.filter(cooperative_id__in=coop_ids).values_list(
            "cooperative_id", "household_id"
        )
    )
    Membership.objects.bulk_create(
        Membership(
            cooperative_id=cooperatives[key].pk,
            household_id=ids[h.archive_number],
            joined_on=joined_on,
        )
        for h in plan
        for key, joined_on in h.memberships
        if (cooperatives[key].pk, ids[h.archive_number]) not in joined
    )
    return ids, len(new)


def _receive_lots(
    plan: Sequence[LotPlan],
    cooperatives: dict[str, Cooperative],
    products: dict,
    household_ids: dict[str, int],
    users: dict[str, User],
) -> int:
    """Receive each planned lot not yet on file, through ``stock.receive_lot``."""
    managers = {row.key: users[row.manager] for row in COOPERATIVES}
    prices = {row.upc: Decimal(row.pack[2]) for row in PRODUCTS}
    existing = set(
        StockLot.objects.filter(code__in=[lot.code for lot in plan]).values_list(
            "cooperative_id", "code"
        )
    )
    created = 0
    for lot in plan:
        cooperative = cooperatives[lot.cooperative]
        if (cooperative.pk, lot.code) in existing:
            continue
        stock.receive_lot(
            cooperative=cooperative,
            product=products[lot.upc],
            code=lot.code,
            harvest_date=lot.harvest_date,
            best_before=lot.best_before,
            kg=lot.kg,
            shares=[
                stock.ShareInput(household_ids[number], kg) for number, kg in lot.shares
            ],
            actor=managers[lot.cooperative],
            unit_price=prices[lot.upc],
        )
        created += 1
    return created


def _say(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(message)


def load_demo(*, stdout=None) -> DemoSummary:
    """Load (or complete) the demo marketplace in one transaction."""
    if not settings.ALLOW_DEMO_DATA:
        raise DemoDataNotAllowed(
            "Demo data is switched off here (settings.ALLOW_DEMO_DATA is false; "
            "set NONGJIA_ALLOW_DEMO_DATA=1 on a local, non-production database)."
        )
    today = timezone.localdate()
    rng = random.Random(SEED)
    household_plan = plan_households(rng)
    lot_plan = plan_lots(rng, household_plan, today)
    with transaction.atomic():
        _say(stdout, "Places, site and users...")
        villages = _ensure_places()
        _ensure_site()
        users = _ensure_users()
        _say(stdout, "Cooperatives and catalogue...")
        cooperatives = _ensure_cooperatives(villages, users)
        products = _ensure_catalogue(villages, today)
        _say(stdout, "Households...")
        ids, new_households = _ensure_households(household_plan, villages, cooperatives)
        _say(stdout, "Harvest lots...")
        new_lots = _receive_lots(lot_plan, cooperatives, products, ids, users)
    return _summarise(today, new_households=new_households, new_lots=new_lots)


def _summarise(today, *, new_households: int, new_lots: int) -> DemoSummary:
    Product = apps.get_model("catalogue", "Product")
    lots = StockLot.objects.all()
    return DemoSummary(
        counties=County.objects.count(),
        villages=Village.objects.count(),
        designated_poor_villages=Village.objects.filter(
            is_designated_poor=True
        ).count(),
        cooperatives=Cooperative.objects.count(),
        households=Household.objects.count(),
        memberships=Membership.objects.count(),
        products=Product.objects.count(),
        expired_certificates=Product.objects.filter(
            certificate_valid_until__lt=today
        ).count(),
        lots=lots.count(),
        lots_past_best_before=lots.filter(best_before__lt=today).count(),
        lot_kg=(lots.aggregate(kg=Sum("received_kg"))["kg"] or ZERO).quantize(GRAM),
        created_households=new_households,
        created_lots=new_lots,
    )
