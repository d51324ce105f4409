"""Growth checks instead of wall-clock limits: how much longer work takes on a bigger input.

A time limit fails on a slow or loaded machine and passes a quadratic regex on a fast one;
the ratio of two sizes on the same machine does neither. Linear work grows about
``factor`` times, quadratic ``factor ** 2`` times.
"""

from __future__ import annotations

import time
from collections.abc import Callable

FACTOR = 10
LINEAR_LIMIT = 3 * FACTOR  # noise margin for linear work; quadratic gives ~100


def _best_time(work: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def growth(run: Callable[[int], object], size: int, repeats: int = 3) -> float:
    """Best-of-``repeats`` time of ``run(size)`` over that of ``run(size // FACTOR)``."""
    small = _best_time(lambda: run(size // FACTOR), repeats)
    big = _best_time(lambda: run(size), repeats)
    return big / max(small, 1e-6)
