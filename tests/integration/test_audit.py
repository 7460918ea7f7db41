"""The audit log across the business: each change made through a page, the API,
a service or a task leaves exactly the entry that says who did what, from where;
staff alone read the log (page and API)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.core.loading import get_class, get_model
from rest_framework.authtoken.models import Token

from audit.models import AuditEntry
from billing import services as billing
from fulfilment import cooperative_side as coop
from fulfilment.errors import InsufficientStock
from fulfilment.models import Allocation, BulkOrder
from fulfilment.placing import place_bulk_order
from fulfilment.tasks import expire_unanswered_allocations
from lovecards import services as cards
from payments import refunds
from settlement import selectors as settlement_selectors
from settlement.models import SettlementPeriod
from settlement.services import (
    issue_statements,
    mark_payout_paid,
    record_household_payment,
)
from suppliers import services as supply
from suppliers import stock
from suppliers.imports import COLUMNS, import_lots
from suppliers.models import HouseholdStatus, StockLot
from tests.factories import (
    ProductFactory,
    UserFactory,
    make_canteen,
    make_household,
    make_lot,
    make_staff,
)
from tests.integration.billing_helpers import open_account
from tests.integration.bulk import order_input, place
from tests.integration.lovecard_helpers import issue
from tests.integration.payments_helpers import pay
from tests.integration.settlement_setup import counter_channel, sell
from tests.integration.test_store_checkout import place as checkout
from tests.integration.test_store_checkout import (  # noqa: F401 (a fixture)
    shopper_in_checkout,
)

pytestmark = pytest.mark.django_db
D = Decimal
EventHandler = get_class("order.processing", "EventHandler")
Order = get_model("order", "Order")
ShippingEventType = get_model("order", "ShippingEventType")
PAGE = "/dashboard/audit/"
API = "/api/v1/audit-entries/"


@pytest.fixture(autouse=True)
def english(settings):
    """Pin the language: reasons and messages read the English source strings."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def buyer(db):
    return UserFactory(username="buyer", email="buyer@canteen.example")


@pytest.fixture
def approver(db):
    return UserFactory(username="approver", email="approver@canteen.example")


@pytest.fixture
def canteen(buyer, approver):
    return make_canteen(buyers=[buyer], approvers=[approver])


@pytest.fixture
def chicken(db):
    return ProductFactory(upc="QY-CHICKEN", net_weight_kg=D("1.000"))


def signed_in(api, user, *, ip="203.0.113.9", request_id="req-1"):
    """Requests as ``user`` with a real API token (authenticated inside the view,
    after the audit middleware ran), from ``ip``, under ``request_id``."""
    token, _created = Token.objects.get_or_create(user=user)
    api.credentials(
        HTTP_AUTHORIZATION=f"Token {token.key}",
        REMOTE_ADDR=ip,
        HTTP_X_REQUEST_ID=request_id,
    )
    return api


def entries(**filters) -> list[tuple]:
    """(action, object type, object id, who, changes), oldest first."""
    return [
        (e.action, e.object_type, e.object_id, e.actor_label, e.changes)
        for e in AuditEntry.objects.filter(**filters).order_by("pk")
    ]


def audit_inserts(captured) -> int:
    return sum(
        1
        for query in captured.captured_queries
        if query["sql"].startswith('INSERT INTO "audit_auditentry"')
    )


def kg(value: str) -> str:
    return f"{D(value):.3f}"


def ok(response) -> None:
    assert response.status_code == 200, response.content


# --- orders and allocations -----------------------------------------------------------


