"""What a start-up leaves for later: the grader and the diagnostics module are imported
when first needed, and the due reviews are ordered when
the session needs more than the earliest one. Nothing a learner or an API user sees may
change because of it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_session_support import basic, clock, config, deck

import trainer.session
from trainer.scheduling import Grade
from trainer.session import Collection

DECK = """format: 1
id: d
title: D
cards:
  - {id: a, type: basic, front: A, back: a}
  - {id: b, type: typed, question: Capital of France?, answer: Paris}
"""


def test_result_classes_are_importable_from_the_session_module():
    from trainer import collection
    from trainer.session import Answer, CardProgress, ReviewEvent, SessionSummary

    assert (CardProgress, ReviewEvent) == (collection.CardProgress, collection.ReviewEvent)
    assert {Answer.__name__, SessionSummary.__name__} <= set(trainer.session.__all__)
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        trainer.session.Nothing  # noqa: B018


def test_first_card_needs_no_grader_results_or_diagnostics_and_answers_still_work(
    tmp_path: Path,
):
    (tmp_path / "d.yaml").write_text(DECK)
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from trainer.clock import SystemClock
        from trainer.config import Config
        from trainer.session import Collection

        def first_card():
            collection = Collection.open([Path({str(tmp_path / "d.yaml")!r})],
                                         Path({str(tmp_path / "progress")!r}),
                                         clock=SystemClock(), config=Config(), device="t")
            return collection, collection.start_session()

        collection, session = first_card()  # writes the deck cache
        collection.close()
        lazy = ("trainer.grading", "trainer.diagnostics")
        for name in lazy:
            sys.modules.pop(name, None)
        collection, session = first_card()
        print(session.current.key, [name in sys.modules for name in lazy])
        session.reveal()
        session.record(session.submit(None).suggested)
        answer = session.submit("paris")
        print(session.current.key, answer.result.correct, type(answer).__name__)
        print(session.summary().studied)
    """)
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout.splitlines()
    assert output == ["d/a [False, False]", "d/b True Answer", "1"]


def answer_all(collection: Collection, fake, grades: list[Grade]) -> list[str]:
    """Answer every card shown now, a minute apart, with ``grades`` in turn."""
    session = collection.start_session()
    shown = []
    while session.current is not None:
        shown.append(session.current.key)
        session.record(grades[(len(shown) - 1) % len(grades)])
        fake.advance(60)
    return shown


def after_all_due(collection: Collection, fake, keys: list[str]) -> dict[str, float]:
    dues = {key: collection.state(key).due for key in keys}
    fake.advance(max(dues.values()) - fake.now().timestamp() + 3600)
    return dues


def test_due_reviews_come_earliest_due_first_beyond_the_first(tmp_path: Path):
    fake = clock()
    keys = [f"d/c{i}" for i in range(8)]
    collection = Collection.from_decks(
        [deck("d", [basic(k[2:]) for k in keys])],
        tmp_path / "progress",
        clock=fake,
        config=config(),
        device="dev-a",
    )
    assert answer_all(collection, fake, [Grade.EASY]) == keys
    after_all_due(collection, fake, keys)
    # Reviewed Hard, Easy or Good: due in different numbers of days, not in deck order.
    answer_all(collection, fake, [Grade.HARD, Grade.EASY, Grade.GOOD])
    dues = after_all_due(collection, fake, keys)
    shown = answer_all(collection, fake, [Grade.GOOD])
    assert shown == sorted(keys, key=dues.__getitem__)
    assert shown != keys and sorted(shown) == keys
