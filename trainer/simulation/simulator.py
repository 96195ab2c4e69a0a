"""A year of study by one simulated learner under one scheduler.

Each day has one morning session: every card due that day is shown, then the day's new
cards; learning and relearning steps come back in the same session when due (the
session waits for them). Each showing costs one review. At the end of every day the
hidden model's recall probability of every introduced card is summed into the
*knowledge* metric (docs/scheduling.md).

Randomness is per card (``random.Random`` seeded from the learner seed and the card
index), so the same learner meets the same card difficulties and, as far as schedules
allow, the same draws under every scheduler.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from msgspec import Struct, field

from trainer.simulation.leitner import LeitnerCard, LeitnerScheduler
from trainer.simulation.memory_models import Learner, answer, card_difficulty, first_grade
from trainer.simulation.sm2 import Sm2Card, Sm2Scheduler

SESSION_START = 9 / 24  # 9 am
SECONDS_PER_REVIEW = 8
EPOCH = datetime(2025, 1, 6, tzinfo=UTC)


class SimScheduler(Protocol):
    """What the simulator needs from a scheduler; times are days as floats."""

    def new_card(self) -> Any: ...

    def answer(self, card_id: int, state: Any, grade: int, now: float) -> tuple[Any, float]:
        """The card's next state and its due time."""
        ...


class Sm2Adapter:
    def __init__(self, scheduler: Sm2Scheduler) -> None:
        self.scheduler = scheduler

    def new_card(self) -> Sm2Card:
        return Sm2Card()

    def answer(self, card_id: int, state: Sm2Card, grade: int, now: float) -> tuple[Sm2Card, float]:
        state = self.scheduler.answer(state, grade, now)
        return state, state.due


class LeitnerAdapter:
    def __init__(self, scheduler: LeitnerScheduler) -> None:
        self.scheduler = scheduler

    def new_card(self) -> LeitnerCard:
        return LeitnerCard()

    def answer(
        self, card_id: int, state: LeitnerCard, grade: int, now: float
    ) -> tuple[LeitnerCard, float]:
        state = self.scheduler.answer(state, grade, now)
        return state, state.due


def to_datetime(day: float) -> datetime:
    return EPOCH + timedelta(days=day)


def timestamp_to_day(timestamp: float) -> float:
    return (timestamp - EPOCH.timestamp()) / 86400


class FsrsAdapter:
    """The trainer's own FSRS scheduler (:class:`trainer.scheduling.Scheduler`: study
    days, Anki's interval rules), steps 1m 10m, relearning 10m, no fuzz.

    Simulated days start at ``rollover_hour`` UTC (0: the simulator's whole days). Keeps
    each card's answers so that new weights (:meth:`set_parameters`) can be applied to
    the memory states of cards already studied, as an optimizer run would.
    """

    def __init__(
        self,
        desired_retention: float,
        parameters: tuple[float, ...] | None = None,
        *,
        rollover_hour: int = 0,
    ) -> None:
        self.desired_retention = desired_retention
        self.rollover_hour = rollover_hour
        self.history: dict[int, list[tuple[int, datetime]]] = {}
        self._scheduler = self._make(parameters)

    def _make(self, parameters: tuple[float, ...] | None) -> Any:
        from trainer.scheduling import Scheduler, SchedulerSettings

        settings = SchedulerSettings(
            desired_retention=self.desired_retention,
            enable_fuzzing=False,
            maximum_interval=36500,
            day_rollover_hour=self.rollover_hour,
            parameters=parameters,
        )
        return Scheduler(settings, UTC)

    def new_card(self) -> Any:
        from trainer.scheduling import CardState

        return CardState()

    def answer(self, card_id: int, state: Any, grade: int, now: float) -> tuple[Any, float]:
        from trainer.scheduling import Grade

        when = to_datetime(now)
        state = self._scheduler.review("", state, Grade(grade), when)
        self.history.setdefault(card_id, []).append((grade, when))
        return state, timestamp_to_day(state.due)

    def set_parameters(
        self, parameters: tuple[float, ...], states: dict[int, Any]
    ) -> dict[int, float]:
        """Switch to ``parameters``; replays every card, updating ``states`` in place, and
        returns the new due times."""
        from trainer.scheduling import Grade

        self._scheduler = self._make(parameters)
        dues: dict[int, float] = {}
        for card_id, answers in self.history.items():
            state = self.new_card()
            for grade, when in answers:
                state = self._scheduler.review("", state, Grade(grade), when)
            states[card_id] = state
            dues[card_id] = timestamp_to_day(state.due)
        return dues


