"""Anki SM-2 with default deck options, checked against intervals computed by hand from
Anki's published rules, and the Leitner baseline."""

from __future__ import annotations

import pytest

from trainer.simulation.leitner import LeitnerCard, LeitnerScheduler
from trainer.simulation.sm2 import (
    LEARNING,
    RELEARNING,
    REVIEW,
    Sm2Card,
    Sm2Scheduler,
    Sm2Settings,
)

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
MINUTE = 1 / 1440
MORNING = 0.375  # 9 am


def test_a_fixed_sequence_of_answers_gives_ankis_documented_intervals() -> None:
    sm2 = Sm2Scheduler()
    card = Sm2Card()

    # New card, Good: to the second learning step (10 minutes).
    card = sm2.answer(card, GOOD, MORNING)
    assert (card.phase, card.step) == (LEARNING, 1)
    assert card.due == pytest.approx(MORNING + 10 * MINUTE)

    # Good on the last step: graduates with the graduating interval, 1 day; ease 250%.
    card = sm2.answer(card, GOOD, MORNING + 10 * MINUTE)
    assert (card.phase, card.interval, card.ease, card.due) == (REVIEW, 1, 2500, 1.0)

    # Day 1, on time, Good: hard = max(1 * 1.2 -> 1, 1 + 1) = 2;
    # good = max((1 + 0/2) * 2.5 = 2.5 -> 3, hard + 1 = 3) = 3.
    card = sm2.answer(card, GOOD, 1 + MORNING)
    assert (card.interval, card.due) == (3, 4.0)

    # Day 4, Good: hard = max(3.6 -> 4, 4) = 4; good = max(3 * 2.5 = 7.5 -> 8, 5) = 8.
    card = sm2.answer(card, GOOD, 4 + MORNING)
    assert (card.interval, card.due) == (8, 12.0)

    # Day 14, two days late, Easy: good = (8 + 2/2) * 2.5 = 22.5 -> 23;
    # easy = max((8 + 2) * 2.5 * 1.3 = 32.5 -> 33, good + 1) = 33; ease + 15% = 2.65.
    card = sm2.answer(card, EASY, 14 + MORNING)
    assert (card.interval, card.due) == (33, 47.0)
    assert card.ease == 2650

    # Day 47, Hard: max(33 * 1.2 = 39.6 -> 40, 33 + 1) = 40; ease - 15% = 2.50.
    card = sm2.answer(card, HARD, 47 + MORNING)
    assert (card.interval, card.due) == (40, 87.0)
    assert card.ease == 2500

    # Day 87, Again: a lapse; new interval = max(1, 40 * 0%) = 1 day after relearning;
    # ease - 20% = 2.30; relearning step 10 minutes.
    card = sm2.answer(card, AGAIN, 87 + MORNING)
    assert (card.phase, card.lapses, card.interval) == (RELEARNING, 1, 1)
    assert card.ease == 2300
    assert card.due == pytest.approx(87 + MORNING + 10 * MINUTE)

    # Good on the only relearning step: back to review, 1 day.
    card = sm2.answer(card, GOOD, 87 + MORNING + 10 * MINUTE)
    assert (card.phase, card.interval, card.due) == (REVIEW, 1, 88.0)

    # Day 88, Good: hard = max(1.2 -> 1, 2) = 2; good = max(1 * 2.3 -> 2, 2 + 1) = 3.
    card = sm2.answer(card, GOOD, 88 + MORNING)
    assert (card.interval, card.due) == (3, 91.0)


def test_learning_step_answers() -> None:
    sm2 = Sm2Scheduler()
    # Hard on the first step: the average of the first two steps, (1 + 10) / 2 minutes.
    card = sm2.answer(Sm2Card(), HARD, MORNING)
    assert card.due == pytest.approx(MORNING + 5.5 * MINUTE)
    # Again: back to the first step, 1 minute.
    card = sm2.answer(card, AGAIN, card.due)
    assert card.step == 0
    assert card.due - MORNING == pytest.approx(5.5 * MINUTE + 1 * MINUTE)
    # Easy on a new card: graduates at once with the easy interval, 4 days.
    easy = sm2.answer(Sm2Card(), EASY, MORNING)
    assert (easy.phase, easy.interval, easy.due) == (REVIEW, 4, 4.0)
    # Hard on a relearning step of 10 minutes (the only one): 1.5 x 10 = 15 minutes.
    lapsed = Sm2Card(phase=REVIEW, interval=10, ease=2500, last_day=0)
    relearning = sm2.answer(lapsed, AGAIN, 10 + MORNING)
    hard = sm2.answer(relearning, HARD, 10 + MORNING)
    assert hard.due == pytest.approx(10 + MORNING + 15 * MINUTE)
    # Easy while relearning: the new interval plus one day.
    assert sm2.answer(relearning, EASY, 10 + MORNING).interval == 2


def test_ease_never_drops_below_130_percent() -> None:
    sm2 = Sm2Scheduler()
    card = Sm2Card(phase=REVIEW, interval=5, ease=1400, last_day=0)
    card = sm2.answer(card, AGAIN, 5 + MORNING)
    assert card.ease == 1300
    card = sm2.answer(sm2.answer(card, GOOD, 5 + MORNING + 10 * MINUTE), HARD, 6 + MORNING)
    assert card.ease == 1300


def test_ease_is_whole_thousandths_so_halves_round_as_in_anki() -> None:
    # 2500 - 200 + 150 is exactly 2450 (as a float, 2.5 - 0.2 + 0.15 is 2.4499999...):
    # 10 days x 2.45 = 24.5 rounds up to 25, as Anki gives it.
    card = Sm2Card(phase=REVIEW, interval=10, ease=2450, last_day=0)
    assert Sm2Scheduler().answer(card, GOOD, 10 + MORNING).interval == 25


def test_interval_modifier_scales_review_intervals() -> None:
    card = Sm2Card(phase=REVIEW, interval=10, ease=2500, last_day=0)
    # good = 10 * 2.5 * modifier
    assert Sm2Scheduler(Sm2Settings(interval_modifier=2.0)).answer(card, GOOD, 10.4).interval == 50
    assert Sm2Scheduler(Sm2Settings(interval_modifier=0.5)).answer(card, GOOD, 10.4).interval == 13


def test_leitner_boxes_double_and_a_failure_starts_over() -> None:
    leitner = LeitnerScheduler()
    card = leitner.answer(LeitnerCard(), GOOD, MORNING)  # first right answer: box 1 (1 day)
    intervals = []
    now = MORNING
    for _ in range(5):
        previous = int(now)
        now = card.due + MORNING
        intervals.append(int(card.due) - previous)
        card = leitner.answer(card, GOOD, now)
    assert intervals == [1, 2, 4, 8, 16]
    failed = leitner.answer(card, AGAIN, now)
    assert failed.due == pytest.approx(now + 10 * MINUTE)  # one repetition in the session
    again = leitner.answer(failed, GOOD, failed.due)
    assert int(again.due) - int(now) == 1  # back to the first box
    assert LeitnerScheduler(base=2.0).interval(3) == 16
