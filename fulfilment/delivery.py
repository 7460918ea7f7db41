"""Delivery through the distribution centre, and the canteen's receipt.

What the canteen owes follows the *received* kg: each receipt line's amount is the
received kg at the line's price per kg, rounded half-up to the fen. Receiving is
when the sale becomes final, so the household ledger is written here, in the same
transaction: each line's received kg and yuan are split over the lots it was
shipped from (pro rata to shipped kg), then over each lot's households.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from audit import services as audit
from canteens.selectors import is_buyer
from fulfilment import status
from fulfilment.errors import NotAllowedNow
from fulfilment.locking import lock_bulk_order
from fulfilment.models import (
    Allocation,
    AllocationEvent,
    AllocationEventKind,
    AllocationStatus,
    BulkLine,
    BulkOrder,
    Disposition,
    OrderStatus,
    Receipt,
    ReceiptLine,
)
from ledger.apportion import FEN, GRAM, largest_remainder
from ledger.models import SourceKind
from ledger.services import SalePart, record_sale
from suppliers import bulk_stock
from suppliers.models import MovementKind
from suppliers.stock import check_kg

ZERO = Decimal(0)
MAX_OVER = Decimal("0.10")  # more than 10% over what was shipped is a typing error


@dataclass(frozen=True)
class ReceivedLine:
    line_id: int
    received_kg: Decimal
    note: str = ""


@transaction.atomic
@audit.batch()
def mark_delivered(*, order_id: int, actor=None) -> BulkOrder:
    """The distribution centre handed the shipped goods to the canteen."""
    bulk_order = lock_bulk_order(order_id)
    shipped = list(
        Allocation.objects.select_for_update().filter(
            line__bulk_order=bulk_order, status=AllocationStatus.SHIPPED
        )
    )
    if bulk_order.order.status != OrderStatus.SHIPPED or not shipped:
        raise NotAllowedNow(_("Only an order shipped in full can be delivered."))
    for allocation in shipped:
        allocation.status = AllocationStatus.DELIVERED
    Allocation.objects.bulk_update(shipped, ["status"])
    AllocationEvent.objects.bulk_create(
        AllocationEvent(
            allocation=a,
            kind=AllocationEventKind.DELIVERED,
            kg=a.shipped_kg,
            actor=actor if actor is not None and actor.is_authenticated else None,
        )
        for a in shipped
    )
    audit.record_many(
        "allocation.delivered",
        shipped,
        lambda a: {
            "status": [AllocationStatus.SHIPPED, AllocationStatus.DELIVERED],
            "kg": a.shipped_kg,
        },
        actor=actor,
    )
    audit.record(
        "bulk_order.delivered",
        bulk_order.order,
        {"status": [OrderStatus.SHIPPED, OrderStatus.DELIVERED]},
        actor=actor,
    )
    status.refresh(bulk_order)
    status.shipping_event(bulk_order, "delivered")
    return bulk_order


def line_amount(line: BulkLine, kg: Decimal) -> Decimal:
    return (kg * line.unit_price / line.unit_kg).quantize(FEN, ROUND_HALF_UP)


@transaction.atomic
@audit.batch()  # the receipt and the invoice: one audit INSERT
def confirm_receipt(
    *, order_id: int, user, lines: list[ReceivedLine], note: str = ""
) -> Receipt:
    """The canteen confirms what arrived, line by line, with actual kg."""
    bulk_order = lock_bulk_order(order_id)
    if not is_buyer(user=user, organisation_id=bulk_order.organisation_id):
        raise BulkOrder.DoesNotExist
    if bulk_order.order.status != OrderStatus.DELIVERED:
        raise NotAllowedNow(_("Only a delivered order can be received."))
    order_lines = {line.pk: line for line in bulk_order.bulk_lines.all()}
    allocations = list(
        Allocation.objects.filter(
            line__bulk_order=bulk_order, status=AllocationStatus.DELIVERED
        ).order_by("pk")
    )
    shipped = dict.fromkeys(order_lines, ZERO)
    for allocation in allocations:
        shipped[allocation.line_id] += allocation.shipped_kg
    given = _check_received(lines, order_lines, shipped)
    tolerance = Decimal(settings.NONGJIA_RECEIPT_TOLERANCE)
    receipt = Receipt.objects.create(
        bulk_order=bulk_order, received_by=user, note=note.strip()
    )
    receipt_lines = []
    for line_id, line in order_lines.items():
        received = given.get(line_id, ReceivedLine(line_id, ZERO))
        kg, sent = received.received_kg, shipped[line_id]
        line.received_kg = kg
        receipt_lines.append(
            ReceiptLine(
                receipt=receipt,
                line=line,
                shipped_kg=sent,
                received_kg=kg,
                amount=line_amount(line, kg),
                flagged=abs(kg - sent) > sent * tolerance,
                note=received.note[:255],
                disposition=Disposition.PENDING if kg < sent else Disposition.NONE,
            )
        )
    ReceiptLine.objects.bulk_create(receipt_lines)
    BulkLine.objects.bulk_update(list(order_lines.values()), ["received_kg"])
    _write_ledger(bulk_order, receipt_lines, allocations)
    for path in settings.NONGJIA_RECEIPT_RECORDERS:  # the invoice, for accounts
        import_string(path)(receipt=receipt, receipt_lines=receipt_lines)
    audit.record(
        "bulk_order.received",
        bulk_order.order,
        {
            "status": [OrderStatus.DELIVERED, OrderStatus.RECEIVED],
            "receipt": receipt,
            "received_kg": sum((line.received_kg for line in receipt_lines), ZERO),
            "amount": sum((line.amount for line in receipt_lines), ZERO),
        },
        actor=user,
    )
    status.change(bulk_order.order, OrderStatus.RECEIVED)
    status.shipping_event(bulk_order, "received", notes=note.strip())
    announce_receipt(receipt_id=receipt.pk)
    return receipt


def announce_receipt(*, receipt_id: int) -> None:
    """Tell whoever settles money on receipts (settings name them: card refunds of
    lines received short) that one was confirmed. Runs inside the receipt's
    transaction, so what a hook enqueues (a task, in the outbox) is committed
    with the receipt or not at all; a hook defers its work to after commit."""
    for path in settings.NONGJIA_RECEIPT_CONFIRMED_HOOKS:
        import_string(path)(receipt_id=receipt_id)


def _check_received(lines, order_lines, shipped) -> dict[int, ReceivedLine]:
    errors: dict[str, list[str]] = {}
    given: dict[int, ReceivedLine] = {}
    for index, received in enumerate(lines):
        key = f"lines[{index}]"
        if received.line_id not in order_lines:
            errors[f"{key}.line"] = [_("This line is not in the order.")]
            continue
        if received.line_id in given:
            errors[f"{key}.line"] = [_("This line is given twice.")]
            continue
        try:
            kg = check_kg(received.received_kg, allow_zero=True)
        except ValidationError as exc:
            errors[f"{key}.received_kg"] = exc.messages
            continue
        most = (shipped[received.line_id] * (1 + MAX_OVER)).quantize(GRAM)
        if kg > most:
            errors[f"{key}.received_kg"] = [
                _("%(kg)s kg is far more than the %(shipped)s kg shipped.")
                % {"kg": kg, "shipped": shipped[received.line_id]}
            ]
            continue
        given[received.line_id] = ReceivedLine(received.line_id, kg, received.note)
    missing = [
        line_id for line_id, kg in shipped.items() if kg > 0 and line_id not in given
    ]
    if missing:
        errors.setdefault("lines", []).append(
            _("Give the received kg of every line that was shipped (missing: %(ids)s).")
            % {"ids": ", ".join(str(i) for i in missing)}
        )
    if errors:
        raise ValidationError(errors)
    return given


def receipt_parts(receipt_line, shipped) -> list[SalePart]:
    """What a receipt line puts in the ledger: its received kg at the line's price,
    split over the lots it was shipped from (``shipped``: its allocations that
    shipped kg, in id order) in proportion to the kg each shipped."""
    kg = receipt_line.received_kg
    if not shipped or not kg:
        return []
    weights = [a.shipped_kg for a in shipped]
    kgs = largest_remainder(kg, weights, GRAM)
    yuans = largest_remainder(line_amount(receipt_line.line, kg), weights, FEN)
    return [
        SalePart(lot_id=a.lot_id, kg=k, yuan=y)
        for a, k, y in zip(shipped, kgs, yuans, strict=True)
    ]


def _write_ledger(bulk_order, receipt_lines, allocations) -> None:
    """Each received line into the ledger, in the canteen's channel."""
    by_line: dict[int, list[Allocation]] = {}
    for allocation in allocations:
        if allocation.shipped_kg:
            by_line.setdefault(allocation.line_id, []).append(allocation)
    for receipt_line in receipt_lines:
        parts = receipt_parts(receipt_line, by_line.get(receipt_line.line_id, []))
        if parts:
            record_sale(
                source_kind=SourceKind.RECEIPT_LINE,
                source_id=receipt_line.pk,
                order_ref=bulk_order.order.number,
                sale_date=bulk_order.delivery_date,
                channel_id=bulk_order.organisation.channel_id,
                parts=parts,
            )


