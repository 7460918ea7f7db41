"""factory_boy factories for the supply side, plus helpers that go through services
(lots are only ever created by ``receive_lot``, so their movements exist)."""

import datetime
from decimal import Decimal

import factory
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.utils import timezone
from oscar.test.factories import PartnerFactory, ProductClassFactory

from canteens import services as canteen_services
from suppliers import services, stock
from suppliers.access import OFFICIALS_GROUP
from suppliers.models import (
    Cooperative,
    County,
    Household,
    HouseholdStatusChange,
    LotShare,
    Membership,
    StockLot,
    StockMovement,
    Town,
    Village,
)

PASSWORD = "test-pass-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_staff(**kwargs) -> User:
    return UserFactory(is_staff=True, **kwargs)


def make_official(**kwargs) -> User:
    user = UserFactory(**kwargs)
    group, _ = Group.objects.get_or_create(name=OFFICIALS_GROUP)
    user.groups.add(group)
    return user


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ("code",)

    name = "英德市"
    code = "yingde"


class TownFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Town
        django_get_or_create = ("county", "name")

    county = factory.SubFactory(CountyFactory)
    name = "九龙镇"


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    town = factory.SubFactory(TownFactory)
    name = factory.Sequence(lambda n: f"测试{n}村")
    is_designated_poor = True


def make_cooperative(*, name=None, managers=(), village=None, code=None):
    seq = next(_coop_seq)
    return services.create_cooperative(
        name=name or f"测试合作社{seq}",
        registration_code=code or f"93441881MA{seq:08d}",
        village=village or VillageFactory(),
        managers=managers,
    )


def _counter():
    n = 0
    while True:
        n += 1
        yield n


_coop_seq = _counter()
_household_seq = _counter()
_lot_seq = _counter()
_canteen_seq = _counter()


def make_household(*, cooperative, village=None, size=3, **kwargs) -> Household:
    return services.register_household(
        cooperative=cooperative,
        archive_number=f"441881{next(_household_seq):08d}",
        village=village or cooperative.village,
        size=size,
        **kwargs,
    )


def add_member(*, cooperative, household) -> None:
    Membership.objects.create(
        cooperative=cooperative, household=household, joined_on=timezone.localdate()
    )


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalogue.Product"

    structure = "standalone"
    title = factory.Sequence(lambda n: f"清远鸡 {n}")
    upc = factory.Sequence(lambda n: f"QY{n:05d}")
    product_class = factory.SubFactory(ProductClassFactory, track_stock=True)
    unit_of_sale = "5 kg 箱"
    net_weight_kg = Decimal("5.000")
    shelf_life_days = 7
    storage = "chilled"
    certificate_number = factory.Sequence(lambda n: f"GD-FP-2026-{n:05d}")
    certificate_issuer = "清远市扶贫开发办公室"
    certificate_valid_until = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=365)
    )


def make_lot(
    *,
    cooperative,
    product,
    kg="100",
    households=None,
    best_before=None,
    harvest_date=None,
    unit_price="100.00",
    actor=None,
    code=None,
):
    """Receive a lot through the service; shares split evenly to the gram."""
    kg = Decimal(kg)
    households = households or [make_household(cooperative=cooperative)]
    each = (kg / len(households)).quantize(Decimal("0.001"), rounding="ROUND_DOWN")
    shares = [stock.ShareInput(h.pk, each) for h in households]
    shares[0] = stock.ShareInput(households[0].pk, kg - each * (len(households) - 1))
    today = timezone.localdate()
    return stock.receive_lot(
        cooperative=cooperative,
        product=product,
        code=code or f"LOT-{next(_lot_seq):05d}",
        harvest_date=harvest_date or today,
        best_before=best_before or today + datetime.timedelta(days=10),
        kg=kg,
        shares=shares,
        actor=actor,
        unit_price=Decimal(unit_price) if unit_price is not None else None,
    )


def make_canteen(*, buyers=(), approvers=(), name=None, **fields):
    """A canteen that takes deliveries every day, with one day's notice."""
    arguments = {
        "name": name or f"测试食堂{next(_canteen_seq)}",
        "kind": "agency",
        "district": "tianhe",
        "delivery_address": "天河区体育西路 1 号",
        "delivery_weekdays": [1, 2, 3, 4, 5, 6, 7],
        "lead_time_days": 1,
        "max_days_ahead": 28,
        **fields,
    }
    organisation = canteen_services.create_organisation(**arguments)
    for user in buyers:
        canteen_services.add_member(organisation=organisation, user=user, role="buyer")
    for user in approvers:
        canteen_services.add_member(
            organisation=organisation, user=user, role="approver"
        )
    return organisation


def stockrecord_for(*, cooperative, product):
    StockRecord = apps.get_model("partner", "StockRecord")
    return StockRecord.objects.get(partner_id=cooperative.pk, product=product)


def lot_body(*, product, shares, cooperative=None, **overrides) -> dict:
    """A JSON body for ``POST /api/v1/lots/``; ``shares`` are (household, kg) pairs
    and the lot's kg is their sum unless overridden."""
    today = timezone.localdate()
    body = {
        "product": product.pk,
        "code": "API-001",
        "harvest_date": today.isoformat(),
        "best_before": (today + datetime.timedelta(days=7)).isoformat(),
        "kg": str(sum((Decimal(kg) for _, kg in shares), Decimal("0"))),
        "unit_price": "88.00",
        "shares": [{"household": h.pk, "kg": kg} for h, kg in shares],
    }
    if cooperative is not None:
        body["cooperative"] = cooperative.pk
    body.update(overrides)
    return body


def supply_state() -> dict:
    """Every supply-side row a refused request must leave as it was."""
    StockRecord = apps.get_model("partner", "StockRecord")

    def rows(queryset, *fields):
        return list(queryset.order_by("pk").values_list("pk", *fields))

    return {
        "lots": rows(StockLot.objects, "on_hand_kg", "reserved_kg", "received_kg"),
        "shares": rows(LotShare.objects, "lot_id", "household_id", "kg"),
        "movements": rows(StockMovement.objects),
        "stockrecords": rows(
            StockRecord.objects, "num_in_stock", "num_allocated", "price"
        ),
        "households": rows(Household.objects, "size", "status", "year_lifted_out"),
        "memberships": rows(Membership.objects, "cooperative_id", "household_id"),
        "status_changes": rows(HouseholdStatusChange.objects),
        "cooperatives": rows(
            Cooperative.objects,
            "partner__name",
            "address",
            "contact_name",
            "contact_phone",
        ),
    }


__all__ = [
    "PASSWORD",
    "PartnerFactory",
    "ProductFactory",
    "UserFactory",
    "VillageFactory",
    "add_member",
    "lot_body",
    "make_canteen",
    "make_cooperative",
    "make_household",
    "make_lot",
    "make_official",
    "make_staff",
    "stockrecord_for",
    "supply_state",
]
