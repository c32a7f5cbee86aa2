"""Which versions of a long history the chart draws: the first, the last and every
version a marker needs, then the versions that bend the lines most, up to a bound.
Pure: no Flask, no database."""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

# Below this (a share of the plot's height) a version adds nothing a reader could see.
FLAT = 0.004


def _worst(xs: np.ndarray, rows: np.ndarray, a: int, b: int):
    """The version between ``a`` and ``b`` farthest from the straight line joining them
    (in any series): (error, index), or None when nothing lies between."""
    if b - a < 2:
        return None
    span = xs[b] - xs[a]
    f = (xs[a + 1 : b] - xs[a]) / span if span else np.full(b - a - 1, 0.5)
    line = rows[:, a : a + 1] + (rows[:, b : b + 1] - rows[:, a : a + 1]) * f
    errors = np.abs(rows[:, a + 1 : b] - line).max(axis=0)
    j = int(errors.argmax())
    return float(errors[j]), a + 1 + j


def thin(keep: Sequence[int], limit: int) -> list[int]:
    """At most ``limit`` of ``keep`` (sorted), evenly spread, first and last kept."""
    keep = sorted(set(keep))
    if len(keep) <= limit:
        return keep
    step = (len(keep) - 1) / (limit - 1)
    return sorted({keep[round(i * step)] for i in range(limit)})


def choose(
    xs: Sequence[float], series: Sequence[Sequence[float]], keep: Sequence[int], limit: int
) -> list[int]:
    """Indices to draw, ascending. ``xs`` are the times (any increasing numbers),
    ``series`` one list of values in 0..1 per line, ``keep`` the indices that must stay
    (first and last are added). Greedy, like Ramer-Douglas-Peucker: the version farthest
    from the line drawn so far goes in next, until ``limit`` or until the rest is flat."""
    n = len(xs)
    if n <= 2:
        return list(range(n))
    chosen = thin([0, n - 1, *(i for i in keep if 0 <= i < n)], limit)
    xs, series = np.asarray(xs, dtype=float), np.asarray(series, dtype=float).reshape(-1, n)
    heap: list[tuple[float, int, int, int]] = []

    def push(a: int, b: int) -> None:
        found = _worst(xs, series, a, b)
        if found and found[0] > FLAT:
            heapq.heappush(heap, (-found[0], found[1], a, b))

    for a, b in zip(chosen, chosen[1:], strict=False):
        push(a, b)
    picked = set(chosen)
    while heap and len(picked) < limit:
        _, j, a, b = heapq.heappop(heap)
        picked.add(j)
        push(a, j)
        push(j, b)
    return sorted(picked)
