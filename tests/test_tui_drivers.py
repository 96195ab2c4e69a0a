"""Practice and quiz drivers: what an answer changes when nothing is recorded."""

from __future__ import annotations

import random

from tui_fixtures import cards_of, every_type_deck

from trainer.tui.drivers import AGAIN, GOOD, HARD, PracticeDriver, QuizDriver


def test_practice_round_remembers_misses_and_undo_forgets_them():
    cards = cards_of(every_type_deck(), "tf", "ch")
    driver = PracticeDriver(cards)
    outcome = driver.submit(True, duration=None)
    assert outcome.result is not None and not outcome.result.correct
    assert outcome.suggested == AGAIN
    driver.record(AGAIN)
    assert driver.missed == [cards[0]]
    assert driver.undo() == cards[0]
    assert driver.missed == []
    driver.record(HARD)
    assert driver.submit("NMDA", duration=None).suggested == GOOD
    driver.record(GOOD)
    assert driver.current is None and driver.missed == []


def test_quiz_picks_count_distinct_questions_and_scores_them(clock):
    deck = every_type_deck()
    driver = QuizDriver.build(deck.study_cards(), 4, clock, rng=random.Random(7))
    keys = [item.card.key for item in driver.items]
    assert len(keys) == 4 == len(set(keys))
    again = QuizDriver.build(deck.study_cards(), 4, clock, rng=random.Random(7))
    assert [item.card.key for item in again.items] == keys  # seeded: reproducible
    answered = 0
    while (card := driver.current) is not None:
        if card.type.value == "truefalse":
            driver.submit(False, duration=None)
            driver.record(GOOD)
            answered += 1
        elif card.type.value == "basic":
            driver.submit(None, duration=None)
            driver.record(AGAIN)  # "did not know": wrong
        else:
            driver.submit(
                "nonsense" if card.type.value in ("typed", "cloze", "choice") else ["nonsense"],
                duration=None,
            )
            driver.record(GOOD)  # the learner cannot grade a wrong answer right
    assert driver.finished
    assert driver.score == answered
    for item in driver.items:
        assert item.given is not None
        assert item.expected


def test_quiz_asks_at_most_the_cards_there_are(clock):
    driver = QuizDriver.build(every_type_deck().study_cards(), 50, clock, rng=random.Random(1))
    assert driver.total == 7


def test_quiz_time_runs_out(clock):
    driver = QuizDriver.build(
        every_type_deck().study_cards(), 3, clock, rng=random.Random(1), time_limit=60
    )
    assert driver.seconds_left() == 60
    clock.advance(75)
    assert driver.seconds_left() == 0
    driver.finish()
    assert driver.current is None and driver.score == 0