def test_an_order_placed_through_the_api_is_recorded_with_who_and_where_in_one_insert(
    api, buyer, canteen, cooperative, chicken
):
    products = [chicken, ProductFactory(upc="QY-TEA", net_weight_kg=D("1.000"))]
    lots = [make_lot(cooperative=cooperative, product=p, kg="50") for p in products]
    before = AuditEntry.objects.count()
    when = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()

    with CaptureQueriesContext(connection) as captured:
        response = signed_in(api, buyer, request_id="order-7").post(
            "/api/v1/bulk-orders/",
            {
                "organisation": canteen.pk,
                "delivery_date": when,
                "lines": [
                    {"sku": "QY-CHICKEN", "quantity": 3},
                    {"sku": "QY-TEA", "quantity": 2},
                ],
            },
            format="json",
        )

    assert response.status_code == 201
    assert response["X-Request-ID"] == "order-7"
    assert audit_inserts(captured) == 1
    order = BulkOrder.objects.get().order
    chicken_allocation, tea_allocation = Allocation.objects.order_by("line_id")
    written = AuditEntry.objects.order_by("pk")[before:]
    assert {(e.actor, e.ip, e.request_id) for e in written} == {
        (buyer, "203.0.113.9", "order-7")
    }
    assert entries(pk__in=[e.pk for e in written]) == [
        *[
            (
                "allocation.routed",
                "fulfilment.allocation",
                str(allocation.pk),
                "buyer@canteen.example",
                {
                    "status": "pending",
                    "kg": kg(amount),
                    "lot": lot.pk,
                    "cooperative": cooperative.pk,
                    "order": order.number,
                    "reason": "",
                },
            )
            for allocation, lot, amount in (
                (chicken_allocation, lots[0], "3"),
                (tea_allocation, lots[1], "2"),
            )
        ],
        (
            "bulk_order.placed",
            "order.order",
            str(order.pk),
            "buyer@canteen.example",
            {
                "canteen": canteen.pk,
                "delivery_date": when,
                "lines": 2,
                "total": "500.00",
                "status": "routed",
            },
        ),
    ]


def test_approvers_approve_and_decline_and_buyers_cancel(
    api, buyer, approver, canteen, cooperative, chicken
):
    canteen.approval_threshold = D("100.00")
    canteen.save(update_fields=["approval_threshold"])
    make_lot(cooperative=cooperative, product=chicken, kg="50")
    approved, declined = (place(buyer, canteen, [(chicken, 2)]) for _ in range(2))
    canteen.approval_threshold = None
    canteen.save(update_fields=["approval_threshold"])
    cancelled = place(buyer, canteen, [(chicken, 1)])

    signed_in(api, approver)
    ok(api.post(f"/api/v1/bulk-orders/{approved.order.number}/approve/"))
    ok(
        api.post(
            f"/api/v1/bulk-orders/{declined.order.number}/decline/",
            {"reason": "over budget"},
            format="json",
        )
    )
    signed_in(api, buyer)
    ok(
        api.post(
            f"/api/v1/bulk-orders/{cancelled.order.number}/cancel/",
            {"reason": "menu changed"},
            format="json",
        )
    )

    orders = {"object_type": "order.order", "action__startswith": "bulk_order."}
    assert [row for row in entries(**orders) if row[0] != "bulk_order.placed"] == [
        (
            "bulk_order.approved",
            "order.order",
            str(approved.pk),
            "approver@canteen.example",
            {"status": ["awaiting_approval", "routed"]},
        ),
        (
            "bulk_order.rejected",
            "order.order",
            str(declined.pk),
            "approver@canteen.example",
            {"status": ["awaiting_approval", "cancelled"], "reason": "over budget"},
        ),
        (
            "bulk_order.cancelled",
            "order.order",
            str(cancelled.pk),
            "buyer@canteen.example",
            {"status": ["routed", "cancelled"], "reason": "menu changed"},
        ),
    ]
    released = Allocation.objects.get(line__bulk_order=cancelled)
    assert entries(action="allocation.cancelled") == [
        (
            "allocation.cancelled",
            "fulfilment.allocation",
            str(released.pk),
            "buyer@canteen.example",
            {
                "status": ["pending", "cancelled"],
                "kg": "1.000",
                "reason": "menu changed",
            },
        )
    ]


