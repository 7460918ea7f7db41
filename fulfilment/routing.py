"""The routing policy: which lots, at which cooperatives, serve an order line.

A pure function of its inputs (no database), so the same state always gives the
same routing, and the policy is unit-tested on its own.

Eligible lots (chosen by the caller): the line's product, free kg, and still fresh
on the delivery date — best-before minus the product's minimum remaining shelf life
is on or after the delivery date — at cooperatives that have not refused the line.

Then, with the default policy (``settings.NONGJIA_ROUTING``):

1. **Whole units per cooperative.** A unit of sale (a 5 kg crate) is packed at one
   cooperative, so each cooperative is given whole units: as many as its eligible
   lots' free kg and its remaining daily capacity for the delivery date allow.
2. **Fewest cooperatives** (``fewest_cooperatives``): the line uses the smallest
   number of cooperatives that can cover it (less handling at the centre).
3. **Which cooperatives** (``cooperative_order``): among the choices that keep that
   number, cooperatives are taken in this order —
   ``least_income``: lowest yuan earned so far this year by the households behind
   its eligible lots (a weighted mean by their kg shares), so the benefit spreads —
   the point of consumption assistance; ``earliest_best_before``: its earliest
   eligible best-before. Ties: lower cooperative id.
4. **Which lots at a cooperative** (``lot_order``): ``earliest_best_before`` first
   (oldest stock leaves first), then ``least_income``. Ties: lower lot id.

What cannot be covered stays short on the line. Every pick carries the scores that
chose it, for the explanation staff see.
"""

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

ZERO = Decimal(0)
CRITERIA = ("least_income", "earliest_best_before")


@dataclass(frozen=True)
class Policy:
    fewest_cooperatives: bool = True
    cooperative_order: tuple[str, ...] = ("least_income", "earliest_best_before")
    lot_order: tuple[str, ...] = ("earliest_best_before", "least_income")

    def __post_init__(self):
        for name in (*self.cooperative_order, *self.lot_order):
            if name not in CRITERIA:
                raise ValueError(f"unknown routing criterion {name!r}")

    @classmethod
    def from_settings(cls, value: Mapping) -> "Policy":
        return cls(
            fewest_cooperatives=bool(value.get("fewest_cooperatives", True)),
            cooperative_order=tuple(value.get("cooperative_order", CRITERIA)),
            lot_order=tuple(value.get("lot_order", CRITERIA[::-1])),
        )


@dataclass(frozen=True)
class Candidate:
    """An eligible lot, with the mean yearly income of its households."""

    lot_id: int
    cooperative_id: int
    free_kg: Decimal
    best_before: datetime.date
    income: Decimal


@dataclass(frozen=True)
class Pick:
    lot_id: int
    cooperative_id: int
    kg: Decimal
    scores: dict


@dataclass(frozen=True)
class _Offer:
    """What one cooperative can give the line."""

    cooperative_id: int
    units: int
    lots: tuple[Candidate, ...]
    income: Decimal
    earliest: datetime.date

    def key(self, order: Sequence[str]):
        values = {"least_income": self.income, "earliest_best_before": self.earliest}
        return (*(values[name] for name in order), self.cooperative_id)


def _lot_key(lot: Candidate, order: Sequence[str]):
    values = {"least_income": lot.income, "earliest_best_before": lot.best_before}
    return (*(values[name] for name in order), lot.lot_id)


def _offers(candidates, unit_kg, capacity_left) -> list[_Offer]:
    by_cooperative = defaultdict(list)
    for lot in candidates:
        if lot.free_kg > 0:
            by_cooperative[lot.cooperative_id].append(lot)
    offers = []
    for cooperative_id, lots in by_cooperative.items():
        usable = sum((lot.free_kg for lot in lots), ZERO)
        cap = capacity_left.get(cooperative_id)
        if cap is not None:
            usable = min(usable, cap)
        units = int((usable / unit_kg).to_integral_value(ROUND_FLOOR))
        if units <= 0:
            continue
        free = sum((lot.free_kg for lot in lots), ZERO)
        income = sum((lot.income * lot.free_kg for lot in lots), ZERO) / free
        offers.append(
            _Offer(
                cooperative_id=cooperative_id,
                units=units,
                lots=tuple(lots),
                income=income.quantize(Decimal("0.01")),
                earliest=min(lot.best_before for lot in lots),
            )
        )
    return offers


def _choose(offers: list[_Offer], units: int, fewest: bool) -> list[tuple]:
    """(offer, units taken) in rank order, covering ``units`` as far as possible."""
    chosen = []
    if not fewest:
        for offer in offers:
            if units <= 0:
                break
            take = min(offer.units, units)
            chosen.append((offer, take))
            units -= take
        return chosen
    sizes = sorted((offer.units for offer in offers), reverse=True)
    slots, covered = 0, 0
    for size in sizes:
        if covered >= units:
            break
        covered += size
        slots += 1
    cannot_cover = covered < units
    remaining = list(offers)
    for offer in offers:
        if units <= 0 or slots == 0:
            break
        remaining.remove(offer)
        take = min(offer.units, units)
        best_rest = sorted((o.units for o in remaining), reverse=True)[: slots - 1]
        # Take this cooperative only if the rest can still be covered within the
        # minimum number of cooperatives (or nothing can cover it all anyway).
        if cannot_cover or sum(best_rest) + take >= units:
            chosen.append((offer, take))
            units -= take
            slots -= 1
    return chosen


def route_line(
    *,
    units: int,
    unit_kg: Decimal,
    delivery_date: datetime.date,
    candidates: Sequence[Candidate],
    capacity_left: dict[int, Decimal | None],
    policy: Policy,
) -> list[Pick]:
    """Picks for ``units`` of a line; ``capacity_left`` is reduced by what is taken.

    ``capacity_left`` maps cooperative id to kg it can still deliver that day
    (``None``: no limit); it is shared by the lines of one order, in line order.
    """
    offers = sorted(
        _offers(candidates, unit_kg, capacity_left),
        key=lambda offer: offer.key(policy.cooperative_order),
    )
    chosen = _choose(offers, units, policy.fewest_cooperatives)
    picks = []
    for rank, (offer, taken) in enumerate(chosen, start=1):
        need = unit_kg * taken
        cap = capacity_left.get(offer.cooperative_id)
        if cap is not None:
            capacity_left[offer.cooperative_id] = cap - need
        for lot in sorted(offer.lots, key=lambda lot: _lot_key(lot, policy.lot_order)):
            if need <= 0:
                break
            kg = min(lot.free_kg, need)
            need -= kg
            picks.append(
                Pick(
                    lot_id=lot.lot_id,
                    cooperative_id=offer.cooperative_id,
                    kg=kg,
                    scores={
                        "cooperatives_used": len(chosen),
                        "cooperatives_eligible": len(offers),
                        "cooperative_rank": rank,
                        "cooperative_units": taken,
                        "cooperative_income_ytd": str(offer.income),
                        "lot_income_ytd": str(lot.income),
                        "best_before": lot.best_before.isoformat(),
                        "days_left_at_delivery": (lot.best_before - delivery_date).days,
                        "policy": {
                            "fewest_cooperatives": policy.fewest_cooperatives,
                            "cooperative_order": list(policy.cooperative_order),
                            "lot_order": list(policy.lot_order),
                        },
                    },
                )
            )
    return picks
