"""Hidden memory models: how a simulated learner really remembers (schedulers never see it).

Two families, fixed before any benchmark was run (docs/scheduling.md, "hidden memory
models"):

* :class:`FsrsShapedLearner`: FSRS-6's power forgetting curve and stability/difficulty
  updates, with weights personal to the learner.
* :class:`ExponentialLearner`: exponential forgetting with a half-life that grows on
  success (more when the card was nearly forgotten) and shrinks on failure.

A learner's memory of one card is a small mutable list (cheap to keep thousands); times
are in days, and day ``int(t)`` is the study day of time ``t``. Both models count elapsed
time in whole study days, as FSRS (and the data it was fitted on) and Anki do: a review
at 09:00 the day after one at 09:10 is one day later, not "the same day" (an answer on
the same study day is a short-term repetition). Every random draw goes through the
``random.Random`` the caller passes, so a simulation is reproducible from its seeds.
"""

from __future__ import annotations

import math
import random
from typing import Protocol

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4

#: FSRS-6 default weights (as published with FSRS-6 and used by the fsrs package).
FSRS6_DEFAULT_WEIGHTS: tuple[float, ...] = (
    0.212,
    1.2931,
    2.3065,
    8.2956,
    6.4133,
    0.8334,
    3.0194,
    0.001,
    1.8722,
    0.1666,
    0.796,
    1.4835,
    0.0614,
    0.2629,
    1.6483,
    0.6014,
    1.8729,
    0.5425,
    0.0912,
    0.0658,
    0.1542,
)


def study_days(earlier: float, later: float) -> int:
    """Whole study days from the day of ``earlier`` to the day of ``later``."""
    return max(0, int(later) - int(earlier))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def card_difficulty(rng: random.Random) -> float:
    """A card's innate difficulty ``z ~ Normal(0, 1)`` (higher is harder)."""
    return rng.gauss(0.0, 1.0)


def first_grade(z: float, rng: random.Random) -> int:
    """The grade of a card's very first showing (the learner has not studied it yet)."""
    if rng.random() < _sigmoid(math.log(0.3 / 0.7) + 0.8 * z):
        return AGAIN
    u = rng.random()
    return HARD if u < 0.10 else GOOD if u < 0.75 else EASY


def success_grade(p: float, rng: random.Random) -> int:
    """Hard, Good or Easy for a recalled card: a weaker memory feels harder."""
    u = rng.random()
    hard = 0.05 + 0.6 * (1 - p)
    if u < hard:
        return HARD
    if u < hard + 0.35 * p**4:
        return EASY
    return GOOD


class Learner(Protocol):
    """One simulated learner's memory, for any number of cards."""

    def first_study(self, z: float, grade: int, now: float) -> list[float]:
        """The memory of a card (innate difficulty ``z``) after its first showing."""
        ...

    def recall_probability(self, memory: list[float], now: float) -> float:
        """Probability of recalling the card at ``now`` (days)."""
        ...

    def update(self, memory: list[float], z: float, grade: int, p: float, now: float) -> None:
        """Change ``memory`` in place after a showing graded ``grade`` at ``now`` when the
        recall probability was ``p``."""
        ...


def answer(learner: Learner, memory: list[float], z: float, now: float, rng: random.Random) -> int:
    """Show a studied card at ``now``: draw recall, grade it and update the memory."""
    p = learner.recall_probability(memory, now)
    grade = success_grade(p, rng) if rng.random() < p else AGAIN
    learner.update(memory, z, grade, p, now)
    return grade


