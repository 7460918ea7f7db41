"""The demo's canteens and bulk orders: something for every role to look at.

Loaded without the H1 2020 sales history, which ``test_demo_history`` covers (a
rerun included): it is most of the loading time."""

import io

from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command

from canteens.demo import BUYER_CANTEEN
from canteens.models import Organisation
from canteens.selectors import is_approver, is_buyer
from channels.models import Channel, ChannelKind
from channels.services import ONLINE_STORE
from fulfilment.models import (
    Allocation,
    AllocationStatus,
    BulkOrder,
    OrderStatus,
    ReceiptLine,
    StandingOrder,
)
from fulfilment.selectors import allocations_visible
from ledger.models import LedgerEntry, SourceKind
from tests.integration.test_demo import _snapshot


def test_demo_has_canteens_orders_for_each_role_and_reruns_change_nothing(db):
    call_command("load_demo", "--no-history", stdout=io.StringIO())

    canteen = Organisation.objects.get(name=BUYER_CANTEEN)
    assert Organisation.objects.count() == 5
    buyer = User.objects.get(username="buyer")
    approver = User.objects.get(username="approver")
    assert is_buyer(user=buyer, organisation_id=canteen.pk)
    assert is_approver(user=approver, organisation_id=canteen.pk)
    statuses = sorted(
        BulkOrder.objects.filter(organisation=canteen).values_list(
            "order__status", flat=True
        )
    )
    assert statuses == sorted([OrderStatus.RECEIVED, OrderStatus.ROUTED])
    received = BulkOrder.objects.get(order__status=OrderStatus.RECEIVED)
    lines = ReceiptLine.objects.filter(receipt__bulk_order=received)
    receipts = LedgerEntry.objects.filter(source_kind=SourceKind.RECEIPT_LINE)
    assert sum(line.amount for line in lines) == sum(entry.yuan for entry in receipts)
    assert lines.filter(flagged=True).count() == 1
    manager = User.objects.get(username="manager")
    pending = allocations_visible(user=manager).filter(status=AllocationStatus.PENDING)
    assert pending.exists()
    assert (
        pending.count()
        == Allocation.objects.filter(
            status=AllocationStatus.PENDING, cooperative__partner__users=manager
        ).count()
    )
    assert StandingOrder.objects.filter(organisation=canteen).count() == 1

    before = _snapshot()
    out = io.StringIO()
    call_command("load_demo", "--no-history", stdout=out)
    assert "this run placed 0 orders" in out.getvalue()
    after = _snapshot()
    # Sessions and the like aside, every row is as it was.
    assert {k: v for k, v in after.items() if k != "sessions.Session"} == {
        k: v for k, v in before.items() if k != "sessions.Session"
    }
    assert apps.get_model("order", "Order").objects.count() == 2


def _channels() -> list[tuple]:
    return list(Channel.objects.order_by("pk").values_list())


def test_demo_has_the_reports_77_channels_and_a_rerun_changes_none(db):
    out = io.StringIO()
    call_command("load_demo", "--no-history", stdout=out)

    # The online store, the 5 demo canteens' own channels and channels.demo_data.
    assert Channel.objects.count() == 77
    assert Channel.objects.filter(is_active=True).count() == 77
    assert Channel.objects.filter(canteen__isnull=False).count() == 5
    assert Channel.objects.filter(code=ONLINE_STORE, kind=ChannelKind.ONLINE).exists()
    assert "77 direct-supply channels." in out.getvalue()
    before = _channels()

    call_command("load_demo", "--no-history", stdout=io.StringIO())

    assert _channels() == before

    operators = set(Channel.objects.values_list("operator", flat=True))
    assert {"广百百货", "善待家", "麦德龙"} <= operators
    assert Channel.objects.filter(operator="广百百货", city="广州市").count() > 1
    assert Channel.objects.filter(operator="麦德龙", city="广州市").count() > 1
    centre = Channel.objects.get(kind=ChannelKind.DISTRIBUTION_CENTRE)
    assert (centre.name, centre.city) == ("清远市农产品配送中心", "清远市")
    assert Channel.objects.filter(
        name__contains="5G云店", district="连山壮族瑶族自治县"
    ).exists()
    assert Channel.objects.filter(
        kind=ChannelKind.LIVE_STREAM, name__startswith="快手"
    ).exists()
    assert Channel.objects.filter(kind=ChannelKind.LOVE_CARD).exists()
    kinds = set(Channel.objects.values_list("kind", flat=True))
    assert kinds == set(ChannelKind.values) - {ChannelKind.OTHER}
    listed = Channel.objects.filter(canteen__isnull=True)
    assert listed.count() == 72
    assert {day.year for day in listed.values_list("opened_on", flat=True)} == {
        2019,
        2020,
    }
