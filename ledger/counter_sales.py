"""Counter sales: what channel operators report they sold, into the ledger.

A batch is recorded whole or not at all. Each row names a day, a channel, a product,
kg and yuan, and — when the operator knows — the cooperative (by registration code)
or the lot. Rows are attributed to harvest lots so the ledger reaches households:
the lot given; else that cooperative's lots; else any cooperative's lots of the
product; in both latter cases oldest harvest first (first in, first out), counting
only kg of lots harvested by the sale date that no sale has accounted for yet. The
row records which way it was attributed, and says so.

A batch reference or a file already recorded is refused, so a re-upload is never
counted twice; a recorded batch is withdrawn with reversing entries, never deleted.
"""

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.models import Channel
from ledger.apportion import FEN, GRAM, largest_remainder
from ledger.models import (
    Attribution,
    CounterSale,
    CounterSaleBatch,
    LedgerEntry,
    SourceKind,
)
from ledger.services import Sale, SalePart, record_sales, reverse_source
from shop.apps.catalogue.models import CertificateStatus
from suppliers.models import Cooperative, StockLot
from suppliers.tabular import RowError

ZERO = Decimal(0)
MAX_KG = Decimal("1000000")
MAX_YUAN = Decimal("100000000")


@dataclass(frozen=True)
class CounterSaleInput:
    line: int
    sale_date: datetime.date
    channel: str
    sku: str
    kg: Decimal
    yuan: Decimal
    cooperative: str = ""  # registration code
    lot: str = ""  # lot code


class CounterSalesRejected(Exception):
    """Nothing was recorded: every problem, at its line (0: the batch)."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = sorted(errors, key=lambda e: (e.line, e.field))


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass
class _Row:
    given: CounterSaleInput
    channel: Channel
    product: object
    cooperative: Cooperative | None
    lot: StockLot | None


def _check_batch(reference: str, digest: str | None, errors) -> None:
    if not reference.strip():
        errors.append(RowError(0, "reference", _("Give the batch a reference.")))
        return
    earlier = CounterSaleBatch.objects.filter(reference=reference.strip()).first()
    if earlier is None and digest:
        earlier = CounterSaleBatch.objects.filter(content_hash=digest).first()
    if earlier is not None:
        errors.append(
            RowError(
                0,
                "reference",
                _("This batch was recorded already (%(ref)s, %(when)s).")
                % {
                    "ref": earlier.reference,
                    "when": timezone.localtime(earlier.created_at).strftime(
                        "%Y-%m-%d %H:%M"
                    ),
                },
            )
        )


def _check_amounts(given: CounterSaleInput, errors) -> None:
    if not given.kg.is_finite() or given.kg <= 0 or given.kg > MAX_KG:
        errors.append(RowError(given.line, "kg", _("Kilograms must be more than 0.")))
    elif given.kg != given.kg.quantize(GRAM):
        errors.append(
            RowError(
                given.line, "kg", _("Kilograms are exact to the gram (3 decimals).")
            )
        )
    if not given.yuan.is_finite() or given.yuan < 0 or given.yuan > MAX_YUAN:
        errors.append(RowError(given.line, "yuan", _("Give the amount in yuan.")))
    elif given.yuan != given.yuan.quantize(FEN):
        errors.append(RowError(given.line, "yuan", _("Yuan are exact to the fen.")))


def _resolve(rows: Sequence[CounterSaleInput], errors) -> list[_Row]:
    """Look every name up in one query per kind, and check each row."""
    Product = apps.get_model("catalogue", "Product")
    channels = {
        c.code: c for c in Channel.objects.filter(code__in={r.channel for r in rows})
    }
    products = {p.upc: p for p in Product.objects.filter(upc__in={r.sku for r in rows})}
    cooperatives = {
        c.registration_code: c
        for c in Cooperative.objects.filter(
            registration_code__in={r.cooperative for r in rows if r.cooperative}
        )
    }
    lots = defaultdict(list)
    for lot in StockLot.objects.filter(code__in={r.lot for r in rows if r.lot}):
        lots[lot.code].append(lot)
    today = timezone.localdate()
    resolved = []
    for given in rows:
        before = len(errors)
        _check_amounts(given, errors)
        if given.sale_date > today:
            errors.append(
                RowError(given.line, "date", _("The sale date is in the future."))
            )
        channel = channels.get(given.channel)
        if channel is None:
            errors.append(RowError(given.line, "channel", _("Unknown channel.")))
        elif given.sale_date < channel.opened_on or (
            channel.closed_on and given.sale_date > channel.closed_on
        ):
            errors.append(
                RowError(given.line, "channel", _("The channel was not open that day."))
            )
        product = products.get(given.sku)
        if product is None:
            errors.append(RowError(given.line, "sku", _("Unknown SKU.")))
        elif product.certificate_status(on=given.sale_date) != CertificateStatus.VALID:
            errors.append(
                RowError(
                    given.line,
                    "sku",
                    _("Not certified poverty-area produce on that day."),
                )
            )
        cooperative = None
        if given.cooperative:
            cooperative = cooperatives.get(given.cooperative)
            if cooperative is None:
                errors.append(
                    RowError(given.line, "cooperative", _("Unknown cooperative."))
                )
        lot = None
        if given.lot:
            candidates = [
                x
                for x in lots.get(given.lot, [])
                if cooperative is None or x.cooperative_id == cooperative.pk
            ]
            if len(candidates) != 1:
                errors.append(
                    RowError(
                        given.line,
                        "lot",
                        _("Unknown lot.")
                        if not candidates
                        else _("Several cooperatives have this lot code: name one."),
                    )
                )
            elif product is not None and candidates[0].product_id != product.pk:
                errors.append(
                    RowError(given.line, "lot", _("The lot is of another product."))
                )
            else:
                lot = candidates[0]
        if len(errors) == before:
            resolved.append(_Row(given, channel, product, cooperative, lot))
    return resolved


def _unaccounted_lots(product_ids) -> dict[int, list]:
    """Per product, its lots (locked under their stock records) with the kg no
    sale has accounted for yet, oldest harvest first."""
    StockRecord = apps.get_model("partner", "StockRecord")
    list(
        StockRecord.objects.select_for_update()
        .filter(product_id__in=product_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    lots = list(
        StockLot.objects.filter(product_id__in=product_ids).order_by(
            "harvest_date", "pk"
        )
    )
    sold = dict(
        LedgerEntry.objects.filter(lot__in=lots)
        .values("lot_id")
        .annotate(kg=Sum("kg"))
        .values_list("lot_id", "kg")
    )
    by_product = defaultdict(list)
    for lot in lots:
        # SQLite sums decimals as floats: back to whole grams.
        sold_kg = (sold.get(lot.pk) or ZERO).quantize(GRAM)
        lot.unaccounted_kg = lot.received_kg - sold_kg
        by_product[lot.product_id].append(lot)
    return by_product


def _attribute(row: _Row, lots, errors) -> tuple[str, list[tuple[StockLot, Decimal]]]:
    """Which lots the row's kg came from (and take them from ``lots``)."""
    if row.lot is not None:
        pool, how = [x for x in lots if x.pk == row.lot.pk], Attribution.LOT
    elif row.cooperative is not None:
        pool = [x for x in lots if x.cooperative_id == row.cooperative.pk]
        how = Attribution.COOPERATIVE_FIFO
    else:
        pool, how = lots, Attribution.FIFO
    pool = [x for x in pool if x.harvest_date <= row.given.sale_date]
    need, taken = row.given.kg, []
    for lot in pool:
        if need <= 0:
            break
        take = min(lot.unaccounted_kg, need)
        if take > 0:
            taken.append((lot, take))
            need -= take
    if need > 0:
        errors.append(
            RowError(
                row.given.line,
                "kg",
                _(
                    "Only %(kg)s kg of this product harvested by that day are not "
                    "accounted for by other sales."
                )
                % {"kg": row.given.kg - need},
            )
        )
        return how, []
    for lot, kg in taken:
        lot.unaccounted_kg -= kg
    return how, taken


