"""Loading well-formed decks: every field of format v1 reaches the model as authored."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from trainer.loader import find_deck_files, load_deck, load_deck_text
from trainer.model import AnswerTests, CardType, Cloze, Location, MatchPolicy

FULL_DECK = """\
# yaml-language-server: $schema=../trainer/deck.schema.json
format: 1
id: full-deck
title: Every card type
description: A deck using every field.
sources:
  - file: a.txt
    title: Article A
  - file: b.txt
    title: Article B
scheduling:
  desired_retention: 0.85
  learning_steps: [30s, 10m, 1h]
  relearning_steps: ["1d"]
  maximum_interval: 365
  enable_fuzzing: false
  new_per_day: 0
  reviews_per_day: 100
cards:
  - id: nmda
    type: basic
    tags: [receptors, terms]
    front: What does NMDA stand for?
    back: N-methyl-D-aspartate
    reverse: true
    source: a.txt
    explanation: The receptor ketamine blocks.
  - id: glutamate-role
    type: cloze
    text: Ketamine blocks {{c1::NMDA}} receptors, then {{c2::glutamate::a transmitter}} and {{c1::more}}.
    alternatives:
      c1: [N-methyl-D-aspartate]
    tests:
      c1: {accept: [nmda], reject: [AMPA]}
    match: {max_typos: 1}
    source: [a.txt, b.txt]
  - id: onset-hours
    type: typed
    question: Within roughly how many hours?
    answer: "24"
    alternatives: ["twenty-four"]
    wrong: ["2 weeks"]
    match:
      case_sensitive: true
      accent_sensitive: TRUE
      ignore_punctuation: False
      numeric_tolerance: 0
      max_typos: auto
    tests:
      accept: ["24", "twenty four"]
      reject: ["48"]
  - id: main-target
    type: choice
    question: Which receptor?
    answer: NMDA
    options: [NMDA, GABA-A, mu-opioid]
  - id: side-effects
    type: multi
    question: Which are side effects?
    answers: [Dissociation, Nausea]
    options: [Dissociation, Nausea, Hair loss]
  - id: history
    type: order
    question: Put these in order.
    items:
      - Synthesized
      - Battlefields
      - Nasal spray
  - id: cures
    type: truefalse
    statement: A single infusion cures depression permanently.
    answer: false
