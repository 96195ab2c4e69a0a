"""Whatever bytes or YAML a deck file holds, the loader answers with a deck or located
errors, and never raises."""

from __future__ import annotations

from pathlib import Path

import yaml
from deck_mutations import mutated
from hypothesis import given, settings
from hypothesis import strategies as st

from trainer.diagnostics import Severity
from trainer.loader import load_deck_text
from trainer.model import Deck

PATH = Path("prop.yaml")
FILE_LEVEL = {"file-too-large", "path-not-found", "path-unreadable", "symlink-loop"}

VALID_DECK = """\
format: 1
id: prop-deck
title: A deck to mutate
sources:
  - file: a.txt
    title: A
scheduling:
  learning_steps: [1m, 10m]
cards:
  - id: b1
    type: basic
    front: What does NMDA stand for?
    back: N-methyl-D-aspartate
    reverse: true
    source: a.txt
  - id: c1
    type: cloze
    text: Ketamine blocks {{c1::NMDA}} receptors and {{c2::more::hint}}.
    alternatives: {c1: [nmda]}
    tests: {c2: {accept: [more], reject: [less]}}
  - id: t1
    type: typed
    question: How many hours?
    answer: "24"
    match: {max_typos: auto, numeric_tolerance: 0.5}
    tests: {accept: ["24"], reject: ["48"]}
  - id: ch1
    type: choice
    question: Which receptor?
    answer: NMDA
    options: [NMDA, AMPA]
  - id: m1
    type: multi
    question: Which?
    answers: [a]
    options: [a, b]
  - id: o1
    type: order
    question: Order these.
    items: [first, second]
  - id: tf1
    type: truefalse
    statement: Water is wet.
    answer: true
"""


def check(result) -> None:
    """The contract every load honours."""
    assert result.deck is None or isinstance(result.deck, Deck)
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert result.ok == (not errors)
    if result.deck is None:
        assert errors, "an unusable file must say why"
    for diagnostic in result.diagnostics:
        assert diagnostic.path == PATH and diagnostic.code and diagnostic.message
        if diagnostic.code not in FILE_LEVEL:
            assert diagnostic.line >= 1 and diagnostic.column >= 1, str(diagnostic)
    if result.deck is not None:
        for card in result.deck.cards:
            assert isinstance(card.id, str) and card.id and card.type is not None
            for text in (card.front, card.back, card.question, card.answer, *card.options):
                assert "\x1b" not in text and "\u202e" not in text


def test_the_mutation_base_is_a_valid_deck():
    result = load_deck_text(VALID_DECK, PATH)
    assert result.ok and result.diagnostics == [] and len(result.deck.cards) == 7


def test_a_tagged_card_key_is_one_error_and_the_card_is_left_out():
    """`- !!python/object:os.system id: x` once built a Card without an id (a crash)."""
    text = VALID_DECK.replace("  - id: b1", "  - !!python/object:os.system id: b1")
    result = load_deck_text(text, PATH)
    check(result)
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [("unsafe-tag", 10, 5)]
    assert "b1" not in [card.id for card in result.deck.cards]
    assert len(result.deck.cards) == 6


# Budgets (max_examples) come from the hypothesis profile: see tests/conftest.py.


@given(st.text(max_size=300))
def test_arbitrary_text(text: str):
    check(load_deck_text(text, PATH))


@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes):
    check(load_deck_text(data, PATH))


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(
        [
            "no",
            "yes",
            "12:30",
            "1e3",
            "~",
            "{{c1::x}}",
            "{{c0::",
            "auto",
            "10m",
            "basic",
            "cloze",
            "typed",
            "truefalse",
            "\x1b[2J",
        ]
    ),
)
keys = st.sampled_from(
    [
        "format",
        "id",
        "title",
        "cards",
        "type",
        "front",
        "back",
        "text",
        "question",
        "answer",
        "options",
        "answers",
        "items",
        "statement",
        "match",
        "tests",
        "alternatives",
        "c1",
        "accept",
        "scheduling",
        "sources",
        "file",
        "max_typos",
        "qestion",
    ]
) | st.text(max_size=8)
yaml_data = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=25,
)


@given(yaml_data)
def test_arbitrary_yaml_shaped_data(data):
    check(load_deck_text(yaml.safe_dump(data, allow_unicode=True), PATH))


@given(
    st.dictionaries(
        st.sampled_from(["format", "id", "title", "cards", "sources", "scheduling", "description"]),
        yaml_data,
        max_size=6,
    )
)
def test_deck_shaped_data(data):
    check(load_deck_text(yaml.safe_dump(data, allow_unicode=True), PATH))


# Mutations find crashes the other strategies miss: four times the profile's budget.
@settings(max_examples=4 * settings.default.max_examples)
@given(mutated(VALID_DECK))
def test_mutated_valid_decks(text: str):
    """Mutations of characters, keys, tags, anchors and structure (tests/deck_mutations)."""
    check(load_deck_text(text, PATH))
    check(load_deck_text(text.encode("utf-8", "surrogatepass"), PATH))


def test_a_number_tag_on_text_is_one_error():
    """`file: !!int 000_x.txt` once crashed the loader (int() of the text)."""
    for text in (
        VALID_DECK.replace("file: a.txt", "file: !!int a.txt"),
        VALID_DECK.replace("max_typos: auto", "max_typos: !!int auto"),
        VALID_DECK.replace("numeric_tolerance: 0.5", "numeric_tolerance: !!float x"),
    ):
        result = load_deck_text(text, PATH)
        check(result)
        assert [d.code for d in result.diagnostics] == ["wrong-type"], result.diagnostics
