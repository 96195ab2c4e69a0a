"""A large collection's cards are checked in two processes: the report must be exactly the
one a single process gives, in the same order, and say that two processes were used."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import trainer.validation as validation
from trainer.validation import PARALLEL_NOTE, validate

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2,
    reason="two processes are used on Linux with 2+ CPUs only",
)


def deck(number: int) -> str:
    cards = []
    for i in range(30):
        cards.append(
            f"  - id: c{i}\n    type: choice\n    question: Which colour is item {i}"
            f" of deck {number % 2}?\n    answer: red\n    options: [red, blue"
            f"{', red' if i % 7 == 0 else ''}]\n    source: a.txt\n"
        )
        cards.append(
            f"  - id: t{i}\n    type: typed\n    question: Name {i}?\n"
            f"    answer: word{i}\n    wrong: [word{i}]\n"
        )
    return (
        f"format: 1\nid: deck{number}\ntitle: Deck {number}\nsources:\n  - file: a.txt\n"
        f"    title: A\n  - file: unused.txt\n    title: U\ncards:\n" + "".join(cards)
    )


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    for number in range(4):
        (tmp_path / f"deck{number}.yaml").write_text(deck(number))
    return tmp_path


def run(collection: Path, monkeypatch: pytest.MonkeyPatch, minimum: int, load: float = 0.0):
    monkeypatch.setattr(validation, "PARALLEL_MIN_CARDS", minimum)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    return validate([collection])


def test_two_processes_report_what_one_does(collection: Path, monkeypatch: pytest.MonkeyPatch):
    single = run(collection, monkeypatch, 10**9)
    double = run(collection, monkeypatch, 10)
    # Errors in every deck (repeated option, wrong answer listed as wrong), warnings
    # (few options, unused source) and near duplicates across decks.
    assert {d.code for d in single.diagnostics} >= {
        "duplicate-option",
        "accepted-answer-marked-wrong",
        "few-options",
        "unused-source",
        "near-duplicate",
    }
    assert double.diagnostics == single.diagnostics
    assert PARALLEL_NOTE in double.notes and PARALLEL_NOTE not in single.notes
    assert double.cards == single.cards == 240


def test_a_failed_second_process_has_its_share_checked_here(
    collection: Path, monkeypatch: pytest.MonkeyPatch
):
    single = run(collection, monkeypatch, 10**9)
    parent = os.getpid()
    check_cards = validation._check_cards

    def crash_in_the_child(decks):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            raise RuntimeError("the second process breaks")
        return check_cards(decks)

    monkeypatch.setattr(validation, "_check_cards", crash_in_the_child)
    double = run(collection, monkeypatch, 10)
    assert double.diagnostics == single.diagnostics


def test_small_collections_use_one_process(collection: Path, monkeypatch: pytest.MonkeyPatch):
    assert PARALLEL_NOTE not in run(collection, monkeypatch, 5_000).notes  # 240 cards


def test_a_busy_machine_uses_one_process(collection: Path, monkeypatch: pytest.MonkeyPatch):
    busy = float(len(os.sched_getaffinity(0)))  # every CPU already has work
    assert PARALLEL_NOTE not in run(collection, monkeypatch, 10, load=busy).notes
