""" "I was right": a typed answer the grader called wrong is recorded as correct, with what
was typed, in the review's ``override`` field; `trainer stats --overrides` lists them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tui_fixtures import screen_text

from trainer.cli import main
from trainer.progress.events import BadLine, parse_event
from trainer.scheduling import Grade
from trainer.session import Collection
from trainer.tui.app import create_app
from trainer.tui.screens.card import CardScreen

DECK = """\
format: 1
id: ov
title: Overrides
cards:
  - id: receptor
    type: typed
    question: Which receptor does ketamine block?
    answer: NMDA
  - id: truth
    type: truefalse
    statement: Water is wet.
    answer: true
"""


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    path = tmp_path / "decks" / "ov.yaml"
    path.parent.mkdir()
    path.write_text(DECK, encoding="utf-8")
    return path


def reviews(progress_dir: Path) -> list[dict]:
    lines = [
        json.loads(line)
        for path in sorted(progress_dir.rglob("*.jsonl"))
        for line in path.read_text("utf-8").splitlines()[1:]
    ]
    return [line for line in lines if line["ev"] == "review"]


def override_receptor(deck: Path, progress_dir: Path, clock, typed: str) -> None:
    """Study the deck, typing ``typed`` for the receptor card and overriding its verdict."""
    collection = Collection.open([deck], progress_dir, clock=clock, device="a")
    try:
        session = collection.start_session()
        while session.current.card.id != "receptor":
            session.submit(True)
            session.record(Grade.GOOD)
        session.submit(typed)
        assert session.can_override()
        session.record(Grade.GOOD, override=True)
    finally:
        collection.close()


def test_the_session_records_an_override_as_correct_with_the_text_typed(deck, progress_dir, clock):
    override_receptor(deck, progress_dir, clock, "GABA, I think")
    review = next(r for r in reviews(progress_dir) if r["key"] == "ov/receptor")
    assert review["correct"] is True and review["grade"] == 3
    assert review["override"] == "GABA, I think"


def test_only_a_typed_answer_graded_wrong_can_be_overridden(deck, progress_dir, clock):
    collection = Collection.open([deck], progress_dir, clock=clock, device="a")
    try:
        session = collection.start_session()
        for _ in range(2):
            card = session.current.card
            session.submit("NMDA" if card.id == "receptor" else True)
            assert not session.can_override()  # right answers, and a true/false card
            with pytest.raises(ValueError):
                session.record(Grade.GOOD, override=True)
            session.record(Grade.GOOD)
    finally:
        collection.close()
    assert all("override" not in r for r in reviews(progress_dir))


def _line(**changes) -> bytes:
    review = {
        "ev": "review",
        "id": "e1",
        "key": "ov/receptor",
        "time": "2026-03-02T10:00:00.000+00:00",
        "grade": 3,
        "duration_ms": 10,
        "correct": True,
        "prev": None,
        "after": {
            "state": "review",
            "step": None,
            "stability": 1.0,
            "difficulty": 5.0,
            "due": "2026-03-03T10:00:00.000+00:00",
            "reps": 1,
            "lapses": 0,
        },
    }
    review.update(changes)
    return json.dumps(review).encode()


def test_the_override_field_is_validated_when_the_log_is_read():
    assert parse_event(_line(override="typed"), "a", ("f", 1)).override == "typed"
    assert parse_event(_line(), "a", ("f", 1)).override is None
    for bad in (
        dict(override=1),
        dict(override="x" * 501),
        dict(override="typed", correct=False),
        dict(override=None),
    ):
        with pytest.raises(BadLine):
            parse_event(_line(**bad), "a", ("f", 1))


async def until(pilot, condition, what: str) -> None:
    for _ in range(100):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def test_the_key_on_the_card_screen_records_the_override(deck, progress_dir, clock):
    app = create_app([deck.parent], progress_dir, clock, seed=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "2 to study now" in screen_text(app), "the home screen")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, CardScreen), "the card screen")
        screen = app.screen
        if screen.driver.current.card.id != "receptor":
            await pilot.press("t")
            await until(pilot, lambda: screen.phase == "answered", "the verdict")
            assert not screen.check_action("override", ())  # a right answer
            assert "I was right" not in screen_text(app)
            await pilot.press("enter")
            await until(pilot, lambda: screen.phase == "question", "the next card")
        await pilot.press(*"glutamate", "enter")
        await until(pilot, lambda: screen.phase == "answered", "the verdict")
        assert screen.check_action("override", ())
        assert "✗ Not quite   i I was right" in screen_text(app)
        await pilot.press("i")
        await until(
            pilot,
            lambda: any(r["key"] == "ov/receptor" for r in reviews(progress_dir)),
            "the review",
        )
    review = next(r for r in reviews(progress_dir) if r["key"] == "ov/receptor")
    assert review["override"] == "glutamate" and review["correct"] is True


def test_stats_overrides_lists_what_learners_typed(deck, progress_dir, clock, capsys):
    override_receptor(deck, progress_dir, clock, "the N-methyl-D-aspartate one")
    assert main(["stats", "--overrides", str(deck.parent), "--progress", str(progress_dir)]) == 0
    out = capsys.readouterr().out
    assert "ov/receptor" in out and "the N-methyl-D-aspartate one" in out
    assert (
        main(["stats", "--overrides", "--json", str(deck.parent), "--progress", str(progress_dir)])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["overrides"] == [
        {
            "key": "ov/receptor",
            "deck": "ov",
            "card": "receptor",
            "count": 1,
            "answers": ["the N-methyl-D-aspartate one"],
        }
    ]


def test_a_wrong_choice_cannot_be_overridden(tmp_path: Path, progress_dir, clock):
    path = tmp_path / "choice.yaml"
    path.write_text(
        "format: 1\nid: ch\ntitle: C\ncards:\n  - id: c\n    type: choice\n"
        "    question: Which?\n    answer: NMDA\n    options: [NMDA, AMPA, GABA]\n",
        encoding="utf-8",
    )
    collection = Collection.open([path], progress_dir, clock=clock, device="a")
    try:
        session = collection.start_session()
        session.submit("AMPA")
        assert not session.can_override()
    finally:
        collection.close()
