"""Anki's rules for review intervals in whole days: ordering, bounds and fuzz.

Written from Anki's scheduler (rslib ``scheduler/states/review.rs``, ``learning.rs``,
``relearning.rs`` and ``fuzz.rs``, v3 scheduler with FSRS): FSRS proposes an interval
for each answer; Anki then makes Hard at least 1 day, Good at least Hard + 1 and Easy at
least Good + 1 for a card in review, Easy at least Good + 1 for a card leaving
(re)learning, keeps a review's interval from shrinking below the previous one while that
is within the new interval's fuzz range, and draws the fuzz from a range that grows with
the interval. Checked against Anki itself by ``tests/test_anki_reference.py``.

A *fuzz factor* is ``None`` (no fuzz) or a number in [0, 1) that picks the interval
within its fuzz range.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

__all__ = [
    "constrained_fuzz_bounds",
    "days_per_stability",
    "graduating_easy_interval",
    "graduating_interval",
    "passing_review_interval",
    "round_half_up",
    "with_review_fuzz",
]

HARD, GOOD, EASY = 2, 3, 4

#: (start, end, factor): each day of the interval in [start, end) adds ``factor`` days of
#: fuzz either way, on top of 1 day (intervals under 2.5 days are not fuzzed).
_FUZZ_RANGES = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, math.inf, 0.05))


def round_half_up(x: float) -> int:
    """``x`` rounded, halves away from zero (Rust's ``f32::round``; Python's ``round``
    rounds halves to even). Intervals are never negative."""
    return math.floor(x + 0.5)


def days_per_stability(parameters: Sequence[float], desired_retention: float) -> float:
    """FSRS-6's interval per day of stability at ``desired_retention`` (the decay is the
    last weight): ``interval = stability * days_per_stability``."""
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return (desired_retention ** (1 / decay) - 1) / factor


def _fuzz_delta(interval: float) -> float:
    if interval < 2.5:
        return 0.0
    return 1.0 + sum(
        factor * max(0.0, min(interval, end) - start) for start, end, factor in _FUZZ_RANGES
    )


def constrained_fuzz_bounds(interval: float, minimum: int, maximum: int) -> tuple[int, int]:
    """The fuzz range of ``interval``, kept within ``minimum``..``maximum``."""
    minimum = min(minimum, maximum)
    interval = min(max(interval, minimum), maximum)
    delta = _fuzz_delta(interval)
    lower = min(max(round_half_up(interval - delta), minimum), maximum)
    upper = min(max(round_half_up(interval + delta), minimum), maximum)
    if upper == lower and 2 < upper < maximum:
        upper = lower + 1
    return lower, upper


def with_review_fuzz(fuzz: float | None, interval: float, minimum: int, maximum: int) -> int:
    """``interval`` rounded (no fuzz) or fuzzed, within ``minimum``..``maximum``, where
    ``minimum`` is first made at least 1 and at most ``maximum``."""
    maximum = max(1, maximum)
    minimum = min(max(1, minimum), maximum)
    if fuzz is None:
        return min(max(round_half_up(interval), minimum), maximum)
    lower, upper = constrained_fuzz_bounds(interval, minimum, maximum)
    return math.floor(lower + fuzz * (1 + upper - lower))


def _minimum_review_fuzz_interval(interval: float, previous: int, maximum: int) -> int:
    """A review's interval does not shrink below the previous one while that is within
    the new interval's fuzz range (and grows by at least a day when it grows)."""
    if round_half_up(interval) > previous:
        return previous + 1
    _, upper = constrained_fuzz_bounds(interval, 1, maximum)
    if previous <= upper:
        return previous
    return 0


def passing_review_interval(
    grade: int, raw: Callable[[int], float], previous: int, maximum: int, fuzz: float | None
) -> int:
    """Days for Hard, Good or Easy (``grade``) on a card in review whose last interval was
    ``previous`` days; ``raw(g)`` is FSRS's unrounded interval for answer ``g``."""
    interval = 0
    floor = 1
    for rating in (HARD, GOOD, EASY):
        proposed = raw(rating)
        minimum = max(_minimum_review_fuzz_interval(proposed, previous, maximum), floor)
        interval = with_review_fuzz(fuzz, proposed, minimum, maximum)
        if rating == grade:
            break
        floor = interval + 1
    return interval


def graduating_interval(raw: float, maximum: int, fuzz: float | None) -> int:
    """Days for a card leaving (re)learning with Good (or Hard or Again without steps)."""
    return with_review_fuzz(fuzz, max(1, round_half_up(raw)), 1, maximum)


def graduating_easy_interval(
    raw_good: float, raw_easy: float, maximum: int, fuzz: float | None
) -> int:
    """Days for a card leaving (re)learning with Easy: at least a day more than Good."""
    good = with_review_fuzz(fuzz, raw_good, 1, maximum)
    return with_review_fuzz(fuzz, max(1, round_half_up(raw_easy)), good + 1, maximum)