def _parts(yuan: Decimal, taken) -> list[SalePart]:
    """A row's yuan split over the lots its kg came from, pro rata to the kg."""
    yuans = largest_remainder(yuan, [kg for _lot, kg in taken], FEN)
    return [
        SalePart(lot_id=lot.pk, kg=kg, yuan=share)
        for (lot, kg), share in zip(taken, yuans, strict=True)
    ]


@transaction.atomic
def record_counter_sales(
    *,
    rows: Sequence[CounterSaleInput],
    reference: str,
    actor=None,
    content: bytes | None = None,
    filename: str = "",
) -> CounterSaleBatch:
    """Record a batch of counter sales and their ledger entries, or refuse it all."""
    errors: list[RowError] = []
    digest = content_hash(content) if content is not None else None
    _check_batch(reference, digest, errors)
    if not rows:
        errors.append(RowError(0, "file", _("The batch has no sales.")))
    resolved = _resolve(rows, errors)
    lots = _unaccounted_lots({row.product.pk for row in resolved}) if resolved else {}
    attributed = []
    for row in sorted(resolved, key=lambda r: (r.given.sale_date, r.given.line)):
        how, taken = _attribute(row, lots[row.product.pk], errors)
        attributed.append((row, how, taken))
    if errors:
        raise CounterSalesRejected(errors)
    try:
        with transaction.atomic():
            batch = CounterSaleBatch.objects.create(
                reference=reference.strip(),
                content_hash=digest,
                filename=filename[:255],
                uploaded_by=actor
                if actor is not None and actor.is_authenticated
                else None,
            )
    except IntegrityError as exc:  # the same batch, concurrently
        raise CounterSalesRejected(
            [RowError(0, "reference", _("This batch is being recorded already."))]
        ) from exc
    sales = CounterSale.objects.bulk_create(
        CounterSale(
            batch=batch,
            line=row.given.line,
            sale_date=row.given.sale_date,
            channel=row.channel,
            product=row.product,
            cooperative=row.cooperative,
            lot=row.lot,
            kg=row.given.kg,
            yuan=row.given.yuan,
            attribution=how,
        )
        for row, how, _taken in attributed
    )
    record_sales(
        sales=[
            Sale(
                source_kind=SourceKind.COUNTER_SALE,
                source_id=sale.pk,
                order_ref=f"C{sale.pk}",
                sale_date=sale.sale_date,
                channel_id=sale.channel_id,
                parts=_parts(row.given.yuan, taken),
            )
            for sale, (row, _how, taken) in zip(sales, attributed, strict=True)
        ]
    )
    return batch


@transaction.atomic
def withdraw_batch(*, batch_id: int, reason: str, actor=None) -> CounterSaleBatch:
    """Take a recorded batch back: reversing entries for every sale in it."""
    batch = CounterSaleBatch.objects.select_for_update().get(pk=batch_id)
    if batch.withdrawn_at is not None:
        return batch
    if not reason.strip():
        raise CounterSalesRejected(
            [RowError(0, "reason", _("Say why the batch is withdrawn."))]
        )
    for sale_id in batch.sales.values_list("pk", flat=True):
        reverse_source(source_kind=SourceKind.COUNTER_SALE, source_id=sale_id)
    batch.withdrawn_at = timezone.now()
    batch.withdrawn_reason = reason.strip()[:255]
    batch.save(update_fields=["withdrawn_at", "withdrawn_reason"])
    return batch