"""


@pytest.fixture
def deck_file(tmp_path: Path) -> Path:
    path = tmp_path / "full.yaml"
    path.write_text(FULL_DECK, encoding="utf-8")
    return path


def test_full_deck_loads_with_every_field(deck_file: Path):
    result = load_deck(deck_file)
    assert result.ok and result.diagnostics == []
    deck = result.deck
    assert deck is not None
    assert (deck.id, deck.title, deck.description) == (
        "full-deck",
        "Every card type",
        "A deck using every field.",
    )
    assert deck.path == deck_file
    assert [(s.file, s.title) for s in deck.sources] == [
        ("a.txt", "Article A"),
        ("b.txt", "Article B"),
    ]
    assert deck.sources[1].location == Location(deck_file, 9, 5)
    settings = deck.scheduling
    assert settings.desired_retention == 0.85
    assert settings.learning_steps == (0.5, 10.0, 60.0)
    assert settings.relearning_steps == (1440.0,)
    assert (
        settings.maximum_interval,
        settings.enable_fuzzing,
        settings.new_per_day,
        settings.reviews_per_day,
    ) == (365, False, 0, 100)
    assert [c.type for c in deck.cards] == list(CardType)


def test_each_card_type_maps_onto_the_model(deck_file: Path):
    deck = load_deck(deck_file).deck
    assert deck is not None
    basic, cloze, typed, choice, multi, order, truefalse = deck.cards

    assert (basic.front, basic.back, basic.reverse) == (
        "What does NMDA stand for?",
        "N-methyl-D-aspartate",
        True,
    )
    assert basic.tags == ("receptors", "terms") and basic.sources == ("a.txt",)
    assert basic.explanation == "The receptor ketamine blocks."

    assert cloze.question.startswith("Ketamine blocks {{c1::NMDA}}")
    assert cloze.sources == ("a.txt", "b.txt")
    assert cloze.clozes == (
        Cloze(
            1,
            ("NMDA", "more"),
            (None, None),
            ("N-methyl-D-aspartate",),
            AnswerTests(("nmda",), ("AMPA",)),
        ),
        Cloze(2, ("glutamate",), ("a transmitter",)),
    )
    assert cloze.match == MatchPolicy(max_typos=1)

    assert (typed.question, typed.answer) == ("Within roughly how many hours?", "24")
    assert typed.alternatives == ("twenty-four",) and typed.wrong == ("2 weeks",)
    assert typed.match == MatchPolicy(
        case_sensitive=True,
        accent_sensitive=True,
        ignore_punctuation=False,
        numeric_tolerance=0.0,
        max_typos=None,
    )
    assert typed.tests == AnswerTests(("24", "twenty four"), ("48",))

    assert (choice.answer, choice.options) == ("NMDA", ("NMDA", "GABA-A", "mu-opioid"))
    assert multi.answers == ("Dissociation", "Nausea")
    assert multi.options == ("Dissociation", "Nausea", "Hair loss")
    assert order.items == ("Synthesized", "Battlefields", "Nasal spray")
    assert truefalse.question == "A single infusion cures depression permanently."
    assert truefalse.truth is False


def test_study_cards_come_from_reverse_and_cloze_numbers(deck_file: Path):
    deck = load_deck(deck_file).deck
    assert deck is not None
    keys = [s.key for s in deck.study_cards()]
    assert keys[:4] == [
        "full-deck/nmda",
        "full-deck/nmda::reverse",
        "full-deck/glutamate-role::c1",
        "full-deck/glutamate-role::c2",
    ]


def test_cards_and_fields_keep_their_positions(deck_file: Path):
    deck = load_deck(deck_file).deck
    assert deck is not None
    basic, cloze, typed, choice = deck.cards[:4]
    assert basic.location == Location(deck_file, 20, 5)
    assert basic.where("front") == Location(deck_file, 23, 12)
    assert basic.where("sources") == basic.where("source") == Location(deck_file, 26, 13)
    assert cloze.where("tests.c1.reject[0]") == Location(deck_file, 34, 37)
    assert cloze.where("alternatives.c1[0]") == Location(deck_file, 32, 12)
    assert typed.where("tests.accept[1]") == Location(deck_file, 50, 22)
    assert choice.where("options[2]") == Location(deck_file, 56, 29)
    assert deck.cards[6].where("truth") == Location(deck_file, 72, 13)
    # A field never written falls back to the card itself.
    assert basic.where("explanation") != basic.location
    assert choice.where("explanation") == choice.location


def test_text_is_data_not_markup_and_multiline_scalars_work(tmp_path: Path):
    text = """\
format: 1
id: d
title: "[b]Bold?[/b]"
cards:
  - id: a
    type: basic
    front: |
      list[int] and [@click=app.quit]
      second line
    back: >-
      folded
      text
"""
    deck = load_deck_text(text, tmp_path / "d.yaml").deck
    assert deck is not None
    assert deck.title == "[b]Bold?[/b]"
    assert deck.cards[0].front == "list[int] and [@click=app.quit]\nsecond line\n"
    assert deck.cards[0].back == "folded text"


def test_byte_order_mark_and_crlf_line_ends_are_accepted(tmp_path: Path):
    body = (
        "format: 1\r\nid: d\r\ntitle: T\r\ncards:\r\n  - id: a\r\n    type: basic\r\n"
        "    front: F\r\n    back: B\r\n"
    )
    result = load_deck_text(b"\xef\xbb\xbf" + body.encode(), tmp_path / "d.yaml")
    assert result.ok and result.diagnostics == []
    assert result.deck is not None and result.deck.cards[0].back == "B"
    # Positions are not shifted by the mark.
    assert result.deck.cards[0].location.line == 5


def test_explicit_str_tag_and_quoted_values_count_as_text(tmp_path: Path):
    text = """\