def test_a_cooperative_s_answers_and_the_reroute_task_are_recorded(
    api,
    buyer,
    canteen,
    manager,
    cooperative,
    other_cooperative,
    chicken,
    django_capture_on_commit_callbacks,
):
    make_lot(cooperative=cooperative, product=chicken, kg="50")
    other_lot = make_lot(cooperative=other_cooperative, product=chicken, kg="50")
    shipped_order = place(buyer, canteen, [(chicken, 4)])
    rejected_order = place(buyer, canteen, [(chicken, 6)])
    shipped = Allocation.objects.get(line__bulk_order=shipped_order)
    rejected = Allocation.objects.get(line__bulk_order=rejected_order)

    signed_in(api, manager)
    ok(api.post(f"/api/v1/allocations/{shipped.pk}/accept/"))
    ok(
        api.post(
            f"/api/v1/allocations/{shipped.pk}/ship/", {"kg": "3.9"}, format="json"
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        ok(
            api.post(
                f"/api/v1/allocations/{rejected.pk}/reject/",
                {"reason": "no truck"},
                format="json",
            )
        )

    manager_label = manager.email
    assert entries(object_type="fulfilment.allocation", actor=manager) == [
        (
            "allocation.accepted",
            "fulfilment.allocation",
            str(shipped.pk),
            manager_label,
            {"status": ["pending", "accepted"]},
        ),
        (
            "allocation.shipped",
            "fulfilment.allocation",
            str(shipped.pk),
            manager_label,
            {"status": ["accepted", "shipped"], "kg": "3.900"},
        ),
        (
            "allocation.rejected",
            "fulfilment.allocation",
            str(rejected.pk),
            manager_label,
            {"status": ["pending", "rejected"], "kg": "6.000", "reason": "no truck"},
        ),
    ]
    rerouted = Allocation.objects.get(lot=other_lot)
    task = "task:fulfilment.reroute_order"
    assert entries(actor_label=task) == [
        (
            "allocation.routed",
            "fulfilment.allocation",
            str(rerouted.pk),
            task,
            {
                "status": "pending",
                "kg": "6.000",
                "lot": other_lot.pk,
                "cooperative": other_cooperative.pk,
                "order": rejected_order.order.number,
                "reason": "re-routed",
            },
        ),
        (
            "bulk_order.rerouted",
            "order.order",
            str(rejected_order.pk),
            task,
            {"allocations": [rerouted.pk], "kg": "6.000"},
        ),
    ]


def test_unanswered_allocations_expire_in_the_task_s_name(
    buyer, canteen, cooperative, chicken, django_capture_on_commit_callbacks
):
    make_lot(cooperative=cooperative, product=chicken, kg="50")
    place(buyer, canteen, [(chicken, 5)])
    allocation = Allocation.objects.get()
    Allocation.objects.update(respond_by=timezone.now() - datetime.timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        expire_unanswered_allocations.delay()

    task = "task:fulfilment.tasks.expire_unanswered_allocations"
    assert entries(action="allocation.expired") == [
        (
            "allocation.expired",
            "fulfilment.allocation",
            str(allocation.pk),
            task,
            {
                "status": ["pending", "expired"],
                "kg": "5.000",
                "reason": "not answered in time",
            },
        )
    ]
    assert AuditEntry.objects.get(action="allocation.expired").actor is None


def test_delivery_receipt_and_the_invoice_of_an_order_on_account(
    api, buyer, canteen, cooperative, chicken
):
    staff = make_staff(username="staff", email="staff@nongjia.example")
    open_account(staff, canteen, limit="1000.00")
    make_lot(cooperative=cooperative, product=chicken, kg="50", unit_price="20.00")
    bulk_order = place(buyer, canteen, [(chicken, 10)])
    for allocation in Allocation.objects.all():
        coop.accept_allocation(allocation_id=allocation.pk)
        coop.ship_allocation(allocation_id=allocation.pk, kg=allocation.kg)
    number = bulk_order.order.number

    ok(signed_in(api, staff).post(f"/api/v1/bulk-orders/{number}/deliver/"))
    line = bulk_order.bulk_lines.get()
    ok(
        signed_in(api, buyer).post(
            f"/api/v1/bulk-orders/{number}/receipt/",
            {"lines": [{"line": line.pk, "received_kg": "9.5"}]},
            format="json",
        )
    )

    receipt = bulk_order.receipt
    invoice = bulk_order.invoice
    assert entries(action__in=["bulk_order.delivered", "bulk_order.received"]) == [
        (
            "bulk_order.delivered",
            "order.order",
            str(bulk_order.pk),
            "staff@nongjia.example",
            {"status": ["shipped", "delivered"]},
        ),
        (
            "bulk_order.received",
            "order.order",
            str(bulk_order.pk),
            "buyer@canteen.example",
            {
                "status": ["delivered", "received"],
                "receipt": receipt.pk,
                "received_kg": "9.500",
                "amount": "190.00",
            },
        ),
    ]
    assert entries(action="invoice.issued") == [
        (
            "invoice.issued",
            "billing.invoice",
            str(invoice.pk),
            "buyer@canteen.example",
            {
                "order": number,
                "amount": "190.00",
                "due_on": invoice.due_on.isoformat(),
            },
        )
    ]
    [delivered] = Allocation.objects.all()
    assert entries(action="allocation.delivered") == [
        (
            "allocation.delivered",
            "fulfilment.allocation",
            str(delivered.pk),
            "staff@nongjia.example",
            {"status": ["shipped", "delivered"], "kg": "10.000"},
        )
    ]


def test_a_refused_order_leaves_no_entry(buyer, canteen, cooperative, chicken):
    make_lot(cooperative=cooperative, product=chicken, kg="5")
    before = AuditEntry.objects.count()

    with pytest.raises(InsufficientStock):
        place_bulk_order(
            user=buyer, data=order_input(canteen, [(chicken, 8)], all_or_nothing=True)
        )

    assert AuditEntry.objects.count() == before
    assert not BulkOrder.objects.exists()
    assert StockLot.objects.get().reserved_kg == 0


def test_a_store_order_placed_at_checkout_and_dispatched_by_staff(request, fake_stripe):
    """The shopper at the payment step is the checkout tests' fixture."""
    placed = checkout(request.getfixturevalue("shopper_in_checkout"), "pm_card_visa")
    order = Order.objects.get()
    [lot] = StockLot.objects.all()
    staff = make_staff(username="staff", email="staff@nongjia.example")
    dispatched = ShippingEventType.objects.get_or_create(
        code="dispatched", defaults={"name": "Dispatched"}
    )[0]
    [line] = order.lines.all()
    EventHandler(user=staff).handle_shipping_event(order, dispatched, [line], [2])

    assert placed.status_code == 302
    rows = entries(action__in=["lot.reserved", "order.placed", "order.dispatched"])
    assert rows == [
        (
            "lot.reserved",
            "suppliers.stocklot",
            str(lot.pk),
            "shopper@example.com",
            {"reserved_kg": ["0.000", "10.000"], "reason": "store order"},
        ),
        (
            "order.placed",
            "order.order",
            str(order.pk),
            "shopper@example.com",
            {"total": "256.00", "basket": order.basket_id},
        ),
        (
            "order.dispatched",
            "order.order",
            str(order.pk),
            "staff@nongjia.example",
            {"units": {str(line.pk): 2}},
        ),
    ]


# --- lots, cooperatives, households, channels --------------------------------------


def test_a_manager_s_lot_changes_through_the_api(
    api, manager, cooperative, product, household
):
    lot = make_lot(
        cooperative=cooperative, product=product, kg="100", households=[household]
    )
    signed_in(api, manager, ip="198.51.100.4")
    ok(
        api.post(
            f"/api/v1/lots/{lot.pk}/adjust/",
            {"kg": "-10.5", "reason": "re-weighed"},
            format="json",
        )
    )
    ok(
        api.post(
            f"/api/v1/lots/{lot.pk}/write-off/",
            {"kg": "4", "reason": "spoilt"},
            format="json",
        )
    )

    assert entries(object_type="suppliers.stocklot", object_id=str(lot.pk)) == [
        (
            "lot.received",
            "suppliers.stocklot",
            str(lot.pk),
            "system",
            {"on_hand_kg": ["0.000", "100.000"], "reason": "harvest lot received"},
        ),
        (
            "lot.adjusted",
            "suppliers.stocklot",
            str(lot.pk),
            manager.email,
            {"on_hand_kg": ["100.000", "89.500"], "reason": "re-weighed"},
        ),
        (
            "lot.written_off",
            "suppliers.stocklot",
            str(lot.pk),
            manager.email,
            {"on_hand_kg": ["89.500", "85.500"], "reason": "spoilt"},
        ),
    ]
    assert set(
        AuditEntry.objects.filter(actor=manager).values_list("ip", "object_repr")
    ) == {("198.51.100.4", lot.code)}


def test_lots_imported_from_a_file_are_one_insert(manager, cooperative, household):
    ProductFactory(upc="QYJ-001")
    today = timezone.localdate().isoformat()
    later = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    archive = household.archive_number
    content = "\n".join(
        [
            ",".join(COLUMNS),
            f"L1,QYJ-001,{today},{later},30,{archive},30,98.00",
            f"L2,QYJ-001,{today},{later},12.5,{archive},12.5,",
        ]
    ).encode()

    with CaptureQueriesContext(connection) as captured:
        first, second = import_lots(
            cooperative=cooperative, content=content, filename="lots.csv", actor=manager
        )

    assert audit_inserts(captured) == 1
    assert entries(action="lot.received") == [
        (
            "lot.received",
            "suppliers.stocklot",
            str(lot.pk),
            manager.email,
            {"on_hand_kg": ["0.000", kg(amount)], "reason": "harvest lot received"},
        )
        for lot, amount in ((first, "30"), (second, "12.5"))
    ]


def test_staff_edits_of_a_cooperative_in_the_admin_keep_the_field_diff(
    client, cooperative
):
    admin = UserFactory(username="admin", email="admin@nongjia.example", is_staff=True)
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)

    response = client.post(
        f"/admin/suppliers/cooperative/{cooperative.pk}/change/",
        {
            "partner": cooperative.pk,
            "registration_code": cooperative.registration_code,
            "village": cooperative.village_id,
            "address": "英德市九龙镇河头村",
            "contact_name": "",
            "contact_phone": "0763-5551234",
            "daily_capacity_kg": "",
        },
        REMOTE_ADDR="192.0.2.10",
    )

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="cooperative.updated")
    assert (entry.actor, entry.ip, entry.object_id, entry.changes) == (
        admin,
        "192.0.2.10",
        str(cooperative.pk),
        {
            "address": ["", "英德市九龙镇河头村"],
            "contact_phone": ["", "0763-5551234"],
        },
    )


def test_households_registered_and_their_status_changed(manager, cooperative):
    household = make_household(cooperative=cooperative, size=4, actor=manager)
    supply.change_household_status(
        household_id=household.pk,
        status=HouseholdStatus.LIFTED,
        year_lifted_out=2020,
        note="脱贫",
        actor=manager,
    )

    assert entries(object_type="suppliers.household") == [
        (
            "household.registered",
            "suppliers.household",
            str(household.pk),
            manager.email,
            {
                "cooperative": cooperative.pk,
                "joined_on": timezone.localdate().isoformat(),
                "status": "registered",
                "size": 4,
            },
        ),
        (
            "household.status_changed",
            "suppliers.household",
            str(household.pk),
            manager.email,
            {
                "status": ["registered", "lifted"],
                "year_lifted_out": [None, 2020],
                "note": "脱贫",
            },
        ),
    ]


def test_staff_open_edit_and_close_a_channel_through_the_api(api):
    staff = make_staff(username="staff", email="staff@nongjia.example")
    signed_in(api, staff)
    opened = api.post(
        "/api/v1/channels/",
        {
            "code": "grandbuy-tianhe",
            "name": "广百天河店扶贫专柜",
            "kind": "counter",
            "operator": "广百百货",
            "district": "天河区",
            "opened_on": "2024-03-01",
        },
        format="json",
    )
    pk = opened.json()["id"]
    ok(api.patch(f"/api/v1/channels/{pk}/", {"operator": "广百股份"}, format="json"))
    closed_on = timezone.localdate().isoformat()
    ok(
        api.post(
            f"/api/v1/channels/{pk}/close/", {"closed_on": closed_on}, format="json"
        )
    )

    label = "staff@nongjia.example"
    assert entries(object_type="channels.channel") == [
        (
            "channel.opened",
            "channels.channel",
            str(pk),
            label,
            {
                "code": "grandbuy-tianhe",
                "kind": "counter",
                "name": "广百天河店扶贫专柜",
                "operator": "广百百货",
                "city": "广州市",
                "district": "天河区",
                "opened_on": "2024-03-01",
            },
        ),
        (
            "channel.updated",
            "channels.channel",
            str(pk),
            label,
            {"operator": ["广百百货", "广百股份"]},
        ),
        (
            "channel.closed",
            "channels.channel",
            str(pk),
            label,
            {"closed_on": [None, closed_on], "is_active": [True, False]},
        ),
    ]
    assert set(AuditEntry.objects.values_list("actor", "ip", "request_id")) == {
        (staff.pk, "203.0.113.9", "req-1")
    }


# --- money ----------------------------------------------------------------------------


def test_bank_payments_and_credit_notes_name_the_staff_member(canteen):
    staff = make_staff(username="staff", email="staff@nongjia.example")
    account = open_account(staff, canteen, limit="1000.00")
    payment = billing.record_bank_payment(
        account_id=account.pk,
        reference="ICBC-0001",
        amount=D("300.00"),
        received_on=timezone.localdate(),
        actor=staff,
    )
    note = billing.issue_credit_note(
        account_id=account.pk, amount=D("12.50"), reason="goodwill", actor=staff
    )

    label = "staff@nongjia.example"
    assert entries(action__in=["bank_payment.recorded", "credit_note.issued"]) == [
        (
            "bank_payment.recorded",
            "billing.bankpayment",
            str(payment.pk),
            label,
            {
                "account": account.pk,
                "amount": "300.00",
                "received_on": timezone.localdate().isoformat(),
                "invoice": None,
            },
        ),
        (
            "credit_note.issued",
            "billing.creditnote",
            str(note.pk),
            label,
            {
                "account": account.pk,
                "amount": "12.50",
                "invoice": None,
                "reason": "goodwill",
            },
        ),
    ]
    assert entries(action="account.opened")[0][2:] == (
        str(account.pk),
        label,
        {"credit_limit": "1000.00", "payment_terms_days": 30},
    )


def test_a_card_payment_captured_and_refunded_by_the_task(
    fake_stripe, django_capture_on_commit_callbacks
):
    staff = make_staff(username="staff", email="staff@nongjia.example")
    payment = pay(order_number="100077", amount="128.50").payment

    with django_capture_on_commit_callbacks(execute=True):
        refund = refunds.request_refund(
            payment_id=payment.pk,
            amount_yuan=D("28.50"),
            reason="line short",
            idempotency_key="r-1",
            user=staff,
        )

    refund.refresh_from_db()
    assert entries(object_type="payments.payment") == [
        (
            "payment.captured",
            "payments.payment",
            str(payment.pk),
            "system",
            {
                "status": ["created", "succeeded"],
                "amount": "128.50",
                "source": "create test-100077-1",
            },
        ),
        (
            "payment.refund_requested",
            "payments.payment",
            str(payment.pk),
            "staff@nongjia.example",
            {"refund": refund.pk, "amount": "28.50", "reason": "line short"},
        ),
        (
            "payment.refunded",
            "payments.payment",
            str(payment.pk),
            "task:payments.tasks.send_refund",
            {
                "refunded": ["0.00", "28.50"],
                "refund": refund.pk,
                "amount": "28.50",
                "source": f"refund call {refund.stripe_id}",
            },
        ),
    ]


def test_a_payout_and_a_household_payment_name_who_recorded_them(
    manager, cooperative, product
):
    staff = make_staff(username="staff", email="staff@nongjia.example")
    household = make_household(cooperative=cooperative)
    lot = make_lot(
        cooperative=cooperative,
        product=product,
        kg="100",
        households=[household],
        harvest_date=datetime.date(2026, 1, 1),
        best_before=datetime.date(2027, 1, 1),
    )
    sell(
        lot=lot,
        channel=counter_channel(),
        day=datetime.date(2026, 10, 2),
        kg="10",
        yuan="99.99",
    )
    period = SettlementPeriod.objects.create(
        start=datetime.date(2026, 10, 1), end=datetime.date(2026, 10, 14)
    )
    [statement] = issue_statements(
        period_id=period.pk, actor=staff, today=datetime.date(2026, 11, 1)
    )
    payout = mark_payout_paid(
        statement_id=statement.pk, reference="ICBC-PAY-1", actor=staff
    )
    [line] = settlement_selectors.household_lines(statement=statement)
    paid = record_household_payment(
        statement_id=statement.pk,
        household_id=household.pk,
        amount=D("50.00"),
        paid_on=datetime.date(2026, 10, 20),
        method="bank_transfer",
        reference="NJ-1",
        actor=manager,
    )

    assert line.yuan == D("99.99")
    assert entries(action__in=["payout.paid", "household_payment.recorded"]) == [
        (
            "payout.paid",
            "settlement.payout",
            str(payout.pk),
            "staff@nongjia.example",
            {
                "statement": statement.number,
                "cooperative": cooperative.pk,
                "amount": "99.99",
                "reference": "ICBC-PAY-1",
            },
        ),
        (
            "household_payment.recorded",
            "settlement.householdpayment",
            str(paid.pk),
            manager.email,
            {
                "statement": statement.number,
                "household": household.pk,
                "amount": "50.00",
                "paid_on": "2026-10-20",
                "method": "bank_transfer",
                "overpayment": False,
            },
        ),
    ]


def test_love_cards_issued_spent_and_refunded(shopper):
    staff = make_staff(username="staff", email="staff@nongjia.example")
    batch, [(number, _pin)] = issue(staff, count=1, face_value="200.00")
    cards.spend(cards=[(number, D("80.00"))], order_number="100099", actor=shopper)
    cards.refund_to_card(
        number=number,
        order_number="100099",
        amount=D("30.00"),
        reason="line not delivered",
        actor=staff,
    )

    card = batch.cards.get()
    assert entries(object_type="lovecards.lovecard") == [
        (
            "love_card.issued",
            "lovecards.lovecard",
            str(card.pk),
            "staff@nongjia.example",
            {
                "batch": batch.pk,
                "amount": "200.00",
                "expires_on": batch.expires_on.isoformat(),
            },
        ),
        (
            "love_card.spent",
            "lovecards.lovecard",
            str(card.pk),
            shopper.email,
            {"balance": ["200.00", "120.00"], "amount": "80.00", "order": "100099"},
        ),
        (
            "love_card.refunded",
            "lovecards.lovecard",
            str(card.pk),
            "staff@nongjia.example",
            {
                "balance": ["120.00", "150.00"],
                "amount": "30.00",
                "order": "100099",
                "reason": "line not delivered",
            },
        ),
    ]
    assert AuditEntry.objects.get(action="love_card.spent").object_repr == (
        f"**** **** **** {number[-4:]}"
    )


# --- reading the log: staff only ---------------------------------------------------


@pytest.fixture
def log(cooperative, product, manager):
    """Two lots' entries: one lot received, one received and adjusted."""
    first = make_lot(cooperative=cooperative, product=product, kg="10")
    second = make_lot(cooperative=cooperative, product=product, kg="20")
    stock.adjust_lot(lot_id=second.pk, delta_kg=D("1"), reason="recount", actor=manager)
    return first, second


def test_the_page_lists_the_log_newest_first_and_filters_it(client, log):
    _first, second = log
    staff = make_staff(username="staff")
    client.force_login(staff)

    everything = client.get(PAGE)
    one_lot = client.get(
        PAGE, {"object_type": "suppliers.stocklot", "object_id": second.pk}
    )
    adjustments = client.get(PAGE, {"action": "lot.adjusted"})

    assert everything.status_code == 200
    newest_first = [row.pk for row in everything.context["entries"]]
    assert newest_first == list(
        AuditEntry.objects.order_by("-at", "-pk").values_list("pk", flat=True)
    )
    assert [e.action for e in one_lot.context["entries"]] == [
        "lot.adjusted",
        "lot.received",
    ]
    assert [e.object_id for e in adjustments.context["entries"]] == [str(second.pk)]
    assert b"recount" in adjustments.content


def many_entries(count: int, *, action: str) -> list[int]:
    """``count`` entries of one action, a second apart; their ids newest first."""
    start = timezone.now() - datetime.timedelta(days=1)
    made = AuditEntry.objects.bulk_create(
        AuditEntry(
            at=start + datetime.timedelta(seconds=n),
            actor_label="task:test",
            action=action,
            object_type="suppliers.stocklot",
            object_id=str(n),
        )
        for n in range(count)
    )
    return [entry.pk for entry in reversed(made)]


def test_the_page_links_to_older_and_newer_entries_keeping_the_filter(client, log):
    newest_first = many_entries(55, action="lot.counted")
    many_entries(3, action="channel.opened")
    client.force_login(make_staff(username="staff"))

    first = client.get(PAGE, {"action": "lot.counted"})
    second = client.get(PAGE, {"action": "lot.counted", "page": 2})
    beyond = client.get(PAGE, {"action": "lot.counted", "page": 3})
    not_a_page = client.get(PAGE, {"page": "last"})

    assert [e.pk for e in first.context["entries"]] == newest_first[:50]
    assert [e.pk for e in second.context["entries"]] == newest_first[50:]
    assert (first.context["page"].has_newer, first.context["page"].has_older) == (
        False,
        True,
    )
    assert (second.context["page"].has_newer, second.context["page"].has_older) == (
        True,
        False,
    )
    assert 'href="?action=lot.counted&amp;page=2">Older entries</a>' in (
        first.content.decode()
    )
    assert "Newer entries" not in first.content.decode()
    assert 'href="?action=lot.counted&amp;page=1">Newer entries</a>' in (
        second.content.decode()
    )
    assert "Older entries" not in second.content.decode()
    assert "Entries 51–55, newest first" in second.content.decode()
    assert (beyond.status_code, list(beyond.context["entries"])) == (200, [])
    assert not_a_page.status_code == 404


def test_the_unfiltered_page_never_counts_the_log(client, log):
    many_entries(60, action="lot.counted")
    client.force_login(make_staff(username="staff"))
    client.get(PAGE)  # warm the per-process caches (site, ...)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(PAGE)

    assert response.status_code == 200
    assert len(response.context["entries"]) == 50
    assert response.context["page"].has_older is True
    log_reads = [q["sql"] for q in captured if "audit_auditentry" in q["sql"]]
    assert len(log_reads) == 1  # the page and one row more, to know of older
    assert "COUNT(" not in log_reads[0].upper()
    assert log_reads[0].endswith("LIMIT 51")


def test_the_page_shows_a_bad_filter_with_a_400(client, log):
    client.force_login(make_staff(username="staff"))

    response = client.get(PAGE, {"object_type": "nothing.here", "date_from": "x"})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"object_type", "date_from"}
    assert list(response.context["entries"]) == []