@transaction.atomic
def decide_missing(*, receipt_line_id: int, disposition: str, actor) -> ReceiptLine:
    """Staff decide what happens to kg shipped but not received: back into the
    lots they came from (pro rata), or written off (already out of stock)."""
    if disposition not in (Disposition.RETURNED, Disposition.WRITTEN_OFF):
        raise ValidationError({"disposition": _("Choose returned or written off.")})
    order_id = ReceiptLine.objects.values_list("receipt__bulk_order_id", flat=True).get(
        pk=receipt_line_id
    )
    bulk_order = lock_bulk_order(order_id)
    receipt_line = ReceiptLine.objects.select_for_update().get(pk=receipt_line_id)
    if receipt_line.disposition != Disposition.PENDING:
        raise NotAllowedNow(_("This line has been decided already."))
    missing = receipt_line.missing_kg
    if disposition == Disposition.RETURNED:
        sources = list(
            Allocation.objects.filter(
                line_id=receipt_line.line_id, shipped_kg__gt=0
            ).order_by("pk")
        )
        kgs = largest_remainder(missing, [a.shipped_kg for a in sources], GRAM)
        locked = bulk_stock.lock_lots(lot_ids=[a.lot_id for a in sources])
        bulk_stock.apply_changes(
            locked,
            [
                bulk_stock.Change(
                    lot_id=a.lot_id,
                    kind=MovementKind.RETURNED,
                    on_hand_delta=kg,
                    reserved_delta=ZERO,
                    reason=_("not received by the canteen, back in stock"),
                    reference=bulk_order.order.number,
                )
                for a, kg in zip(sources, kgs, strict=True)
                if kg
            ],
            actor=actor,
        )
    audit.record(
        "bulk_order.missing_decided",
        bulk_order.order,
        {
            "line": receipt_line.line_id,
            "disposition": [receipt_line.disposition, disposition],
            "kg": missing,
        },
        actor=actor,
    )
    receipt_line.disposition = disposition
    receipt_line.decided_by = actor
    receipt_line.save(update_fields=["disposition", "decided_by"])
    apps.get_model("order", "OrderNote").objects.create(
        order=bulk_order.order,
        user=actor,
        note_type="System",
        message=_("%(kg)s kg of line %(line)s not received: %(what)s.")
        % {
            "kg": missing,
            "line": receipt_line.line_id,
            "what": Disposition(disposition).label,
        },
    )
    return receipt_line