format: 1
id: d
title: T
cards:
  - id: a
    type: typed
    question: "yes"
    answer: !!str 5
    alternatives: ['no', "1e3", "12:30"]
"""
    result = load_deck_text(text, tmp_path / "d.yaml")
    assert result.ok, [str(d) for d in result.diagnostics]
    card = result.deck.cards[0]
    assert (card.question, card.answer, card.alternatives) == ("yes", "5", ("no", "1e3", "12:30"))


def test_a_broken_card_is_left_out_and_the_rest_load(tmp_path: Path):
    text = """\
format: 1
id: d
title: T
cards:
  - id: good
    type: basic
    front: F
    back: B
  - id: bad
    type: basic
    front: F
  - id: also-good
    type: truefalse
    statement: S
    answer: TRUE
"""
    result = load_deck_text(text, tmp_path / "d.yaml")
    assert not result.ok
    assert result.deck is not None
    assert [c.id for c in result.deck.cards] == ["good", "also-good"]
    assert [(d.code, d.card_id, d.line) for d in result.diagnostics] == [
        ("missing-field", "bad", 9)
    ]


def test_every_problem_of_a_file_is_reported_in_one_run(tmp_path: Path):
    text = """\
format: 1
id: d
title: T
cards:
  - id: one
    type: basic
    front: F
    bak: B
  - id: two
    type: typed
    question: Q
    answer: 24
  - id: three
    type: truefalse
    statement: S
    answer: no
"""
    result = load_deck_text(text, tmp_path / "d.yaml")
    assert result.deck is not None and result.deck.cards == []
    codes = [(d.line, d.code, d.card_id) for d in result.diagnostics]
    assert (8, "unknown-field", "one") in codes
    assert (12, "quote-this", "two") in codes
    assert (16, "quote-this", "three") in codes
    assert [line for line, _, _ in codes] == sorted(line for line, _, _ in codes)


def test_loading_leaves_process_wide_state_alone(deck_file: Path, tmp_path: Path, monkeypatch):
    """A library call never switches the garbage collector or forks: the program that
    calls it decides (trainer validate pauses the collector itself)."""
    from trainer import deckcache
    from trainer.validation import validate

    def forbidden(*args: object) -> None:
        raise AssertionError("a library call changed process-wide state")

    monkeypatch.setattr(deckcache, "RACY_SECONDS", 0.0)
    for name in ("disable", "enable", "freeze"):
        monkeypatch.setattr(gc, name, forbidden)
    monkeypatch.setattr(os, "fork", forbidden)
    assert load_deck(deck_file).deck is not None
    cache = tmp_path / "cache"
    deckcache.load_deck_cached(deck_file, cache)  # written
    assert deckcache.load_deck_cached(deck_file, cache).deck.cards  # read, cards decoded
    assert validate([deck_file]).files == [deck_file]


def test_find_deck_files_recurses_sorted_and_skips_other_files(tmp_path: Path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.yml").write_text("x")
    (tmp_path / "b" / "a.yaml").write_text("x")
    (tmp_path / "a.YAML").write_text("x")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "h.yaml").write_text("x")
    explicit = tmp_path / "notes.txt"
    files, problems = find_deck_files([tmp_path, explicit, tmp_path / "b" / "a.yaml"])
    assert problems == []
    assert files == [
        tmp_path / "a.YAML",
        tmp_path / "b" / "a.yaml",
        tmp_path / "b" / "z.yml",
        explicit,
    ]


def test_find_deck_files_follows_links_to_other_directories(tmp_path: Path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "d.yaml").write_text("x")
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(real, root / "linked")
    files, problems = find_deck_files([root])
    assert problems == []
    assert files == [root / "linked" / "d.yaml"]
