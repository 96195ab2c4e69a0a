"""A Leitner-box baseline: box k comes back after ``base * 2**k`` days (1, 2, 4, 8, ...).

A success moves the card one box up (at most the last box); a failure sends it back to
the first box, with one repetition 10 minutes later in the same session (as the other
schedulers' relearning step does). Times are days as floats.
"""

from __future__ import annotations

from msgspec import Struct

AGAIN = 1
_RETRY_DAYS = 10 / 1440


class LeitnerCard(Struct, frozen=True):
    box: int = -1  # -1: never answered right yet
    due: float = 0.0
    retry: bool = False  # the 10-minute repetition after a failure is pending


class LeitnerScheduler:
    def __init__(self, base: float = 1.0, boxes: int = 10) -> None:
        self.base = base
        self.boxes = boxes

    def interval(self, box: int) -> int:
        """Whole days until a card in ``box`` comes back (at least 1)."""
        return max(1, round(self.base * 2**box))

    def answer(self, card: LeitnerCard, grade: int, now: float) -> LeitnerCard:
        if grade == AGAIN:
            return LeitnerCard(box=0, due=now + _RETRY_DAYS, retry=True)
        box = 0 if card.retry or card.box < 0 else min(card.box + 1, self.boxes - 1)
        return LeitnerCard(box=box, due=float(int(now) + self.interval(box)))
