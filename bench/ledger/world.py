"""The world the benchmark year happens in: places, households, cooperatives,
products, the 77 channels and the canteens, written through the ORM (a few tens of
thousands of rows; the ledger itself goes through ``writer``).

Counties are Qingyuan's eight real ones (the demo's); towns and villages get
generated names. Households are spread over the villages, each a member of its
village's cooperative (some of a second one in the same town), as the field report
describes the "cooperative + poor households" model. Products are the demo's, each
in three county variants; every cooperative grows a few of them. Channels are the
demo's 71, the online store and five canteens with their own channel.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.models import User

from canteens.demo import CANTEENS
from canteens.models import Organisation
from canteens.services import DISTRICT_NAMES
from channels import demo as channels_demo
from channels import services as channel_services
from channels.models import Channel, ChannelKind
from suppliers.demo import PRODUCTS
from suppliers.demo_data.catalogue import CATEGORIES, PRODUCT_CLASSES
from suppliers.demo_data.places import COUNTIES
from suppliers.models import (
    Cooperative,
    County,
    Household,
    HouseholdStatus,
    Membership,
    Town,
    Village,
)

SYLLABLES = (
    "东南西北新黄石龙凤马白青大小高上下水山岭塘坑田江河平安和林竹桂梅松枫"
    "莲花金银玉丰华兴旺福寿德仁义礼明光阳秀云霞溪湖沙洲岗坪洞头尾中"
)
INDUSTRIES = ("种养", "蔬菜", "水果", "茶叶", "家禽", "粮油", "食用菌", "农产品")
HOUSEHOLDS_PER_VILLAGE = 55
TOWNS_PER_COUNTY = 10
SECOND_MEMBERSHIP = 0.1
PRODUCT_VARIANTS = 3


@dataclass(frozen=True)
class Pair:
    """A cooperative's product: what lots are of."""

    cooperative_id: int
    product_id: int
    price: float  # yuan per kg, before each channel's margin
    shelf_life_days: int


@dataclass(frozen=True)
class World:
    channels: tuple[tuple[int, str, str], ...]  # (id, code, kind)
    pairs: tuple[Pair, ...]
    members: dict[int, tuple[tuple[int, int], ...]]  # coop -> (household, village)


def _name(rng: random.Random, used: set, suffix: str) -> str:
    for _ in range(50):
        name = "".join(rng.sample(SYLLABLES, 2)) + suffix
        if name not in used:
            used.add(name)
            return name
    name = f"{''.join(rng.sample(SYLLABLES, 3))}{len(used)}{suffix}"
    used.add(name)
    return name


def _places(rng: random.Random, villages_wanted: int) -> list[Village]:
    """Counties (real), towns and villages (generated), villages_wanted in all."""
    counties = [
        County.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in COUNTIES
    ]
    towns_wanted = max(1, min(len(counties) * TOWNS_PER_COUNTY, villages_wanted))
    used: set[str] = set()
    towns = Town.objects.bulk_create(
        Town(county=counties[i % len(counties)], name=_name(rng, used, "镇"))
        for i in range(towns_wanted)
    )
    villages = []
    for i in range(villages_wanted):
        town = towns[i % len(towns)]
        villages.append(
            Village(
                town=town,
                name=_name(rng, used, "村"),
                is_designated_poor=rng.random() < 0.26,
            )
        )
    return Village.objects.bulk_create(villages)


