"""Writing to canteen accounts. Every change locks the account row first (after
the organisation or the order its caller already holds), so checks against the
credit limit, invoices and matching never interleave for one canteen.

Called from the order services through settings hooks (``NONGJIA_ORDER_PLACED_
CHECKS`` and ``NONGJIA_RECEIPT_RECORDERS``), inside their transactions: an order
refused for credit rolls back with everything it would have reserved, and an
invoice is written with the receipt it bills.
"""

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from billing import selectors
from billing.errors import BillingError, CreditLimitExceeded
from billing.models import (
    Account,
    AccountEvent,
    AccountEventKind,
    AccountOrder,
    BankPayment,
    Book,
    CreditNote,
    EntryKind,
    Invoice,
    InvoiceLine,
    JournalEntry,
    Match,
    Posting,
)
from ledger.apportion import FEN
from suppliers.access import is_staff

ZERO = Decimal("0.00")
MAX_TERMS_DAYS = 365


def _require_staff(actor) -> None:
    if not is_staff(actor):
        raise BillingError(
            _("Only platform staff can change canteen accounts."), code="forbidden"
        )


def _money(value, field: str, *, allow_zero: bool = False) -> Decimal:
    """A yuan amount in fen, above zero (or zero when allowed)."""
    try:
        amount = Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise BillingError(_("Give an amount in yuan."), code="invalid", field=field)
    if amount != amount.quantize(FEN):
        raise BillingError(
            _("Give the amount in yuan and fen (two decimals at most)."),
            code="invalid",
            field=field,
        )
    if amount < 0 or (amount == 0 and not allow_zero):
        raise BillingError(
            _("The amount must be above zero."), code="invalid", field=field
        )
    if amount >= Decimal("1e12"):
        raise BillingError(_("The amount is too large."), code="invalid", field=field)
    return amount.quantize(FEN)


def _terms(days) -> int:
    if not isinstance(days, int) or not 0 <= days <= MAX_TERMS_DAYS:
        raise BillingError(
            _("Payment terms are 0 to %(most)s days.") % {"most": MAX_TERMS_DAYS},
            code="invalid",
            field="payment_terms_days",
        )
    return days


def lock_account(account_id: int) -> Account:
    return Account.objects.select_for_update().get(pk=account_id)


@transaction.atomic
def open_account(
    *, organisation_id: int, credit_limit, payment_terms_days: int = 30, actor
) -> Account:
    """Staff open a canteen's account: from now on its orders are on credit."""
    _require_staff(actor)
    limit = _money(credit_limit, "credit_limit", allow_zero=True)
    days = _terms(payment_terms_days)
    try:
        with transaction.atomic():
            account = Account.objects.create(
                organisation_id=organisation_id,
                credit_limit=limit,
                payment_terms_days=days,
            )
    except IntegrityError as exc:
        raise BillingError(
            _("This canteen has an account already."),
            code="exists",
            field="organisation",
        ) from exc
    AccountEvent.objects.create(
        account=account,
        kind=AccountEventKind.OPENED,
        actor=actor,
        detail={"credit_limit": str(limit), "payment_terms_days": days},
    )
    audit.record(
        "account.opened",
        account,
        {"credit_limit": limit, "payment_terms_days": days},
        actor=actor,
    )
    return account


@transaction.atomic
def change_terms(
    *,
    account_id: int,
    actor,
    credit_limit=None,
    payment_terms_days: int | None = None,
    is_active: bool | None = None,
) -> Account:
    """Staff change a limit, the terms, or stop (restart) buying on account.

    Lowering a limit below what is owed refuses no past order; it refuses the
    next ones until payments bring the canteen back under it.
    """
    _require_staff(actor)
    account = lock_account(account_id)
    before, after = {}, {}
    changes = {
        "credit_limit": None
        if credit_limit is None
        else _money(credit_limit, "credit_limit", allow_zero=True),
        "payment_terms_days": None
        if payment_terms_days is None
        else _terms(payment_terms_days),
        "is_active": is_active,
    }
    for field, value in changes.items():
        if value is not None and getattr(account, field) != value:
            before[field] = str(getattr(account, field))
            after[field] = str(value)
            setattr(account, field, value)
    if after:
        account.save(update_fields=list(after))
        AccountEvent.objects.create(
            account=account,
            kind=AccountEventKind.CHANGED,
            actor=actor,
            detail={"before": before, "after": after},
        )
        audit.record(
            "account.changed",
            account,
            {field: [before[field], after[field]] for field in after},
            actor=actor,
        )
    return account