def test_the_page_is_for_staff_only(client, log, manager):
    anonymous = client.get(PAGE)
    client.force_login(manager)
    refused = client.get(PAGE)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/dashboard/login/")
    assert refused.status_code == 403


def test_a_lot_s_page_links_to_its_history_for_staff_only(client, log, manager):
    first, _second = log
    history = (
        f"/dashboard/audit/?object_type=suppliers.stocklot&amp;object_id={first.pk}"
    )

    client.force_login(make_staff(username="staff"))
    for_staff = client.get(f"/dashboard/supply/lots/{first.pk}/")
    client.force_login(manager)
    for_manager = client.get(f"/dashboard/supply/lots/{first.pk}/")

    assert for_staff.status_code == for_manager.status_code == 200
    assert history in for_staff.content.decode()
    assert "history_link" not in for_manager.content.decode()


def test_the_api_lists_the_log_with_the_page_s_filters(api, log, manager):
    first, second = log
    signed_in(api, make_staff(username="staff"))

    by_actor = api.get(API, {"actor": manager.pk})
    by_action = api.get(API, {"action": "lot", "page_size": 1})
    by_date = api.get(
        API,
        {
            "date_from": timezone.localdate().isoformat(),
            "date_to": timezone.localdate().isoformat(),
            "object_type": "suppliers.stocklot",
            "object_id": first.pk,
        },
    )
    tomorrow = api.get(
        API, {"date_from": (timezone.localdate() + datetime.timedelta(1)).isoformat()}
    )

    adjusted = AuditEntry.objects.get(action="lot.adjusted")
    assert by_actor.status_code == 200
    assert by_actor.json()["results"] == [
        {
            "id": adjusted.pk,
            "at": timezone.localtime(adjusted.at).isoformat(),
            "actor": manager.pk,
            "actor_label": manager.email,
            "ip": None,
            "request_id": "",
            "action": "lot.adjusted",
            "object_type": "suppliers.stocklot",
            "object_id": str(second.pk),
            "object_repr": second.code,
            "changes": {"on_hand_kg": ["20.000", "21.000"], "reason": "recount"},
        }
    ]
    assert [row["action"] for row in by_action.json()["results"]] == ["lot.adjusted"]
    assert "count" not in by_action.json()
    assert by_action.json()["previous"] is None
    older = api.get(by_action.json()["next"])
    oldest = api.get(older.json()["next"])
    assert [row["action"] for row in older.json()["results"]] == ["lot.received"]
    assert [row["action"] for row in oldest.json()["results"]] == ["lot.received"]
    assert oldest.json()["next"] is None
    bad_cursor = api.get(API, {"cursor": "not-one-of-ours"})
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["cursor"] == [
        "Not a cursor from this list: follow its links."
    ]
    assert [row["object_id"] for row in by_date.json()["results"]] == [str(first.pk)]
    assert tomorrow.json()["results"] == []


