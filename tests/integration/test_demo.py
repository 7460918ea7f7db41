"""The demo loader: refused where demo data is off, complete, traceable, idempotent,
and its logins work with the roles the demo promises."""

import datetime
import io
import math
import random
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.contrib.sites.models import Site
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum
from django.utils import timezone

from suppliers import demo
from suppliers.access import OFFICIALS_GROUP, is_official
from suppliers.demo_data import places
from suppliers.demo_data.cooperatives import COOPERATIVES
from suppliers.models import (
    Cooperative,
    County,
    Household,
    HouseholdStatus,
    HouseholdStatusChange,
    LotShare,
    Membership,
    MovementKind,
    StockLot,
    StockMovement,
    Village,
)

Product = apps.get_model("catalogue", "Product")
StockRecord = apps.get_model("partner", "StockRecord")

WANZAI = "英德市万仔蚕桑专业合作社"


@pytest.fixture
def loaded(db):
    return demo.load_demo()


def _snapshot() -> dict[str, list[tuple]]:
    """Every row of every table (join tables included), to prove nothing changed."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
    }


# --- refusal --------------------------------------------------------------------


def test_load_demo_is_refused_when_demo_data_is_off(db, settings):
    settings.ALLOW_DEMO_DATA = False

    with pytest.raises(CommandError, match="ALLOW_DEMO_DATA"):
        call_command("load_demo", stdout=io.StringIO())

    assert County.objects.count() == 0
    assert Cooperative.objects.count() == 0
    assert not User.objects.exists()
    assert not StockLot.objects.exists()


# --- what gets loaded -----------------------------------------------------------


def test_load_demo_prints_the_summary_and_the_four_logins(db):
    out = io.StringIO()

    call_command("load_demo", "--no-history", stdout=out)

    text = out.getvalue()
    assert "8 counties" in text
    assert "8 cooperatives" in text
    assert "45 products" in text
    assert "password: nongjia-demo" in text
    for username in ("buyer", "manager", "official", "staff"):
        assert re.search(rf"^\s+{username}\s", text, re.MULTILINE)


def test_load_demo_loads_places_cooperatives_households_and_catalogue(loaded):
    assert County.objects.count() == 8
    assert set(County.objects.values_list("name", flat=True)) == {
        "清城区",
        "清新区",
        "英德市",
        "连州市",
        "佛冈县",
        "阳山县",
        "连山壮族瑶族自治县",
        "连南瑶族自治县",
    }
    assert Village.objects.count() == len(places.VILLAGES) == 24
    assert Cooperative.objects.count() == 8
    assert Product.objects.count() == 45
    assert StockRecord.objects.count() == 45
    assert Household.objects.count() == 322
    assert loaded.households == 322
    assert loaded.cooperatives == 8
    assert loaded.lots == StockLot.objects.count() > 80
    assert loaded.created_lots == loaded.lots


def test_report_villages_are_in_their_towns_and_designated_poor_where_named(loaded):
    def village(county, town, name):
        return Village.objects.get(
            town__county__name=county, town__name=town, name=name
        )

    assert village("英德市", "连江口镇", "连樟村").is_designated_poor
    assert village("英德市", "九龙镇", "河头村").is_designated_poor
    assert village("清新区", "三坑镇", "枫坑村").is_designated_poor
    village("英德市", "九龙镇", "岩口村")
    village("英德市", "黎溪镇", "恒昌村")
    village("英德市", "黎溪镇", "大围村")
    village("清新区", "石潭镇", "水西村")
    for county, town in (
        ("英德市", "东华镇"),
        ("英德市", "横石塘镇"),
        ("阳山县", "阳城镇"),
    ):
        assert Village.objects.filter(town__county__name=county, town__name=town)
    assert (
        loaded.designated_poor_villages
        == Village.objects.filter(is_designated_poor=True).count()
    )
    wanzai = Cooperative.objects.get(partner__name=WANZAI)
    assert (wanzai.village.town.name, wanzai.village.name) == ("九龙镇", "河头村")


def test_households_are_synthetic_and_each_belongs_to_a_cooperative(loaded):
    households = Household.objects.annotate(n=Count("memberships"))
    national_id = re.compile(r"^\d{17}[\dXx]$")
    for household in households:
        assert re.fullmatch(r"QY44\d{8}", household.archive_number)
        assert not national_id.match(household.archive_number)
        assert 1 <= household.size <= 7
        assert household.n in (1, 2)
        if household.status == HouseholdStatus.REGISTERED:
            assert household.year_lifted_out is None
        else:
            assert 2016 <= household.year_lifted_out <= 2020
    statuses = dict(
        Household.objects.values_list("status").annotate(n=Count("pk")).order_by()
    )
    assert statuses[HouseholdStatus.LIFTED] > len(households) / 2
    assert statuses[HouseholdStatus.MONITORED] > 0
    assert statuses[HouseholdStatus.REGISTERED] > 0
    assert households.filter(n=2).count() >= 10
    assert HouseholdStatusChange.objects.count() == len(households)


def test_products_are_public_described_and_certified_except_the_expired_two(loaded):
    today = timezone.localdate()
    for product in Product.objects.all():
        assert product.is_public
        assert len(product.description) >= 20
        assert product.unit_of_sale and product.net_weight_kg > 0
        assert product.origin_village_id and product.shelf_life_days
        assert re.fullmatch(r"GDFP-\d{4}-\d{4}", product.certificate_number)
        assert product.categories.count() == 1
        assert product.get_product_class().track_stock
    expired = Product.objects.filter(certificate_valid_until__lt=today)
    assert expired.count() == loaded.expired_certificates == 2
    for product in expired:
        assert product.is_certified() is False
        assert product.certificate_status() == "expired"
    certified = Product.objects.exclude(pk__in=expired)
    assert all(product.is_certified() for product in certified)


def test_product_prices_follow_the_brief(loaded):
    def price(upc):
        return StockRecord.objects.get(product__upc=upc).price

    assert price("NJ-FK-01") == Decimal("128.00")  # 清远鸡, whole ~1.5 kg
    assert price("NJ-HS-01") == Decimal("168.00")  # 英德红茶, 250 g tin
    assert price("NJ-SX-01") == Decimal("45.00")  # 砂糖橘, 5 kg crate
    assert price("NJ-LZ-01") == Decimal("12.00")  # 连州菜心, 500 g bag
    assert price("NJ-WZ-01") == Decimal("18.00")  # 桑芽菜, 250 g
    assert price("NJ-LS-01") == Decimal("68.00")  # 有机稻米, 5 kg
    assert set(StockRecord.objects.values_list("price_currency", flat=True)) == {"CNY"}


# --- lots: traced to households, stock derived ---------------------------------


def test_every_lot_is_shared_to_the_gram_among_member_households(loaded):
    members = set(Membership.objects.values_list("cooperative_id", "household_id"))
    for lot in StockLot.objects.annotate(total=Sum("shares__kg"), n=Count("shares")):
        assert lot.total == lot.received_kg == lot.on_hand_kg
        assert 3 <= lot.n <= 12
        assert Decimal("10") <= lot.received_kg <= Decimal("1000")
    for share in LotShare.objects.select_related("lot"):
        assert (share.lot.cooperative_id, share.household_id) in members


def test_every_lot_has_exactly_one_received_movement(loaded):
    assert StockMovement.objects.count() == StockLot.objects.count()
    for lot in StockLot.objects.prefetch_related("movements"):
        [movement] = lot.movements.all()
        assert movement.kind == MovementKind.RECEIVED
        assert movement.on_hand_delta_kg == movement.on_hand_after_kg == lot.received_kg


def test_stock_records_are_derived_from_the_lots(loaded):
    for record in StockRecord.objects.select_related("product"):
        on_hand = StockLot.objects.filter(
            cooperative_id=record.partner_id, product_id=record.product_id
        ).aggregate(kg=Sum("on_hand_kg"))["kg"]
        assert record.num_in_stock == math.floor(on_hand / record.product.net_weight_kg)
        assert record.num_in_stock > 0
        assert record.num_allocated == 0


def test_most_lots_are_fresh_today_and_dated_by_shelf_life(loaded):
    today = timezone.localdate()
    lots = list(StockLot.objects.select_related("product"))
    past = [lot for lot in lots if lot.best_before < today]
    assert len(past) == loaded.lots_past_best_before
    assert 0 < len(past) <= len(lots) // 10
    for lot in lots:
        assert lot.harvest_date <= today
        assert lot.harvest_date >= today - datetime.timedelta(days=21)
        assert lot.best_before == lot.harvest_date + datetime.timedelta(
            days=lot.product.shelf_life_days
        )


# --- idempotency ------------------------------------------------------------------


def test_second_run_changes_nothing(loaded):
    before = _snapshot()
    movements = StockMovement.objects.count()

    again = demo.load_demo()

    assert _snapshot() == before
    assert StockMovement.objects.count() == movements
    assert (again.created_households, again.created_lots) == (0, 0)
    assert again.lots == loaded.lots


def test_the_plan_is_the_same_on_every_run():
    today = datetime.date(2026, 11, 25)
    first = demo.plan_households(random.Random(demo.SEED))
    second = demo.plan_households(random.Random(demo.SEED))
    assert first == second
    rng_a, rng_b = random.Random(1), random.Random(1)
    assert demo.plan_lots(rng_a, first, today) == demo.plan_lots(rng_b, first, today)


def test_demo_tables_are_consistent():
    villages = {row.name: row for row in places.VILLAGES}
    assert len(villages) == len(places.VILLAGES)
    codes = [row.registration_code for row in COOPERATIVES]
    assert len(set(codes)) == len(codes)
    for row in COOPERATIVES:
        assert len(row.registration_code) == 18
        assert row.registration_code[2:8] == villages[row.village].county
    catchments = {row.key: {v for v, _n in row.catchment} for row in COOPERATIVES}
    for product in demo.PRODUCTS:
        assert product.origin in catchments[product.cooperative]
    assert len({p.upc for p in demo.PRODUCTS}) == len(demo.PRODUCTS) == 45
    assert len({p.slug for p in demo.PRODUCTS}) == len(demo.PRODUCTS)


# --- logins and roles ------------------------------------------------------------


def test_demo_users_log_in_with_their_roles(loaded, client):
    for username in ("buyer", "manager", "official", "staff"):
        assert client.login(username=username, password="nongjia-demo"), username
        client.logout()

    buyer = User.objects.get(username="buyer")
    assert buyer.email == "buyer@nongjia.example"
    assert buyer.is_active and not buyer.is_staff
    assert not buyer.partners.exists() and not buyer.groups.exists()

    manager = User.objects.get(username="manager")
    wanzai = Cooperative.objects.get(partner__name=WANZAI)
    assert list(manager.partners.all()) == [wanzai.partner]
    assert manager.has_perm("partner.dashboard_access")
    assert not manager.is_staff

    official = User.objects.get(username="official")
    assert official.groups.filter(name=OFFICIALS_GROUP).exists()
    assert is_official(official) and not official.is_staff

    staff = User.objects.get(username="staff")
    assert staff.is_staff and staff.is_superuser


def test_every_cooperative_has_its_own_manager(loaded):
    for cooperative in Cooperative.objects.select_related("partner"):
        [user] = cooperative.partner.users.all()
        assert user.username.startswith("manager")
        assert user.has_perm("partner.dashboard_access")


def test_site_is_the_local_demo_shop(loaded):
    site = Site.objects.get(pk=1)
    assert (site.domain, site.name) == ("127.0.0.1:8000", "清远农家")
