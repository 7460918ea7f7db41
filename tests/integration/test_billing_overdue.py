"""Overdue invoices: the daily task flags each once, writes an audit row and,
after commit, emails the canteen's buyers and approvers."""

import datetime

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from billing import overdue, services
from billing.models import AccountEvent, Invoice
from billing.tasks import flag_overdue_invoices
from canteens.services import add_member
from tests.factories import UserFactory
from tests.integration.billing_helpers import (
    D,
    canteen_with_stock,
    deliver,
    open_account,
    receive,
    received_order,
)
from tests.integration.bulk import place

pytestmark = pytest.mark.django_db
DAYS = datetime.timedelta(days=1)


@pytest.fixture
def invoices(cooperative, staff, monkeypatch):
    """Three invoices on 14 days' terms: ``late`` (rice, 100.00) and ``paid``
    (tea, 80.00, paid) issued today, ``recent`` (rice, 50.00) five days later."""
    buyer, canteen, rice, tea = canteen_with_stock(cooperative)
    add_member(organisation=canteen, user=UserFactory(username="approver"),
               role="approver")  # fmt: skip
    add_member(organisation=canteen, user=UserFactory(username="no_mail", email=""))
    account = open_account(staff, canteen, limit="5000.00", days=14)
    today = timezone.localdate()
    late = received_order(buyer, canteen, [(rice, 8)], "8").invoice
    paid = received_order(buyer, canteen, [(tea, 1)], "1").invoice
    services.record_bank_payment(
        account_id=account.pk,
        reference="ICBC-1",
        amount="80.00",
        received_on=today,
        invoice_id=paid.pk,
        actor=staff,
    )
    recent = place(buyer, canteen, [(rice, 4)])
    deliver(recent)
    with monkeypatch.context() as patch:
        patch.setattr("django.utils.timezone.localdate", lambda *a: today + 5 * DAYS)
        receive(buyer, recent, "4")
    recent = Invoice.objects.get(bulk_order=recent)
    return today, account, late, paid, recent


def run_on(monkeypatch, day, capture):
    with monkeypatch.context() as patch:
        patch.setattr("django.utils.timezone.localdate", lambda *a: day)
        with capture(execute=True):
            return flag_overdue_invoices()


def test_the_task_flags_each_overdue_invoice_once_and_mails_once(
    invoices, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    today, account, late, paid, recent = invoices
    day = today + 15 * DAYS  # late is one day past due; recent not yet

    assert run_on(monkeypatch, day, django_capture_on_commit_callbacks) == 1
    assert run_on(monkeypatch, day, django_capture_on_commit_callbacks) == 0

    flagged = Invoice.objects.exclude(overdue_notified_at=None)
    assert list(flagged.values_list("number", flat=True)) == [late.number]
    event = AccountEvent.objects.get(kind="overdue")
    assert (event.account, event.actor, event.detail) == (
        account,
        None,
        {
            "invoice": late.number,
            "due_on": (today + 14 * DAYS).isoformat(),
            "outstanding": "100.00",
            "days_overdue": 1,
        },
    )
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert sorted(mail.to) == ["approver@example.com", "canteen_buyer@example.com"]
    assert mail.subject == f"Invoice {late.number} is overdue"
    order = late.bulk_order.order.number
    assert mail.body == (
        f"{account.organisation.name}: invoice {late.number} for order {order}, "
        f"issued on {today.isoformat()}, was due on "
        f"{(today + 14 * DAYS).isoformat()}.\n"
        "Amount: 100.00 yuan; still to pay: 100.00 yuan.\n\n"
        "Please pay by bank transfer quoting the invoice number. Orders on account "
        "stop when the credit limit is reached."
    )

    # Once the recent one is late too, only it is flagged and mailed.
    later = today + 20 * DAYS
    assert run_on(monkeypatch, later, django_capture_on_commit_callbacks) == 1
    assert sorted(flagged.values_list("number", flat=True)) == sorted(
        [late.number, recent.number]
    )
    assert [m.subject for m in mailoutbox] == [
        f"Invoice {late.number} is overdue",
        f"Invoice {recent.number} is overdue",
    ]
    assert AccountEvent.objects.filter(kind="overdue").count() == 2
    paid.refresh_from_db()
    assert paid.overdue_notified_at is None


def test_the_mail_waits_for_the_commit(
    invoices, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    today, _account, late, _paid, _recent = invoices
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert overdue.flag_overdue_invoice(invoice_id=late.pk, today=today + 15 * DAYS)
    assert (len(callbacks), mailoutbox) == (1, [])
    callbacks[0]()
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("which", ["paid", "recent"])
def test_a_paid_or_not_yet_due_invoice_is_not_flagged(
    invoices, mailoutbox, django_capture_on_commit_callbacks, which
):
    today, _account, _late, paid, recent = invoices
    invoice = {"paid": paid, "recent": recent}[which]
    with django_capture_on_commit_callbacks(execute=True):
        flagged = overdue.flag_overdue_invoice(
            invoice_id=invoice.pk, today=today + 15 * DAYS
        )
    invoice.refresh_from_db()
    assert (flagged, invoice.overdue_notified_at, mailoutbox) == (False, None, [])
    assert AccountEvent.objects.filter(kind="overdue").count() == 0


def test_an_invoice_paid_before_the_mail_goes_is_not_mentioned(
    invoices, staff, mailoutbox, django_capture_on_commit_callbacks
):
    today, account, late, _paid, _recent = invoices
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        overdue.flag_overdue_invoice(invoice_id=late.pk, today=today + 15 * DAYS)
    services.record_bank_payment(
        account_id=account.pk,
        reference="ICBC-2",
        amount="100.00",
        received_on=today,
        actor=staff,
    )
    callbacks[0]()
    assert mailoutbox == []
    late.refresh_from_db()
    assert (late.settled, late.overdue_notified_at is not None) == (D("100.00"), True)


def test_the_task_runs_daily_at_eight():
    entry = settings.CELERY_BEAT_SCHEDULE["flag-overdue-invoices"]
    assert entry == {
        "task": "billing.tasks.flag_overdue_invoices",
        "schedule": crontab(minute=0, hour=8),
    }
    assert flag_overdue_invoices.name == entry["task"]
