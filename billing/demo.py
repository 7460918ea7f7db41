"""Demo canteen account, so the canteen's account page (``/canteen/account/``) and
the staff's (``/dashboard/canteen-accounts/``) show credit in use, an invoice, a
payment and money still owed after ``make run``.

The demo buyer's canteen buys on account. ``ensure_account``: staff open its
account (a credit limit of ``CREDIT_LIMIT`` yuan, ``PAYMENT_TERMS_DAYS`` days'
terms) *before* the demo orders are placed, so the order services' hook puts
both on it: last week's order, received 1.5 kg short, is invoiced on its receipt
for the kg that arrived, and the order for the next delivery day counts against
the limit until it is received. ``ensure_payment``, once the orders exist: staff
record the canteen's bank transfer that pays part of that invoice, about half,
in whole hundreds of yuan as a budget unit's transfer would be.

Each step is skipped when done already (an account, a payment), as the demo
orders are. A database loaded by an earlier demo, whose orders were paid by
card, gets the account but no invoice and so no payment.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from billing import selectors, services
from billing.models import Account, BankPayment, Invoice
from canteens.demo import BUYER_CANTEEN
from canteens.models import Organisation

CREDIT_LIMIT = Decimal("50000.00")
PAYMENT_TERMS_DAYS = 30
HUNDRED = Decimal("100")


def payment_reference(*, account: Account, received_on: datetime.date) -> str:
    """A transfer's reference as the canteen's bank (ICBC) would print it."""
    return f"ICBC-{received_on:%Y%m%d}-{account.pk:06d}"


def payment_amount(invoice: Invoice) -> Decimal:
    """About half the invoice, down to whole hundreds (at least one fen), so the
    canteen still owes the rest."""
    half = (invoice.amount / 2 / HUNDRED).quantize(Decimal("1"), ROUND_DOWN) * HUNDRED
    return max(half, Decimal("0.01")).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class AccountSummary:
    canteen: str
    limit: Decimal
    owed: Decimal
    open_orders: Decimal
    invoices: int
    payments: int


def _account() -> Account | None:
    return Account.objects.filter(organisation__name=BUYER_CANTEEN).first()


@transaction.atomic
def ensure_account() -> bool:
    """Open the demo canteen's account once; returns whether this run did."""
    canteen = Organisation.objects.get(name=BUYER_CANTEEN)
    if Account.objects.filter(organisation=canteen).exists():
        return False
    services.open_account(
        organisation_id=canteen.pk,
        credit_limit=CREDIT_LIMIT,
        payment_terms_days=PAYMENT_TERMS_DAYS,
        actor=User.objects.get(username="staff"),
    )
    return True


@transaction.atomic
def ensure_payment(*, today: datetime.date | None = None) -> bool:
    """Pay part of the demo account's first invoice once; returns whether this
    run did (not when the account has a payment already, nor no invoice)."""
    account = _account()
    if account is None or BankPayment.objects.filter(account=account).exists():
        return False
    invoice = (
        Invoice.objects.filter(account=account, amount__gt=0).order_by("pk").first()
    )
    if invoice is None:
        return False
    received_on = today or timezone.localdate()
    services.record_bank_payment(
        account_id=account.pk,
        reference=payment_reference(account=account, received_on=received_on),
        amount=payment_amount(invoice),
        received_on=received_on,
        invoice_id=invoice.pk,
        note=f"转账附言：{invoice.number}",
        actor=User.objects.get(username="staff"),
    )
    return True


def account_summary() -> AccountSummary | None:
    """What the demo canteen's account holds now (printed by ``load_demo``)."""
    account = _account()
    if account is None:
        return None
    credit = selectors.credit(account=account)
    return AccountSummary(
        canteen=account.organisation.name,
        limit=credit.limit,
        owed=credit.owed,
        open_orders=credit.open_orders,
        invoices=account.invoices.count(),
        payments=account.payments.count(),
    )
