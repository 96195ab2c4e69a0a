"""Anki's SM-2 scheduler with its default deck options, for the benchmark baseline.

Written from Anki's published rules (manual, "Deck Options"; the v3 scheduler's
behaviour): learning steps 1m 10m, graduating interval 1 day, easy interval 4 days,
starting ease 250%, easy bonus 130%, interval modifier 100%, hard interval 120%, new
interval after a lapse 0%, minimum interval 1 day, relearning step 10m; ease -20% on
Again, -15% on Hard, +15% on Easy (never below 130%). Fuzz is left out so results are
exact.

Times are days as floats (``now = 12.375`` is 9 am on day 12); review intervals count
whole days from the day of the review, as Anki does. The ease is kept as Anki stores it,
in whole thousandths (2500 is 250%), and review intervals are computed in single
precision as Anki computes them, so that halves round as they do in Anki. Checked against Anki
itself by ``tests/test_anki_reference.py``.
"""

from __future__ import annotations

import struct

from msgspec import Struct
from msgspec.structs import replace

from trainer.intervals import round_half_up

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
_MINUTE = 1 / 1440

NEW, LEARNING, REVIEW, RELEARNING = "new", "learning", "review", "relearning"


class Sm2Settings(Struct, frozen=True):
    """Anki deck options that SM-2 uses; defaults are Anki's defaults."""

    learning_steps: tuple[float, ...] = (1.0, 10.0)  # minutes
    relearning_steps: tuple[float, ...] = (10.0,)  # minutes
    graduating_interval: int = 1  # days
    easy_interval: int = 4  # days
    starting_ease: int = 2500  # thousandths
    easy_bonus: float = 1.3
    interval_modifier: float = 1.0
    hard_interval: float = 1.2
    lapse_multiplier: float = 0.0  # "new interval" after a lapse
    minimum_interval: int = 1  # days, after a lapse
    maximum_interval: int = 36500
    minimum_ease: int = 1300  # thousandths


class Sm2Card(Struct, frozen=True):
    """SM-2 state of one card. ``interval`` is the last scheduled review interval (days);
    ``ease`` is in thousandths, as Anki stores it."""

    phase: str = NEW
    step: int = 0
    interval: int = 0
    ease: int = 2500
    lapses: int = 0
    last_day: int = 0
    due: float = 0.0


_F32 = struct.Struct("f")


def _f32(x: float) -> float:
    """``x`` rounded to single precision (one f32 operation of Anki's, when ``x`` is the
    exact result of an operation on single-precision numbers)."""
    return _F32.unpack(_F32.pack(x))[0]


def _hard_step_delay(steps: tuple[float, ...], index: int) -> float:
    """Minutes for Hard in a learning step: the current step, except on the first, where
    it is the average of the first two (or 1.5x a single step, at most a day more)."""
    if index == 0:
        if len(steps) > 1:
            return (steps[0] + steps[1]) / 2
        return min(steps[0] * 1.5, steps[0] + 1440)
    return steps[index]


class Sm2Scheduler:
    """Anki SM-2; :meth:`answer` returns the card's next state (its ``due`` included)."""

    def __init__(self, settings: Sm2Settings = Sm2Settings()) -> None:
        self.settings = settings

    def _days_from(self, now: float, days: int) -> float:
        return float(int(now) + days)

    def _review_interval(self, days: float, minimum: int) -> int:
        """``days`` (single precision) times the interval modifier, rounded, within
        ``minimum`` (at least 1) and the maximum interval."""
        s = self.settings
        maximum = max(1, s.maximum_interval)
        minimum = min(max(1, minimum), maximum)
        proposed = round_half_up(_f32(_f32(days) * _f32(s.interval_modifier)))
        return min(max(proposed, minimum), maximum)

    def answer(self, card: Sm2Card, grade: int, now: float) -> Sm2Card:
        """The state of ``card`` after answering ``grade`` at ``now`` (days)."""
        s = self.settings
        today = int(now)
        if card.phase in (NEW, LEARNING):
            steps = s.learning_steps
            index = 0 if card.phase == NEW else card.step
            base = replace(
                card,
                phase=LEARNING,
                ease=s.starting_ease if card.phase == NEW else card.ease,
                last_day=today,
            )
            if grade == AGAIN:
                return replace(base, step=0, due=now + steps[0] * _MINUTE)
            if grade == HARD:
                return replace(base, step=index, due=now + _hard_step_delay(steps, index) * _MINUTE)
            if grade == GOOD and index + 1 < len(steps):
                return replace(base, step=index + 1, due=now + steps[index + 1] * _MINUTE)
            interval = s.graduating_interval if grade == GOOD else s.easy_interval
            return replace(
                base, phase=REVIEW, step=0, interval=interval, due=self._days_from(now, interval)
            )
        if card.phase == RELEARNING:
            steps = s.relearning_steps
            base = replace(card, last_day=today)
            if grade == AGAIN:
                return replace(base, step=0, due=now + steps[0] * _MINUTE)
            if grade == HARD:
                return replace(base, due=now + _hard_step_delay(steps, card.step) * _MINUTE)
            if grade == GOOD and card.step + 1 < len(steps):
                return replace(base, step=card.step + 1, due=now + steps[card.step + 1] * _MINUTE)
            interval = card.interval + (1 if grade == EASY else 0)
            return replace(
                base, phase=REVIEW, step=0, interval=interval, due=self._days_from(now, interval)
            )
        return self._answer_review(card, grade, now)

    def _answer_review(self, card: Sm2Card, grade: int, now: float) -> Sm2Card:
        s = self.settings
        today = int(now)
        if grade == AGAIN:
            interval = max(s.minimum_interval, 1, int(card.interval * s.lapse_multiplier))
            ease = max(s.minimum_ease, card.ease - 200)
            relearn = replace(
                card,
                phase=RELEARNING,
                step=0,
                interval=interval,
                ease=ease,
                lapses=card.lapses + 1,
                last_day=today,
            )
            if s.relearning_steps:
                return replace(relearn, due=now + s.relearning_steps[0] * _MINUTE)
            return replace(relearn, phase=REVIEW, due=self._days_from(now, interval))
        current = float(max(1, card.interval))
        days_late = float(max(0, (today - card.last_day) - card.interval))
        ease_factor = _f32(card.ease / 1000)
        hard_minimum = card.interval + 1 if s.hard_interval > 1 else 0
        hard = self._review_interval(current * _f32(s.hard_interval), hard_minimum)
        if grade == HARD:
            interval, ease_after = hard, max(s.minimum_ease, card.ease - 150)
        else:
            good_minimum = hard + 1 if s.hard_interval > 1 else card.interval + 1
            good = self._review_interval(_f32(current + days_late / 2) * ease_factor, good_minimum)
            if grade == GOOD:
                interval, ease_after = good, card.ease
            else:
                interval = self._review_interval(
                    _f32(_f32(current + days_late) * ease_factor) * _f32(s.easy_bonus), good + 1
                )
                ease_after = card.ease + 150
        return replace(
            card,
            interval=interval,
            ease=ease_after,
            last_day=today,
            due=self._days_from(now, interval),
        )