def _households(rng: random.Random, count: int, villages) -> list[Household]:
    """``count`` households, village by village (the last villages get the rest)."""
    rows = []
    for i in range(count):
        village = villages[i * len(villages) // count]
        lifted = rng.random() < 0.93
        rows.append(
            Household(
                archive_number=f"B{village.town.county.code}{i + 1:08d}",
                village=village,
                size=rng.randint(1, 8),
                status=HouseholdStatus.LIFTED if lifted else HouseholdStatus.MONITORED,
                year_lifted_out=rng.choice((2018, 2019, 2020)) if lifted else None,
            )
        )
    return Household.objects.bulk_create(rows, batch_size=5000)


def _cooperatives(rng: random.Random, count: int, villages) -> list[Cooperative]:
    """``count`` cooperatives; each village belongs to one, in its own town."""
    Partner = apps.get_model("partner", "Partner")
    homes = [villages[i * len(villages) // count] for i in range(count)]
    partners = Partner.objects.bulk_create(
        Partner(
            name=f"{v.town.county.name}{v.town.name}{v.name}"
            f"{rng.choice(INDUSTRIES)}专业合作社{i + 1}"
        )
        for i, v in enumerate(homes)
    )
    return Cooperative.objects.bulk_create(
        Cooperative(
            partner=partner,
            registration_code=f"93{v.town.county.code}MB{i + 1:08d}",
            village=v,
        )
        for i, (partner, v) in enumerate(zip(partners, homes, strict=True))
    )


def _memberships(rng, households, cooperatives) -> dict[int, list[tuple[int, int]]]:
    """Each household joins the cooperative of its village (the nearest home
    village in its town); one in ten a second one of the same town."""
    by_town: dict[int, list[Cooperative]] = {}
    for coop in cooperatives:
        by_town.setdefault(coop.village.town_id, []).append(coop)
    everywhere = list(cooperatives)
    rows, members = [], {c.pk: [] for c in cooperatives}
    for household in households:
        local = by_town.get(household.village.town_id) or everywhere
        first = local[household.village_id % len(local)]
        chosen = [first]
        if len(local) > 1 and rng.random() < SECOND_MEMBERSHIP:
            chosen.append(rng.choice([c for c in local if c.pk != first.pk]))
        for coop in chosen:
            joined = datetime.date(2016, 1, 1) + datetime.timedelta(
                days=rng.randrange(9 * 365)
            )
            rows.append(
                Membership(cooperative=coop, household=household, joined_on=joined)
            )
            members[coop.pk].append((household.pk, household.village_id))
    Membership.objects.bulk_create(rows, batch_size=5000)
    return {pk: sorted(m) for pk, m in members.items()}


def _categories() -> dict:
    Category = apps.get_model("catalogue", "Category")
    nodes: dict[str, object] = {}
    for path, name in CATEGORIES:
        parent_path, _sep, slug = path.rpartition("/")
        if not parent_path:
            node = Category.objects.filter(depth=1, slug=slug).first()
            node = node or Category.objects.add_root({"name": name, "slug": slug})
        else:
            parent = Category.objects.get(pk=nodes[parent_path].pk)
            node = Category.objects.get_children(parent).filter(slug=slug).first()
            node = node or Category.objects.add_child(
                parent, {"name": name, "slug": slug}
            )
        nodes[path] = node
    return nodes


def _products() -> list[tuple[object, float, int]]:
    """The demo's products, each in three county variants: (product, yuan per kg,
    shelf life)."""
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
    categories = _categories()
    result, links = [], []
    for variant, (_code, county) in enumerate(COUNTIES[:PRODUCT_VARIANTS]):
        for number, row in enumerate(PRODUCTS, start=1):
            unit, net_kg, price = row.pack
            product = Product(
                structure=Product.STANDALONE,
                title=f"{row.title}（{county}）",
                slug=f"{row.slug}-b{variant}",
                upc=f"B{variant}-{row.upc}",
                product_class=classes[row.product_class],
                is_public=True,
                unit_of_sale=unit,
                net_weight_kg=Decimal(net_kg),
                grade=row.keep[0],
                shelf_life_days=row.keep[1],
                storage=row.keep[2],
                certificate_number=f"GDFP-2025-B{variant}{number:03d}",
                certificate_issuer="清远市扶贫开发办公室",
                certificate_valid_until=datetime.date(2026, 12, 31),
            )
            product.save()
            links.append(
                ProductCategory(product=product, category=categories[row.category])
            )
            result.append(
                (product, float(Decimal(price) / Decimal(net_kg)), row.keep[1])
            )
    ProductCategory.objects.bulk_create(links)
    return result


def _channels() -> list[Channel]:
    """The demo's channels and the online store, and five canteens' own channels."""
    channels_demo.ensure_channels()
    for i, row in enumerate(CANTEENS[:5], start=1):
        if Organisation.objects.filter(name=row.name).exists():
            continue
        channel = channel_services.open_channel(
            code=f"canteen-bench-{i}",
            name=row.name,
            kind=ChannelKind.CANTEEN,
            operator=row.name,
            district=DISTRICT_NAMES[row.district],
            opened_on=datetime.date(2020, 1, 1),
        )
        Organisation.objects.create(
            name=row.name,
            kind=row.kind,
            district=row.district,
            delivery_address=row.address,
            delivery_weekdays=list(row.weekdays),
            channel=channel,
        )
    return list(Channel.objects.order_by("pk"))


def build_world(
    *, rng: random.Random, households: int, cooperatives: int, products_per_coop=(3, 6)
) -> World:
    """Create the world (into an empty database) and describe it for ``sales``."""
    User.objects.get_or_create(username="bench-official")
    villages = _places(rng, max(cooperatives, households // HOUSEHOLDS_PER_VILLAGE))
    villages = list(
        Village.objects.filter(pk__in=[v.pk for v in villages])
        .select_related("town__county")
        .order_by("pk")
    )
    people = _households(rng, households, villages)
    people = list(
        Household.objects.filter(pk__in=[h.pk for h in people])
        .select_related("village")
        .order_by("pk")
    )
    coops = _cooperatives(rng, min(cooperatives, len(villages)), villages)
    coops = list(
        Cooperative.objects.filter(pk__in=[c.pk for c in coops])
        .select_related("village")
        .order_by("pk")
    )
    members = _memberships(rng, people, coops)
    catalogue = _products()
    pairs = []
    for coop in coops:
        for product, price, shelf in rng.sample(
            catalogue, min(len(catalogue), rng.randint(*products_per_coop))
        ):
            pairs.append(Pair(coop.pk, product.pk, price, shelf))
    pairs.sort(key=lambda p: (p.cooperative_id, p.product_id))
    return World(
        channels=tuple((c.pk, c.code, c.kind) for c in _channels()),
        pairs=tuple(pairs),
        members={pk: tuple(m) for pk, m in members.items() if m},
    )
