"""Stock lot pages of the supply dashboard: scoping, receiving, adjusting, writing
off."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from suppliers import stock
from suppliers.models import LotShare, MovementKind, StockLot, StockMovement
from tests.factories import (
    ProductFactory,
    make_household,
    make_lot,
    make_staff,
    stockrecord_for,
)

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    """Pin the language: assertions read the English source strings."""
    settings.LANGUAGE_CODE = "en"


def url(name, **kwargs):
    return reverse(f"dashboard:supply-{name}", kwargs=kwargs)


def lot_post(product, shares, **overrides):
    """POST data of the new-lot form: lot fields plus the shares formset."""
    today = timezone.localdate()
    data = {
        "product": product.pk,
        "code": "YD-2026-001",
        "harvest_date": today.isoformat(),
        "best_before": (today + datetime.timedelta(days=7)).isoformat(),
        "kg": "100",
        "unit_price": "88.00",
        "shares-TOTAL_FORMS": "6",
        "shares-INITIAL_FORMS": "0",
        "shares-MIN_NUM_FORMS": "0",
        "shares-MAX_NUM_FORMS": "1000",
    }
    for index, (household, kg) in enumerate(shares):
        data[f"shares-{index}-household"] = household.pk
        data[f"shares-{index}-kg"] = kg
    data.update(overrides)
    return data


def nothing_stocked():
    return (
        StockLot.objects.count(),
        LotShare.objects.count(),
        StockMovement.objects.count(),
    )


# --- list ---------------------------------------------------------------------------


def test_manager_lists_only_own_cooperatives_lots(
    client, manager, cooperative, other_cooperative, product
):
    own = make_lot(cooperative=cooperative, product=product, code="OWN-1")
    make_lot(cooperative=other_cooperative, product=product, code="OTHER-1")
    client.force_login(manager)

    response = client.get(url("lot-list"))

    assert response.status_code == 200
    assert list(response.context["lots"]) == [own]
    content = response.content.decode()
    assert "OWN-1" in content
    assert "OTHER-1" not in content


def test_staff_lists_every_cooperatives_lots(
    client, cooperative, other_cooperative, product
):
    first = make_lot(cooperative=cooperative, product=product, code="A-1")
    second = make_lot(cooperative=other_cooperative, product=product, code="B-1")
    client.force_login(make_staff())

    response = client.get(url("lot-list"))

    assert {lot.code for lot in response.context["lots"]} == {"A-1", "B-1"}
    assert set(response.context["lots"]) == {first, second}


def test_lot_list_shows_kilograms_of_each_lot(client, manager, cooperative, product):
    lot = make_lot(cooperative=cooperative, product=product, kg="100", code="KG-1")
    stock.reserve_lot(lot_id=lot.pk, kg=D("30.5"), reason="canteen order")
    client.force_login(manager)

    content = client.get(url("lot-list")).content.decode()

    for value in ("100.000", "69.500", "30.500"):
        assert f'<td class="text-right">{value}</td>' in content


def test_lot_list_filters_by_product_and_open_lots(
    client, manager, cooperative, product
):
    tea = ProductFactory(title="英德红茶")
    chicken = make_lot(cooperative=cooperative, product=product, code="CHICKEN")
    tea_open = make_lot(cooperative=cooperative, product=tea, code="TEA-OPEN")
    tea_closed = make_lot(cooperative=cooperative, product=tea, code="TEA-DONE")
    stock.write_off_lot(lot_id=tea_closed.pk, reason="spoilt")
    client.force_login(manager)

    by_product = client.get(url("lot-list"), {"product": tea.pk})
    open_tea = client.get(url("lot-list"), {"product": tea.pk, "open_only": "on"})
    everything = client.get(url("lot-list"))

    assert {lot.code for lot in by_product.context["lots"]} == {"TEA-OPEN", "TEA-DONE"}
    assert list(open_tea.context["lots"]) == [tea_open]
    assert set(everything.context["lots"]) == {chicken, tea_open, tea_closed}


def test_lot_list_is_paginated(client, manager, cooperative, product, household):
    for number in range(26):
        make_lot(
            cooperative=cooperative,
            product=product,
            households=[household],
            code=f"P-{number:02d}",
        )
    client.force_login(manager)

    first = client.get(url("lot-list"))
    second = client.get(url("lot-list"), {"page": 2})

    assert (len(first.context["lots"]), len(second.context["lots"])) == (25, 1)
    assert first.context["paginator"].count == 26


# --- detail ---------------------------------------------------------------------------


def test_lot_detail_shows_shares_with_percentages_and_movements(
    client, manager, cooperative, product
):
    first = make_household(cooperative=cooperative)
    second = make_household(cooperative=cooperative)
    lot = make_lot(
        cooperative=cooperative,
        product=product,
        kg="80",
        households=[first, second],
        actor=manager,
    )
    stock.adjust_lot(lot_id=lot.pk, delta_kg=D("-1.5"), reason="weighed", actor=manager)
    client.force_login(manager)

    response = client.get(url("lot-detail", pk=lot.pk))

    assert response.status_code == 200
    rows = [
        (row.share.household.archive_number, row.share.kg, row.percent)
        for row in response.context["share_rows"]
    ]
    assert rows == [
        (first.archive_number, D("40.000"), D("50.0")),
        (second.archive_number, D("40.000"), D("50.0")),
    ]
    assert [
        (m.kind, m.on_hand_delta_kg, m.on_hand_after_kg, m.actor, m.reason)
        for m in response.context["movements"]
    ] == [
        (MovementKind.ADJUSTED, D("-1.500"), D("78.500"), manager, "weighed"),
        (
            MovementKind.RECEIVED,
            D("80.000"),
            D("80.000"),
            manager,
            "harvest lot received",
        ),
    ]
    content = response.content.decode()
    assert first.archive_number in content
    assert "50.0%" in content
    assert response.context["can_change"] is True


def test_other_cooperatives_lot_answers_404(
    client, manager, cooperative, other_cooperative, product
):
    other = make_lot(cooperative=other_cooperative, product=product)
    client.force_login(manager)

    detail = client.get(url("lot-detail", pk=other.pk))
    adjust = client.post(
        url("lot-adjust", pk=other.pk), {"delta_kg": "-1", "reason": "x"}
    )
    write_off = client.post(url("lot-write-off", pk=other.pk), {"reason": "x"})

    assert (detail.status_code, adjust.status_code, write_off.status_code) == (
        404,
        404,
        404,
    )
    other.refresh_from_db()
    assert other.on_hand_kg == D("100.000")
    assert other.movements.count() == 1


# --- create ---------------------------------------------------------------------------


def test_create_lot_receives_exact_kilograms_and_derives_stock_record(
    client, manager, cooperative, product
):
    first = make_household(cooperative=cooperative)
    second = make_household(cooperative=cooperative)
    client.force_login(manager)

    response = client.post(
        url("lot-create"), lot_post(product, [(first, "60.25"), (second, "39.75")])
    )

    lot = StockLot.objects.get()
    assert response.status_code == 302
    assert response.url == url("lot-detail", pk=lot.pk)
    assert (lot.cooperative, lot.product, lot.code, lot.created_by) == (
        cooperative,
        product,
        "YD-2026-001",
        manager,
    )
    assert (lot.received_kg, lot.on_hand_kg, lot.reserved_kg) == (
        D("100.000"),
        D("100.000"),
        D("0.000"),
    )
    assert sorted(lot.shares.values_list("household_id", "kg")) == sorted(
        [(first.pk, D("60.250")), (second.pk, D("39.750"))]
    )
    record = stockrecord_for(cooperative=cooperative, product=product)
    # 100 kg of a 5 kg unit of sale: 20 units, priced as entered.
    assert (record.num_in_stock, record.num_allocated, record.price) == (
        20,
        0,
        D("88.00"),
    )
    assert list(lot.movements.values_list("kind", "on_hand_delta_kg", "actor")) == [
        (MovementKind.RECEIVED, D("100.000"), manager.pk)
    ]


def test_create_lot_with_shares_not_adding_up_shows_error_and_saves_nothing(
    client, manager, cooperative, product
):
    first = make_household(cooperative=cooperative)
    second = make_household(cooperative=cooperative)
    client.force_login(manager)

    response = client.post(
        url("lot-create"), lot_post(product, [(first, "60.25"), (second, "38.75")])
    )

    assert response.status_code == 200
    message = "Household shares add up to 99.000 kg but the lot is 100.000 kg."
    assert list(response.context["formset"].non_form_errors()) == [message]
    assert message in response.content.decode()
    assert nothing_stocked() == (0, 0, 0)
    assert not product.stockrecords.exists()


def test_create_lot_shows_service_errors_on_their_fields(
    client, manager, cooperative, product, household
):
    make_lot(cooperative=cooperative, product=product, code="DUP-1")
    before = nothing_stocked()
    client.force_login(manager)
    today = timezone.localdate()

    response = client.post(
        url("lot-create"),
        lot_post(
            product,
            [(household, "100")],
            code="DUP-1",
            best_before=(today - datetime.timedelta(days=1)).isoformat(),
        ),
    )

    form = response.context["form"]
    assert form.errors == {
        "code": ["This cooperative already has a lot DUP-1."],
        "best_before": ["Best-before cannot be earlier than the harvest date."],
    }
    assert nothing_stocked() == before


def test_share_choices_are_the_cooperatives_member_households(
    client, manager, cooperative, other_cooperative, product
):
    member = make_household(cooperative=cooperative)
    outsider = make_household(cooperative=other_cooperative)
    client.force_login(manager)

    form = client.get(url("lot-create")).context["formset"].forms[0]
    response = client.post(url("lot-create"), lot_post(product, [(outsider, "100")]))

    assert list(form.fields["household"].queryset) == [member]
    assert "household" in response.context["formset"].forms[0].errors
    assert nothing_stocked() == (0, 0, 0)


def test_staff_chooses_the_cooperative_first(
    client, cooperative, other_cooperative, product
):
    member = make_household(cooperative=other_cooperative)
    make_household(cooperative=cooperative)
    client.force_login(make_staff())

    choose = client.get(url("lot-create"))
    chosen_url = f"{url('lot-create')}?cooperative={other_cooperative.pk}"
    chosen = client.get(chosen_url)
    created = client.post(chosen_url, lot_post(product, [(member, "100")]))

    assert "choose_form" in choose.context
    assert "formset" not in choose.context
    form = chosen.context["formset"].forms[0]
    assert list(form.fields["household"].queryset) == [member]
    assert created.status_code == 302
    assert StockLot.objects.get().cooperative == other_cooperative


def test_manager_cannot_choose_another_cooperative(
    client, manager, cooperative, other_cooperative
):
    client.force_login(manager)

    response = client.get(f"{url('lot-create')}?cooperative={other_cooperative.pk}")

    assert response.status_code == 404


# --- adjust and write off -------------------------------------------------------------


def test_adjust_lot_through_the_page(client, manager, cooperative, product):
    lot = make_lot(cooperative=cooperative, product=product, kg="100")
    client.force_login(manager)

    response = client.post(
        url("lot-adjust", pk=lot.pk), {"delta_kg": "-10.5", "reason": "re-weighed"}
    )

    assert response.status_code == 302
    assert response.url == url("lot-detail", pk=lot.pk)
    lot.refresh_from_db()
    assert lot.on_hand_kg == D("89.500")
    movement = lot.movements.first()
    assert (movement.kind, movement.on_hand_delta_kg, movement.actor) == (
        MovementKind.ADJUSTED,
        D("-10.500"),
        manager,
    )
    assert movement.reason == "re-weighed"
    # floor(89.5 kg / 5 kg) units
    assert stockrecord_for(cooperative=cooperative, product=product).num_in_stock == 17


def test_adjust_below_reserved_shows_conflict_and_changes_nothing(
    client, manager, cooperative, product
):
    lot = make_lot(cooperative=cooperative, product=product, kg="100")
    stock.reserve_lot(lot_id=lot.pk, kg=D("95"), reason="canteen order")
    client.force_login(manager)

    response = client.post(
        url("lot-adjust", pk=lot.pk), {"delta_kg": "-10", "reason": "rats"}
    )

    assert response.status_code == 200
    message = "Only 5.000 kg of this lot are not reserved; it cannot lose 10 kg."
    assert response.context["adjust_form"].non_field_errors() == [message]
    assert response.context["open_form"] == "adjust"
    assert message in response.content.decode()
    lot.refresh_from_db()
    assert (lot.on_hand_kg, lot.reserved_kg) == (D("100.000"), D("95.000"))
    assert lot.movements.count() == 2


def test_adjust_with_too_many_decimals_shows_the_services_message(
    client, manager, cooperative, product
):
    lot = make_lot(cooperative=cooperative, product=product, kg="100")
    client.force_login(manager)

    response = client.post(
        url("lot-adjust", pk=lot.pk), {"delta_kg": "1.0005", "reason": "scale"}
    )

    assert response.context["adjust_form"].errors == {
        "delta_kg": ["Kilograms are exact to the gram (3 decimals)."]
    }
    assert lot.movements.count() == 1


def test_write_off_all_free_kilograms_through_the_page(
    client, manager, cooperative, product
):
    lot = make_lot(cooperative=cooperative, product=product, kg="100")
    stock.reserve_lot(lot_id=lot.pk, kg=D("12.5"), reason="canteen order")
    client.force_login(manager)

    response = client.post(url("lot-write-off", pk=lot.pk), {"reason": "spoilt"})

    assert response.status_code == 302
    lot.refresh_from_db()
    assert (lot.on_hand_kg, lot.reserved_kg) == (D("12.500"), D("12.500"))
    movement = lot.movements.first()
    assert (movement.kind, movement.on_hand_delta_kg, movement.reason) == (
        MovementKind.WRITTEN_OFF,
        D("-87.500"),
        "spoilt",
    )


def test_write_off_more_than_free_shows_conflict_and_changes_nothing(
    client, manager, cooperative, product
):
    lot = make_lot(cooperative=cooperative, product=product, kg="100")
    stock.reserve_lot(lot_id=lot.pk, kg=D("40"), reason="canteen order")
    client.force_login(manager)

    response = client.post(
        url("lot-write-off", pk=lot.pk), {"kg": "60.001", "reason": "spoilt"}
    )

    assert response.status_code == 200
    assert response.context["write_off_form"].non_field_errors() == [
        "Only 60.000 kg of this lot are not reserved."
    ]
    assert response.context["open_form"] == "write-off"
    lot.refresh_from_db()
    assert (lot.on_hand_kg, lot.reserved_kg) == (D("100.000"), D("40.000"))
    assert lot.movements.count() == 2


# --- import and households for users with several cooperatives ---------------------


def test_staff_imports_lots_choosing_the_cooperative(
    client, cooperative, other_cooperative, product, household
):
    client.force_login(make_staff())
    assert client.get(url("lot-import")).status_code == 200
    today = timezone.localdate()
    csv = (
        "lot_code,sku,harvest_date,best_before,lot_kg,household_archive_number,"
        "share_kg,unit_price\n"
        f"IMP-1,{product.upc},{today},{today + datetime.timedelta(days=5)},"
        f"20.000,{household.archive_number},20.000,50.00\n"
    ).encode()
    upload = SimpleUploadedFile("lots.csv", csv, content_type="text/csv")

    response = client.post(
        url("lot-import"), {"cooperative": cooperative.pk, "file": upload}
    )

    assert response.status_code == 302
    assert list(StockLot.objects.values_list("cooperative_id", "code")) == [
        (cooperative.pk, "IMP-1")
    ]


def test_staff_opens_the_new_household_form_with_a_cooperative_choice(
    client, cooperative, other_cooperative
):
    client.force_login(make_staff())
    response = client.get(url("household-create"))
    assert response.status_code == 200
    assert response.context["form"].fields["cooperative"].queryset.count() == 2
