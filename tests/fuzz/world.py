"""The small world the fuzzer's requests land in: a cooperative with lots and
households, two canteens on account with placed, routed and received orders and
their invoices, a bank payment, a standing order, a procurement plan, a counter
channel with a batch of sales, an issued settlement statement and a report export.

Built once through the services (so every row is one the API could meet), its
ids are offered to the fuzzer beside the generated path parameters, so detail and
action endpoints are exercised on objects that exist and not only answer 404.
"""

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.utils import timezone
from rest_framework.authtoken.models import Token

from billing import services as billing
from billing.models import Account, BankPayment, Invoice
from canteens import services as canteen_services
from canteens.models import ProcurementPlan
from channels.models import Channel
from fulfilment.models import Allocation, BulkOrder, StandingOrder
from fulfilment.standing import standing_order_from_order
from ledger.counter_sales import record_counter_sales
from ledger.models import CounterSaleBatch
from reports import exports
from reports.models import ReportExport
from reports.query import GROUPINGS
from settlement.models import Statement
from settlement.services import issue_statements
from suppliers.models import Cooperative, Household, StockLot, StockMovement, Village
from tests.factories import (
    ProductFactory,
    UserFactory,
    make_cooperative,
    make_staff,
)
from tests.integration.billing_roles import two_canteens
from tests.integration.bulk import D
from tests.integration.sales import sale
from tests.integration.settlement_setup import (
    counter_channel,
    period,
    sell,
    three_household_lot,
)

ROLES = ("staff", "buyer", "manager")


@dataclass(frozen=True)
class World:
    tokens: dict[str, str]
    # Path parameter values that name existing objects, by the path's resource
    # (its first segment after /api/v1/).
    ids: dict[str, list]


def _ids(queryset, field="pk") -> list:
    return list(queryset.order_by(field).values_list(field, flat=True))


def build_world() -> World:
    staff = make_staff(username="fuzz_staff")
    manager = UserFactory(username="fuzz_manager")
    cooperative = make_cooperative(name="英德市万仔蚕桑专业合作社", managers=[manager])
    books = two_canteens(cooperative=cooperative, staff=staff)
    billing.record_bank_payment(
        account_id=books.account.pk,
        reference="ICBC-FUZZ-001",
        amount=D("300.00"),
        received_on=timezone.localdate(),
        actor=staff,
    )
    received = BulkOrder.objects.filter(receipt__isnull=False).order_by("pk").first()
    standing_order_from_order(
        order_id=received.pk,
        user=books.buyer,
        name="每周米茶",
        days_ahead=2,
        mode="place",
    )
    canteen_services.set_procurement_plan(
        organisation_id=books.canteen.pk,
        year=timezone.localdate().year,
        food_budget=D("1000000.00"),
        reserved_ratio=D("0.30"),
        actor=staff,
    )

    channel = counter_channel()
    rice = ProductFactory(title="连州大米 5 kg", upc="LZ-RICE-5", net_weight_kg=D("5"))
    lot = three_household_lot(cooperative=cooperative, product=rice, kg="200")
    record_counter_sales(rows=[sale(kg="10")], reference="GB-FUZZ-01")
    start = datetime.date(2026, 1, 1)
    sell(lot=lot, channel=channel, day=start, kg="10", yuan="99.99")
    issue_statements(
        period_id=period(start, start + datetime.timedelta(days=13)).pk,
        today=start + datetime.timedelta(days=30),
    )
    exports.start_export(
        user=staff,
        report="county",
        params={"from": "2026-01-01", "to": "2026-01-31"},
        file_format="csv",
    )

    users = {"staff": staff, "buyer": books.buyer, "manager": manager}
    tokens = {role: Token.objects.create(user=u).key for role, u in users.items()}
    ids = {
        "allocations": _ids(Allocation.objects),
        "bank-payments": _ids(BankPayment.objects),
        "bulk-orders": _ids(BulkOrder.objects, "order__number"),
        "canteen-accounts": _ids(Account.objects),
        "channels": _ids(Channel.objects),
        "cooperatives": _ids(Cooperative.objects),
        "counter-sales": _ids(CounterSaleBatch.objects),
        "households": _ids(Household.objects),
        "invoices": _ids(Invoice.objects),
        "lots": _ids(StockLot.objects),
        "procurement-plans": _ids(ProcurementPlan.objects),
        "products": _ids(apps.get_model("catalogue", "Product").objects),
        "report-exports": _ids(ReportExport.objects),
        "reports": sorted(GROUPINGS),
        "settlement-statements": _ids(Statement.objects),
        "standing-orders": _ids(StandingOrder.objects),
        "stock-movements": _ids(StockMovement.objects)[:5],
        "villages": _ids(Village.objects),
    }
    return World(tokens=tokens, ids=ids)
