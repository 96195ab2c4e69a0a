"""A share of a large collection's card checks may run in a worker process the calling
program provides: the report must be exactly the one a single process gives, in the same
order, and say that two processes were used. The library never starts a process itself."""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from pathlib import Path

import pytest
from msgspec.structs import astuple, replace

import trainer.commands.validate as validate_command
import trainer.loader as loader
import trainer.validation as validation
from trainer.cli import main
from trainer.validation import WORKER_NOTE, validate


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


def run(collection: Path, monkeypatch: pytest.MonkeyPatch, minimum: int, executor=None):
    monkeypatch.setattr(validation, "WORKER_MIN_BYTES", minimum)
    return validate([collection], executor=executor)


def worker_pool() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


def test_a_worker_process_reports_what_one_process_does(
    collection: Path, monkeypatch: pytest.MonkeyPatch
):
    single = run(collection, monkeypatch, 10)
    with worker_pool() as pool:
        double = run(collection, monkeypatch, 10, pool)
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
    assert WORKER_NOTE in double.notes and WORKER_NOTE not in single.notes
    assert double.cards == single.cards == 240


def card_fields(report) -> list:
    return [
        (deck.id, deck.path, deck.location, deck.sources, [astuple(card) for card in deck.cards])
        for deck in report.decks
    ]


def test_the_worker_sends_its_decks_back_instead_of_this_process_loading_them(
    collection: Path, monkeypatch: pytest.MonkeyPatch
):
    single = run(collection, monkeypatch, 10)
    loaded: list[Path] = []
    real_load = loader.load_deck
    monkeypatch.setattr(loader, "load_deck", lambda path: loaded.append(path) or real_load(path))
    with worker_pool() as pool:
        double = run(collection, monkeypatch, 10, pool)
    assert WORKER_NOTE in double.notes
    files = sorted(collection.glob("*.yaml"))
    assert loaded and set(loaded) < set(files)  # the worker's files are not loaded here
    assert card_fields(double) == card_fields(single)


class Failing(Executor):
    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        future: Future = Future()
        future.set_exception(RuntimeError("the worker breaks"))
        return future


def test_a_failed_worker_has_its_share_checked_here(
    collection: Path, monkeypatch: pytest.MonkeyPatch
):
    single = run(collection, monkeypatch, 10)
    double = run(collection, monkeypatch, 10, Failing())
    assert double.diagnostics == single.diagnostics
    assert WORKER_NOTE not in double.notes


def test_small_collections_use_one_process(collection: Path, monkeypatch: pytest.MonkeyPatch):
    with worker_pool() as pool:
        assert WORKER_NOTE not in run(collection, monkeypatch, 10**9, pool).notes


def test_the_command_decides_on_a_second_process(
    collection: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setattr(validation, "WORKER_MIN_BYTES", 10)
    monkeypatch.setattr(validate_command, "_others_running", lambda: 99)  # a busy machine
    assert main(["validate", str(collection)]) == 1
    assert WORKER_NOTE not in capsys.readouterr().out
    assert main(["validate", "--jobs", "2", str(collection)]) == 1
    assert WORKER_NOTE in capsys.readouterr().out


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2,
    reason="a second process is only chosen on Linux with two CPUs or more",
)
def test_on_an_idle_machine_the_command_uses_a_second_process(
    collection: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    # Idle now, however busy the last minute was (the load average lags).
    monkeypatch.setattr(validation, "WORKER_MIN_BYTES", 10)
    monkeypatch.setattr(os, "getloadavg", lambda: (99.0, 99.0, 99.0))
    monkeypatch.setattr(validate_command, "_others_running", lambda: 0)
    assert main(["validate", str(collection)]) == 1
    assert WORKER_NOTE in capsys.readouterr().out
    assert main(["validate", "--jobs", "1", str(collection)]) == 1
    assert WORKER_NOTE not in capsys.readouterr().out


def test_a_deck_the_codec_cannot_hold_is_sent_as_it_is(collection: Path):
    from trainer.validation.worker import _pack

    deck = loader.load_deck(collection / "deck0.yaml").deck
    assert deck is not None
    packed = _pack(deck)
    assert packed is not deck and [astuple(c) for c in packed.cards] == [
        astuple(c) for c in deck.cards
    ]
    deck.cards[0].location = replace(deck.cards[0].location, path=collection / "other.yaml")
    assert _pack(deck) is deck


def test_near_duplicates_across_the_two_processes_shares_name_the_right_cards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # Only the last deck (checked here) repeats a card of the first (the worker's).
    words = ["alpha", "bravo", "charlie", "delta"]
    for number, word in enumerate(words):
        cards = []
        for i in range(40):
            asked = "alpha" if (number, i) == (3, 5) else word
            cards.append(
                f"  - id: q{i}\n    type: typed\n    question: Which {asked} thing number "
                f"{i} comes {asked} here?\n    answer: a{i}\n"
            )
        (tmp_path / f"deck{number}.yaml").write_text(
            f"format: 1\nid: d{number}\ntitle: D\ncards:\n{''.join(cards)}"
        )
    single = run(tmp_path, monkeypatch, 10)
    with worker_pool() as pool:
        double = run(tmp_path, monkeypatch, 10, pool)
    repeats = [d for d in single.diagnostics if d.code == "near-duplicate"]
    assert [(d.path.name, d.card_id) for d in repeats] == [("deck3.yaml", "q5")]
    assert WORKER_NOTE in double.notes
    assert double.diagnostics == single.diagnostics


def test_a_crash_in_the_near_duplicate_check_is_reported_as_in_one_process(
    collection: Path, monkeypatch: pytest.MonkeyPatch
):
    from trainer.validation import near_duplicates

    def crash(card):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(near_duplicates, "prompt_of", crash)
    single = run(collection, monkeypatch, 10)
    double = run(collection, monkeypatch, 10, Failing())
    crashes = [d for d in single.diagnostics if d.code == "internal-error"]
    assert len(crashes) == 1 and "check_near_duplicates crashed" in crashes[0].message
    assert double.diagnostics == single.diagnostics


class SecondPartFails(Executor):
    """Runs the work here, except the second part sent, which fails."""

    def __init__(self) -> None:
        self.parts: list[list[Path]] = []

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        self.parts.append(list(args[0]))
        future: Future = Future()
        if len(self.parts) == 2:
            future.set_exception(RuntimeError("the worker breaks"))
        else:
            future.set_result(fn(*args, **kwargs))
        return future


def test_the_worker_share_goes_in_parts_and_a_failed_part_is_checked_here(
    collection: Path, monkeypatch: pytest.MonkeyPatch
):
    for number in range(4, 12):
        (collection / f"deck{number}.yaml").write_text(deck(number))
    single = run(collection, monkeypatch, 10)
    executor = SecondPartFails()
    monkeypatch.setattr(validation, "WORKER_PARTS", 3)
    double = run(collection, monkeypatch, 10, executor)
    files = sorted(collection.glob("*.yaml"))
    # The first files, in order, in three parts of about as many files.
    assert len(executor.parts) == 3 and {len(part) for part in executor.parts} <= {1, 2}
    shared = [path for part in executor.parts for path in part]
    assert shared == files[: len(shared)] and 0 < len(shared) < len(files)
    assert double.diagnostics == single.diagnostics
    assert card_fields(double) == card_fields(single)
    assert WORKER_NOTE in double.notes  # two parts of three came back from the worker