class FsrsShapedLearner:
    """Model (a): FSRS-6 memory with the learner's own weights.

    ``spread`` and ``decay_spread`` (log-normal) make the weights personal and
    ``card_effect`` adds a card's innate difficulty to its initial difficulty; all three
    at 0 give a learner whose memory is exactly FSRS-6 with default weights (the
    comparison with Anki's own simulator in benchmarks/anki_reference.py).

    Memory: ``[last_time, stability, difficulty]``.
    """

    def __init__(
        self,
        seed: int,
        spread: float = 0.35,
        *,
        decay_spread: float = 0.25,
        card_effect: float = 1.5,
    ) -> None:
        rng = random.Random(seed)
        w = [x * math.exp(rng.gauss(0.0, spread)) for x in FSRS6_DEFAULT_WEIGHTS]
        w[20] = FSRS6_DEFAULT_WEIGHTS[20] * math.exp(rng.gauss(0.0, decay_spread))
        w[7] = min(w[7], 0.5)  # mean reversion is a fraction
        self.card_effect = card_effect
        self.w = tuple(w)
        self.decay = -w[20]
        self.factor = 0.9 ** (1 / self.decay) - 1

    def _initial_difficulty(self, grade: int) -> float:
        return self.w[4] - math.exp(self.w[5] * (grade - 1)) + 1

    def first_study(self, z: float, grade: int, now: float) -> list[float]:
        difficulty = min(10.0, max(1.0, self._initial_difficulty(grade) + self.card_effect * z))
        return [now, self.w[grade - 1], difficulty]

    def recall_probability(self, memory: list[float], now: float) -> float:
        elapsed = study_days(memory[0], now)
        return (1 + self.factor * elapsed / memory[1]) ** self.decay

    def update(self, memory: list[float], z: float, grade: int, p: float, now: float) -> None:
        w = self.w
        last, s, d = memory
        if study_days(last, now) == 0:
            s_new = s * math.exp(w[17] * (grade - 3 + w[18])) * s ** (-w[19])
            if grade >= GOOD:
                s_new = max(s_new, s)
        elif grade == AGAIN:
            s_new = w[11] * d ** (-w[12]) * ((s + 1) ** w[13] - 1) * math.exp(w[14] * (1 - p))
            s_new = min(s_new, s)
        else:
            bonus = w[15] if grade == HARD else w[16] if grade == EASY else 1.0
            growth = math.exp(w[8]) * (11 - d) * s ** (-w[9]) * (math.exp(w[10] * (1 - p)) - 1)
            s_new = s * (1 + growth * bonus)
        delta = -w[6] * (grade - 3)
        d_new = d + delta * (10 - d) / 9
        d_new = w[7] * self._initial_difficulty(EASY) + (1 - w[7]) * d_new
        if grade == AGAIN:
            # The learner has just been shown the answer: at least a fresh first study.
            s_new = max(s_new, w[0])
        memory[0] = now
        memory[1] = max(s_new, 0.001)
        memory[2] = min(10.0, max(1.0, d_new))


class ExponentialLearner:
    """Model (b): ``p = 2^(-t/h)``; success multiplies the half-life ``h``, failure divides it.

    Memory: ``[last_time, half_life]``.
    """

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        self.h0 = 0.7 * math.exp(rng.gauss(0.0, 0.3))
        self.gain = 1.6 * math.exp(rng.gauss(0.0, 0.2))
        self.loss = 1.2 * math.exp(rng.gauss(0.0, 0.2))

    def _first_half_life(self, z: float) -> float:
        return self.h0 * 2 ** (-0.5 * z)

    def first_study(self, z: float, grade: int, now: float) -> list[float]:
        return [now, self._first_half_life(z)]

    def recall_probability(self, memory: list[float], now: float) -> float:
        return 2 ** (-study_days(memory[0], now) / memory[1])

    def update(self, memory: list[float], z: float, grade: int, p: float, now: float) -> None:
        if grade == AGAIN:
            # The learner has just been shown the answer: at least a fresh first study.
            memory[1] = max(self._first_half_life(z), memory[1] * 2 ** (-self.loss))
        else:
            memory[1] *= 2 ** (self.gain * (1 - p) ** 0.3 * 2 ** (-0.3 * z))
        memory[0] = now


MODELS = {"fsrs-shaped": FsrsShapedLearner, "exponential": ExponentialLearner}
