"""The simulated learners behave like memory, and a simulation is reproducible."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest

from trainer.simulation.leitner import LeitnerScheduler
from trainer.simulation.memory_models import (
    AGAIN,
    GOOD,
    MODELS,
    ExponentialLearner,
    FsrsShapedLearner,
)
from trainer.simulation.simulator import LeitnerAdapter, SimConfig, Simulation, Sm2Adapter
from trainer.simulation.sm2 import Sm2Scheduler

SMALL = SimConfig(cards=40, new_per_day=5, days=40)


def _run(model: str, seed: int, scheduler=None):  # type: ignore[no-untyped-def]
    learner = MODELS[model](seed=seed)
    return Simulation(learner, scheduler or Sm2Adapter(Sm2Scheduler()), SMALL, seed=seed).run()


@pytest.mark.parametrize("model", sorted(MODELS))
def test_a_simulation_is_reproducible_from_its_seed(model: str) -> None:
    first, again = _run(model, 7), _run(model, 7)
    assert first.log == again.log
    assert first.knowledge == again.knowledge
    assert _run(model, 8).log != first.log


@pytest.mark.parametrize("model", sorted(MODELS))
def test_recall_fades_with_time(model: str) -> None:
    learner = MODELS[model](seed=3)
    memory = learner.first_study(0.0, GOOD, now=0.0)
    curve = [learner.recall_probability(memory, t) for t in (0.0, 1, 3, 10, 60)]
    assert curve[0] == pytest.approx(1.0)
    assert all(later < earlier for earlier, later in pairwise(curve))
    # Whole study days count: later on the day of the study is still "no time since".
    assert learner.recall_probability(memory, 0.9) == curve[0]


@pytest.mark.parametrize("model", sorted(MODELS))
def test_a_success_makes_memory_last_longer_and_a_failure_shorter(model: str) -> None:
    learner = MODELS[model](seed=3)
    studied = learner.first_study(0.0, GOOD, now=0.0)
    # Grow the memory a little first, so a failure has something to lose.
    for day in (1.0, 4.0, 12.0):
        learner.update(studied, 0.0, GOOD, learner.recall_probability(studied, day), day)
    now = 30.0
    p = learner.recall_probability(studied, now)
    success, failure = list(studied), list(studied)
    learner.update(success, 0.0, GOOD, p, now)
    learner.update(failure, 0.0, AGAIN, p, now)
    later = now + 20
    untouched = learner.recall_probability(studied, later)  # as if not reviewed at all
    assert learner.recall_probability(success, later) > untouched
    assert learner.recall_probability(failure, later) < learner.recall_probability(success, later)


def test_harder_cards_are_forgotten_sooner() -> None:
    for learner in (FsrsShapedLearner(seed=1), ExponentialLearner(seed=1)):
        easy_card = learner.first_study(-1.0, GOOD, now=0.0)
        hard_card = learner.first_study(1.5, GOOD, now=0.0)
        for day in (1.0, 3.0):
            for memory, z in ((easy_card, -1.0), (hard_card, 1.5)):
                learner.update(memory, z, GOOD, learner.recall_probability(memory, day), day)
        assert learner.recall_probability(hard_card, 10) < learner.recall_probability(easy_card, 10)


def test_learners_differ_but_each_is_fixed_by_its_seed() -> None:
    assert FsrsShapedLearner(seed=1).w == FsrsShapedLearner(seed=1).w
    assert FsrsShapedLearner(seed=1).w != FsrsShapedLearner(seed=2).w
    assert ExponentialLearner(seed=1).gain != ExponentialLearner(seed=2).gain


@pytest.mark.parametrize("model", sorted(MODELS))
def test_reviewing_more_often_keeps_more_in_memory(model: str) -> None:
    # Leitner boxes of 1, 2, 4... days against boxes of 64, 128... days (hardly reviewed).
    often = _run(model, 5, LeitnerAdapter(LeitnerScheduler(base=1.0)))
    rarely = _run(model, 5, LeitnerAdapter(LeitnerScheduler(base=64.0)))
    assert often.reviews > rarely.reviews
    assert often.knowledge > rarely.knowledge
    assert 0.0 < rarely.knowledge < often.knowledge < 1.0


def test_every_card_is_introduced_and_studied() -> None:
    result = _run("exponential", 2)
    assert {card for card, _, _ in result.log} == set(range(SMALL.cards))
    days = {int(t) for _, t, _ in result.log}
    assert max(days) < SMALL.days
    # On its first day a new card goes through the learning steps (at least two
    # showings) unless its first answer is Easy, which graduates it at once.
    first_day = [(card, grade) for card, t, grade in result.log if t < 1]
    for card in range(SMALL.new_per_day):
        shown = [grade for c, grade in first_day if c == card]
        assert len(shown) >= 2 or shown == [4]


def test_first_grades_depend_on_card_difficulty() -> None:
    from trainer.simulation.memory_models import first_grade

    rng = random.Random(0)
    easy = sum(first_grade(-2.0, rng) == AGAIN for _ in range(2000))
    hard = sum(first_grade(2.0, rng) == AGAIN for _ in range(2000))
    assert hard > 2 * easy