def charge_to_account(*, bulk_order, total: Decimal) -> AccountOrder | None:
    """Put an order being placed on its canteen's account, within the limit.

    Hook of the order services (the organisation locked, the order written but
    not yet routed). No active account: the canteen pays by card, nothing to do.
    Beyond the limit: ``CreditLimitExceeded``, and the caller's transaction
    rolls back, order and all.
    """
    account_id = (
        Account.objects.filter(organisation_id=bulk_order.organisation_id)
        .filter(is_active=True)
        .values_list("pk", flat=True)
        .first()
    )
    if account_id is None:
        return None
    account = lock_account(account_id)
    if not account.is_active:
        return None
    credit = selectors.credit(account=account)
    if credit.used + total > account.credit_limit:
        raise CreditLimitExceeded(
            _(
                "This order (%(total)s yuan) is beyond the canteen's credit: "
                "%(available)s yuan of %(limit)s yuan is left. Nothing was "
                "ordered; pay the open invoices or ask the platform to raise "
                "the limit."
            )
            % {
                "total": total,
                "available": max(credit.available, ZERO),
                "limit": account.credit_limit,
            },
            limit=account.credit_limit,
            used=credit.used,
            needed=total,
        )
    return AccountOrder.objects.create(
        account=account, bulk_order=bulk_order, amount=total
    )


def invoice_receipt(*, receipt, receipt_lines) -> Invoice | None:
    """Invoice an order on account from its receipt: the received kg at each
    line's price (the receipt lines' amounts). Hook of the receipt service,
    inside its transaction; orders not on account are left alone."""
    bulk_order = receipt.bulk_order
    charged = (
        AccountOrder.objects.filter(bulk_order=bulk_order)
        .values_list("account_id", flat=True)
        .first()
    )
    if charged is None:
        return None
    account = lock_account(charged)
    issued_on = timezone.localdate()
    by_line = {line.line_id: line for line in receipt_lines}
    bulk_lines = list(bulk_order.bulk_lines.select_related("line").order_by("pk"))
    amount = sum((by_line[line.pk].amount for line in bulk_lines), ZERO)
    invoice = Invoice.objects.create(
        account=account,
        bulk_order=bulk_order,
        number=f"INV-{bulk_order.order.number}",
        issued_on=issued_on,
        due_on=issued_on + datetime.timedelta(days=account.payment_terms_days),
        ordered_amount=bulk_order.order.total_incl_tax,
        amount=amount,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            bulk_line=line,
            title=line.line.title,
            unit_kg=line.unit_kg,
            unit_price=line.unit_price,
            ordered_kg=line.ordered_kg,
            received_kg=by_line[line.pk].received_kg,
            ordered_amount=line.line.line_price_incl_tax,
            amount=by_line[line.pk].amount,
        )
        for line in bulk_lines
    )
    audit.record(
        "invoice.issued",
        invoice,
        {"order": bulk_order.order.number, "amount": amount, "due_on": invoice.due_on},
    )
    if amount:
        _post(
            account,
            kind=EntryKind.INVOICE,
            booked_on=issued_on,
            debit=Book.RECEIVABLE,
            credit=Book.SALES,
            amount=amount,
            memo=invoice.number,
            invoice=invoice,
        )
        _match(account)
    return invoice


@transaction.atomic
def record_bank_payment(
    *,
    account_id: int,
    reference: str,
    amount,
    received_on: datetime.date,
    actor,
    invoice_id: int | None = None,
    note: str = "",
) -> BankPayment:
    """Staff record a bank transfer from a canteen; it settles the named invoice
    first (when given), then the oldest due; what is left stays as credit."""
    _require_staff(actor)
    reference = (reference or "").strip()
    if not reference:
        raise BillingError(
            _("Give the bank's reference for the transfer."),
            code="required",
            field="reference",
        )
    amount = _money(amount, "amount")
    if received_on > timezone.localdate():
        raise BillingError(
            _("The date cannot be in the future."), code="invalid", field="received_on"
        )
    account = lock_account(account_id)
    invoice = _own_invoice(account, invoice_id)
    if BankPayment.objects.filter(account=account, reference=reference).exists():
        raise BillingError(
            _("A payment with this bank reference is recorded already."),
            code="duplicate",
            field="reference",
        )
    payment = BankPayment.objects.create(
        account=account,
        reference=reference,
        amount=amount,
        received_on=received_on,
        invoice=invoice,
        note=note.strip()[:255],
        recorded_by=actor,
    )
    _post(
        account,
        kind=EntryKind.PAYMENT,
        booked_on=received_on,
        debit=Book.BANK,
        credit=Book.RECEIVABLE,
        amount=amount,
        memo=reference,
        actor=actor,
        payment=payment,
    )
    audit.record(
        "bank_payment.recorded",
        payment,
        {
            "account": account,
            "amount": amount,
            "received_on": received_on,
            "invoice": invoice,
        },
        actor=actor,
    )
    _match(account)
    payment.refresh_from_db()
    return payment


