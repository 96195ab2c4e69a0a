"""Today's queue is computed once for the home screen's counts and the session started
from it, and computed again whenever the progress or the day changes: the counts a
learner sees are never stale."""

from __future__ import annotations

from pathlib import Path

from test_session_support import basic, clock, config, deck

from trainer.scheduling import Grade
from trainer.session import Collection


def test_counts_and_sessions_follow_every_answer_and_the_next_day(tmp_path: Path):
    fake = clock()
    collection = Collection.from_decks(
        [deck("d", [basic("a"), basic("b"), basic("c")]), deck("e", [basic("x")])],
        tmp_path / "progress",
        clock=fake,
        config=config(new_per_day=2),
        device="dev-a",
    )
    assert collection.counts()["d"].new == 2
    session = collection.start_session(["d"])
    assert session.remaining.new == 2
    session.record(Grade.EASY)  # graduates: due in days, not today
    assert collection.counts()["d"].new == 1
    assert collection.counts()["d"].reviewed_today == 1
    assert collection.start_session(["d"]).remaining.new == 1
    assert collection.counts()["e"].new == 1  # other decks untouched
    fake.advance(2 * 86400)
    counts = collection.counts()["d"]
    assert counts.new == 2 and counts.reviewed_today == 0  # a new day, new limits


def test_a_deck_reloaded_with_other_cards_is_counted_anew(tmp_path: Path):
    fake = clock()
    path = tmp_path / "d.yaml"
    path.write_text(
        "format: 1\nid: d\ntitle: D\ncards:\n  - {id: a, type: basic, front: A, back: a}\n"
    )
    collection = Collection.open(
        [path], tmp_path / "progress", clock=fake, device="dev-a", config=config()
    )
    assert collection.counts()["d"].new == 1
    path.write_text(path.read_text() + "  - {id: b, type: basic, front: B, back: b}\n")
    collection.reload_deck(path)
    assert collection.counts()["d"].new == 2
    assert collection.card("d/b").card.front == "B"
