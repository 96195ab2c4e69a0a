""" "Done for today" and "next in": when the next card can really be studied, as the
learner will find it (docs/tui.md, the summary and home)."""

from __future__ import annotations

from pathlib import Path

from test_session_support import START, basic, clock, config, deck

from trainer.scheduling import Grade
from trainer.session import Collection
from trainer.tui.screens.home import done_for_today
from trainer.tui.timetext import done_text


def open_collection(directory: Path, fake, cards, **settings) -> Collection:
    return Collection.from_decks(
        [deck("d", cards)], directory, clock=fake, config=config(**settings), device="dev-a"
    )


def test_a_buried_learning_card_is_not_said_to_come_back_today(tmp_path: Path):
    fake = clock()
    collection = open_collection(tmp_path, fake, [basic("a")])
    session = collection.start_session()
    session.record(Grade.AGAIN)  # a learning step, due again in minutes
    session.next()
    assert session.current is not None and session.current.key == "d/a"
    session.bury_current()
    text = done_for_today(collection, None)
    assert "Learning cards come back" not in text
    # Buried until the 4 am rollover: 19 h from 09:00.
    assert text == "Done for today. Tomorrow: 1 card, next in 19 h."


def test_new_cards_left_come_at_the_rollover_not_at_the_next_review(tmp_path: Path):
    fake = clock()
    collection = open_collection(tmp_path, fake, [basic("a"), basic("b")], new_per_day=1)
    session = collection.start_session()
    session.record(Grade.EASY)  # a: days away; b waits for tomorrow's new card
    assert session.next() is None
    assert done_for_today(collection, None) == "Done for today. Tomorrow: 1 card, next in 19 h."


def test_a_review_is_ready_from_the_start_of_its_study_day(tmp_path: Path):
    fake = clock()
    collection = open_collection(tmp_path, fake, [basic("a")])
    session = collection.start_session()
    session.record(Grade.EASY)
    due = collection.state("d/a").due
    assert due is not None
    ahead = collection.day_ahead()
    assert ahead.next_due is not None and ahead.next_due.hour == 4  # not the time it was answered
    assert ahead.next_due.timestamp() <= due


def test_the_time_and_the_minutes_left_agree():
    now = START.replace(hour=8, minute=59, second=10)
    back = START.replace(hour=9, minute=0, second=50)
    text = done_text(0, None, now, back)
    assert text == "Done for now. Learning cards come back at 09:01 (in 2 min)."