class SimConfig(Struct, frozen=True):
    cards: int = 600
    new_per_day: int = 10
    days: int = 365


class SimResult(Struct):
    reviews: int
    #: Mean hidden recall probability over introduced cards and days.
    knowledge: float
    #: Every answer: (card index, time in days, grade).
    log: list[tuple[int, float, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


#: Called at the start of day ``day`` with the log so far; may change the scheduler.
DayHook = Callable[[int, "Simulation"], None]


class Simulation:
    """One learner, one scheduler, one collection; :meth:`run` plays it out."""

    def __init__(
        self, learner: Learner, scheduler: SimScheduler, config: SimConfig, seed: int
    ) -> None:
        self.learner = learner
        self.scheduler = scheduler
        self.config = config
        self.rngs = [random.Random(seed * 1_000_003 + i) for i in range(config.cards)]
        self.z = [card_difficulty(rng) for rng in self.rngs]
        self.memory: list[list[float] | None] = [None] * config.cards
        self.states: dict[int, Any] = {}
        self.due_by_day: dict[int, list[int]] = {}
        self.due: dict[int, float] = {}
        self.log: list[tuple[int, float, int]] = []
        self.notes: list[str] = []

    def reschedule(self, dues: dict[int, float]) -> None:
        """Replace the due times of already-studied cards (after new scheduler weights)."""
        self.due_by_day = {}
        for card, due in dues.items():
            self.due[card] = due
            self.due_by_day.setdefault(int(due), []).append(card)

    def _show(self, card: int, now: float) -> float:
        rng = self.rngs[card]
        memory = self.memory[card]
        if memory is None:
            grade = first_grade(self.z[card], rng)
            self.memory[card] = self.learner.first_study(self.z[card], grade, now)
            state = self.scheduler.new_card()
        else:
            grade = answer(self.learner, memory, self.z[card], now, rng)
            state = self.states[card]
        state, due = self.scheduler.answer(card, state, grade, now)
        self.states[card] = state
        self.due[card] = due
        self.log.append((card, now, grade))
        return due

    def run(self, hook: DayHook | None = None) -> SimResult:
        config = self.config
        introduced = 0
        knowledge_sum = 0.0
        card_days = 0
        step = SECONDS_PER_REVIEW / 86400
        for day in range(config.days):
            if hook is not None:
                hook(day, self)
            now = day + SESSION_START
            end = day + 1.0
            review_queue = sorted(self.due_by_day.pop(day, ()), key=lambda c: self.due[c])
            # Cards due on earlier days that were not shown (none without limits, but safe).
            for old in [d for d in self.due_by_day if d < day]:
                review_queue.extend(self.due_by_day.pop(old))
            new_today = min(config.new_per_day, config.cards - introduced)
            new_queue = list(range(introduced, introduced + new_today))
            introduced += new_today
            learning: list[tuple[float, int]] = []
            position = new_position = 0
            while True:
                if learning and learning[0][0] <= now:
                    _, card = heapq.heappop(learning)
                elif position < len(review_queue):
                    card = review_queue[position]
                    position += 1
                elif new_position < len(new_queue):
                    card = new_queue[new_position]
                    new_position += 1
                elif learning:
                    now = max(now, learning[0][0])
                    continue
                else:
                    break
                due = self._show(card, now)
                now += step
                if due < end:
                    heapq.heappush(learning, (due, card))
                else:
                    self.due_by_day.setdefault(int(due), []).append(card)
            recall = self.learner.recall_probability
            last_moment = end - 1 / 86400  # still this study day
            for card in range(introduced):
                memory = self.memory[card]
                if memory is not None:
                    knowledge_sum += recall(memory, last_moment)
            card_days += introduced
        return SimResult(
            reviews=len(self.log),
            knowledge=knowledge_sum / card_days if card_days else 0.0,
            log=self.log,
            notes=self.notes,
        )
