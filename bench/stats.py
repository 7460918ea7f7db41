"""Summaries of timed samples; plain Python, shared by both sides of the benchmark."""

import math
import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample with ``fraction`` at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summarise(*, lines: int, seconds: Sequence[float], queries: Sequence[int]):
    """One row of results: latency in milliseconds, SQL queries per order."""
    return {
        "lines": lines,
        "orders": len(seconds),
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 1),
        "queries_median": int(statistics.median(queries)),
        "queries_min": min(queries),
        "queries_max": max(queries),
    }


def per_size(repeat: str, sizes: Sequence[int]) -> list[int]:
    """``"30"`` -> 30 orders of every size; ``"20,8,5"`` -> one count per size."""
    counts = [int(n) for n in repeat.split(",")]
    if len(counts) == 1:
        counts = counts * len(sizes)
    if len(counts) != len(sizes) or min(counts) < 1:
        raise ValueError(f"--repeat {repeat!r} does not fit sizes {list(sizes)}")
    return counts
