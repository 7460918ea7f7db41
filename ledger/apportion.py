"""Exact apportioning: split an amount by weights so the parts add up exactly.

Largest remainder (Hamilton) method: each part gets its floor to the quantum
(grams for kg, fen for yuan), then the quanta left over go one each to the parts
with the largest remainders; ties go to the earlier part, so the split is
deterministic. Negative totals (reversals) are split as the mirror image of the
positive total, so a reversal nets each part to exactly zero.
"""

from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal

GRAM = Decimal("0.001")
FEN = Decimal("0.01")


def largest_remainder(
    total: Decimal, weights: Sequence[Decimal], quantum: Decimal
) -> list[Decimal]:
    if not weights:
        raise ValueError("nothing to apportion to")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    if total < 0:
        return [-part for part in largest_remainder(-total, weights, quantum)]
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    units = int((total / quantum).to_integral_value(ROUND_FLOOR))
    if units * quantum != total:
        raise ValueError(f"{total} is not a whole number of {quantum}")
    exact = [units * w / weight_sum for w in weights]
    floors = [int(x.to_integral_value(ROUND_FLOOR)) for x in exact]
    left = units - sum(floors)
    by_remainder = sorted(
        range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i)
    )
    for i in by_remainder[:left]:
        floors[i] += 1
    return [n * quantum for n in floors]