@transaction.atomic
def issue_credit_note(
    *,
    account_id: int,
    amount,
    reason: str,
    actor,
    invoice_id: int | None = None,
) -> CreditNote:
    """Staff credit a canteen (against an invoice, or on account). Against an
    invoice, never more than the invoice's amount less its earlier credits."""
    _require_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise BillingError(
            _("Say why the canteen is credited."), code="required", field="reason"
        )
    amount = _money(amount, "amount")
    account = lock_account(account_id)
    invoice = _own_invoice(account, invoice_id)
    if invoice is not None:
        credited = invoice.credit_notes.aggregate(total=Sum("amount"))["total"]
        left = invoice.amount - Decimal(credited or 0).quantize(FEN)
        if amount > left:
            raise BillingError(
                _("At most %(left)s yuan can be credited on invoice %(number)s.")
                % {"left": left, "number": invoice.number},
                code="too_much",
                field="amount",
            )
    count = CreditNote.objects.filter(account=account).count()
    note = CreditNote.objects.create(
        account=account,
        number=f"CN-{account.pk:04d}-{count + 1:04d}",
        invoice=invoice,
        amount=amount,
        reason=reason[:255],
        issued_on=timezone.localdate(),
        issued_by=actor,
    )
    _post(
        account,
        kind=EntryKind.CREDIT_NOTE,
        booked_on=note.issued_on,
        debit=Book.ALLOWANCES,
        credit=Book.RECEIVABLE,
        amount=amount,
        memo=note.number,
        actor=actor,
        credit_note=note,
    )
    audit.record(
        "credit_note.issued",
        note,
        {"account": account, "amount": amount, "invoice": invoice, "reason": reason},
        actor=actor,
    )
    _match(account)
    note.refresh_from_db()
    return note


def _own_invoice(account: Account, invoice_id: int | None) -> Invoice | None:
    if invoice_id is None:
        return None
    invoice = Invoice.objects.filter(account=account, pk=invoice_id).first()
    if invoice is None:
        raise BillingError(
            _("This invoice is not one of the canteen's."),
            code="invalid",
            field="invoice",
        )
    return invoice


def _post(account, *, kind, booked_on, debit, credit, amount, memo, actor=None, **doc):
    """One balanced journal entry: ``amount`` debited to one book account and
    credited to another; receivable postings carry the canteen's account."""
    entry = JournalEntry.objects.create(
        account=account,
        kind=kind,
        booked_on=booked_on,
        memo=memo,
        actor=actor if actor is not None and actor.is_authenticated else None,
        **doc,
    )
    Posting.objects.bulk_create(
        [
            Posting(
                entry=entry,
                book=debit,
                account=account if debit == Book.RECEIVABLE else None,
                amount=amount,
            ),
            Posting(
                entry=entry,
                book=credit,
                account=account if credit == Book.RECEIVABLE else None,
                amount=-amount,
            ),
        ]
    )
    return entry


def _match(account: Account) -> list[Match]:
    """Settle open invoices with unmatched payments and credit notes (the account
    locked by the caller, so nothing else matches meanwhile).

    A payment or credit note that names an invoice settles that one first;
    then everything unmatched settles the invoices oldest due first, the
    oldest money first.
    """
    invoices = list(
        Invoice.objects.filter(account=account, settled__lt=F("amount")).order_by(
            "due_on", "pk"
        )
    )
    if not invoices:
        return []
    sources = [
        *BankPayment.objects.filter(account=account, matched__lt=F("amount")),
        *CreditNote.objects.filter(account=account, matched__lt=F("amount")),
    ]
    if not sources:
        return []
    sources.sort(key=_source_order)
    matches: list[Match] = []
    by_id = {invoice.pk: invoice for invoice in invoices}
    for source in sources:
        if source.invoice_id in by_id:
            _settle(source, by_id[source.invoice_id], matches)
    for source in sources:
        for invoice in invoices:
            if source.unmatched <= 0:
                break
            _settle(source, invoice, matches)
    Match.objects.bulk_create(matches)
    Invoice.objects.bulk_update(invoices, ["settled"])
    payments = [s for s in sources if isinstance(s, BankPayment)]
    notes = [s for s in sources if isinstance(s, CreditNote)]
    BankPayment.objects.bulk_update(payments, ["matched"])
    CreditNote.objects.bulk_update(notes, ["matched"])
    return matches


def _source_order(source) -> tuple:
    day = source.received_on if isinstance(source, BankPayment) else source.issued_on
    return (day, isinstance(source, BankPayment), source.pk)


def _settle(source, invoice: Invoice, matches: list[Match]) -> None:
    amount = min(source.unmatched, invoice.outstanding)
    if amount <= 0:
        return
    invoice.settled += amount
    source.matched += amount
    field = "payment" if isinstance(source, BankPayment) else "credit_note"
    matches.append(Match(invoice=invoice, amount=amount, **{field: source}))
