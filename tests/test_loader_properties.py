"""Whatever bytes or YAML a deck file holds, the loader answers with a deck or located
errors, and never raises."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
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
            for text in (card.front, card.back, card.question, card.answer, *card.options):
                assert "\x1b" not in text and "\u202e" not in text


def test_the_mutation_base_is_a_valid_deck():
    result = load_deck_text(VALID_DECK, PATH)
    assert result.ok and result.diagnostics == [] and len(result.deck.cards) == 7


FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.text(max_size=300))
def test_arbitrary_text(text: str):
    check(load_deck_text(text, PATH))


@FAST
@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes):
    check(load_deck_text(data, PATH))


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=20), st.sampled_from(
                        ["no", "yes", "12:30", "1e3", "~", "{{c1::x}}", "{{c0::", "auto",
                         "10m", "basic", "cloze", "typed", "truefalse", "\x1b[2J"]))
keys = st.sampled_from(["format", "id", "title", "cards", "type", "front", "back", "text",
                        "question", "answer", "options", "answers", "items", "statement",
                        "match", "tests", "alternatives", "c1", "accept", "scheduling",
                        "sources", "file", "max_typos", "qestion"]) | st.text(max_size=8)
yaml_data = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children,
                                                                       max_size=5),
    max_leaves=25,
)


@FAST
@given(yaml_data)
def test_arbitrary_yaml_shaped_data(data):
    check(load_deck_text(yaml.safe_dump(data, allow_unicode=True), PATH))


@FAST
@given(st.dictionaries(st.sampled_from(["format", "id", "title", "cards", "sources",
                                        "scheduling", "description"]), yaml_data,
                       max_size=6))
def test_deck_shaped_data(data):
    check(load_deck_text(yaml.safe_dump(data, allow_unicode=True), PATH))


@FAST
@given(st.data())
def test_mutated_valid_decks(data):
    text = VALID_DECK
    for _ in range(data.draw(st.integers(1, 3))):
        position = data.draw(st.integers(0, len(text)))
        action = data.draw(st.sampled_from(["delete", "insert", "replace", "swap-lines"]))
        if action == "delete":
            end = data.draw(st.integers(position, min(len(text), position + 20)))
            text = text[:position] + text[end:]
        elif action == "insert":
            piece = data.draw(st.sampled_from(
                ["\t", " ", "\n", ":", "- ", "[", "]", "{", "}", '"', "'", "&a ", "*a",
                 "!!python/object:os.system ", "---\n", "no", "{{c", "}}", "#", "\x1b",
                 "\xff", "\u202e"]) | st.text(max_size=5))
            text = text[:position] + piece + text[position:]
        elif action == "replace":
            text = text[:position] + data.draw(st.text(max_size=3)) + text[position + 3:]
        else:
            lines = text.split("\n")
            i = data.draw(st.integers(0, len(lines) - 1))
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    check(load_deck_text(text, PATH))
    check(load_deck_text(text.encode("utf-8", "surrogatepass"), PATH))
