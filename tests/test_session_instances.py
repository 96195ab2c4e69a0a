"""Several windows on one progress directory, and decks that reuse a card id."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from msgspec.structs import replace
from test_session_support import basic, clock, config, deck

from trainer.commands.review import ReviewProtocol
from trainer.diagnostics import Severity
from trainer.scheduling import Grade
from trainer.session import Collection

ROOT = Path(__file__).resolve().parent.parent


def reviews_per_key(directory: Path) -> Counter:
    counts: Counter = Counter()
    for log in directory.glob("reviews-*.jsonl"):
        for line in log.read_bytes().splitlines():
            obj = json.loads(line)
            if obj.get("ev") == "review":
                counts[obj["key"]] += 1
    return counts


def test_three_windows_together_introduce_the_daily_new_cards_once(tmp_path: Path):
    fake = clock()
    settings = config(new_per_day=10, learning_steps=())
    windows = [
        Collection.from_decks(
            [deck("d", [basic(f"c{i}") for i in range(50)])],
            tmp_path,
            clock=fake,
            config=settings,
            device="laptop",
        )
        for _ in range(3)
    ]
    sessions = [w.start_session() for w in windows]
    while any(s.current is not None for s in sessions):
        for session in sessions:
            if session.current is not None:
                session.record(Grade.EASY)
    assert len(reviews_per_key(tmp_path)) == 10


def test_windows_in_lock_step_never_study_a_card_twice(tmp_path: Path):
    fake = clock()
    settings = config(new_per_day=8, learning_steps=())
    protocols = [
        ReviewProtocol(
            Collection.from_decks(
                [deck("d", [basic(f"c{i}") for i in range(8)])],
                tmp_path,
                clock=fake,
                config=settings,
                device="laptop",
            ).start_session()
        )
        for _ in range(2)
    ]
    for _ in range(20):
        for command in ({"cmd": "next"}, {"cmd": "answer"}, {"cmd": "grade", "grade": 4}):
            for p in protocols:
                p.handle(command)
    counts = reviews_per_key(tmp_path)
    assert len(counts) == 8 and set(counts.values()) == {1}


def test_a_grade_for_a_card_answered_elsewhere_is_not_recorded_twice(tmp_path: Path):
    fake = clock()
    settings = config(learning_steps=())
    a, b = (
        ReviewProtocol(
            Collection.from_decks(
                [deck("d", [basic("x"), basic("y")])],
                tmp_path,
                clock=fake,
                config=settings,
                device="laptop",
            ).start_session()
        )
        for _ in range(2)
    )
    a.handle({"cmd": "answer"})
    b.handle({"cmd": "answer"})  # both show d/x
    assert a.handle({"cmd": "grade", "grade": 3})["recorded"]["key"] == "d/x"
    assert b.handle({"cmd": "grade", "grade": 3})["error"]["code"] == "card-changed"
    assert b.handle({"cmd": "next"})["card"]["key"] == "d/y"
    assert reviews_per_key(tmp_path) == {"d/x": 1}


def test_a_duplicate_card_id_is_reported_and_only_the_first_is_studied(tmp_path: Path):
    first = basic("a")
    second = replace(first, front="the other a")
    collection = Collection.from_decks(
        [deck("d", [first, basic("b"), second])],
        tmp_path,
        clock=clock(),
        config=config(),
        device="dev",
    )
    errors = [d for d in collection.load_diagnostics if d.code == "duplicate-card-id"]
    assert len(errors) == 1 and errors[0].severity is Severity.ERROR
    assert [c.key for c in collection.study_cards()] == ["d/a", "d/b"]
    assert collection.counts()["d"].total == 2
    assert collection.card("d/a").card is first


def test_due_reports_a_duplicate_card_id_and_counts_it_once(tmp_path: Path):
    deck_file = tmp_path / "geo.yaml"
    deck_file.write_text(
        "format: 1\nid: geo\ntitle: Geo\ncards:\n"
        "  - {id: a, type: basic, front: A, back: a}\n"
        "  - {id: b, type: basic, front: B, back: b}\n"
        "  - {id: a, type: basic, front: A again, back: a}\n"
    )
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "trainer",
            "due",
            "--json",
            str(deck_file),
            "--progress",
            str(tmp_path / "p"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env=dict(os.environ, TRAINER_DEVICE="dev", TRAINER_DECK_CACHE="off"),
    )
    assert "duplicate-card-id" in completed.stderr and "geo.yaml:7:" in completed.stderr
    assert json.loads(completed.stdout)["total"]["total"] == 2