def test_the_api_refuses_bad_and_unknown_filters_by_name(api, log):
    signed_in(api, make_staff(username="staff"))

    response = api.get(
        API,
        {
            "object_type": "suppliers.nothing",
            "action": "Lot Adjusted",
            "actor": "x",
            "date_from": "2026-05-02",
            "date_to": "2026-05-01",
            "kind": "lot",
        },
    )
    known = api.get(API, {"date_from": "2026-05-02", "date_to": "2026-05-01"})

    assert response.status_code == 400
    assert set(response.json()) == {"kind"}
    assert known.status_code == 400
    assert set(known.json()) == {"date_to"}
    bad = api.get(
        API,
        {"object_type": "suppliers.nothing", "action": "Lot Adjusted", "actor": "x"},
    )
    assert set(bad.json()) == {"object_type", "action", "actor"}


def test_the_api_is_for_staff_only_and_never_written(api, log, manager):
    anonymous = api.get(API)
    signed_in(api, manager)
    refused = api.get(API)
    signed_in(api, make_staff(username="staff"))
    entry = AuditEntry.objects.first()
    writes = [
        api.post(API, {"action": "x"}, format="json").status_code,
        api.patch(f"{API}{entry.pk}/", {"action": "x"}, format="json").status_code,
        api.delete(f"{API}{entry.pk}/").status_code,
    ]

    assert (anonymous.status_code, refused.status_code) == (401, 403)
    assert writes == [405, 405, 405]
    assert api.get(f"{API}{entry.pk}/").json()["action"] == entry.action
