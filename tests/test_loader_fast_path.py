"""The reader takes valid cards quietly (trainer.deckread._quiet_card) and reads
everything else with the reporting reader; both must give the same deck and the same
diagnostics for any card, valid or not."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trainer.deckformat import CARD_TYPES, Kind, card_fields
from trainer.loader import LoadResult, load_deck_text

ROOT = Path(__file__).resolve().parent.parent
PATH = Path("fast.yaml")
HEADER = "format: 1\nid: fast\ntitle: Fast path\nsources:\n  - file: a.txt\n    title: A\ncards:\n"

# Raw YAML for values: valid ones first (up to the index in VALID), then YAML 1.1
# surprises, wrong types, control characters (as double-quoted escapes), empty texts.
TEXTS = [
    "plain text",
    '"quoted: [x]"',
    "'single ''q'''",
    '"no"',
    '"1e3"',
    "café",
    '"tab\\tand\\nnewline"',
    "'+1'",
    "!!str 12",
    "no",
    "1e3",
    "12:30",
    "~",
    '""',
    '" "',
    '"bell \\a here"',
    "[a, b]",
    "{a: b}",
    "true",
    "3",
    "0x1F",
    "<<",
    "=",
]
LISTS = [
    "[a, b]",
    "[]",
    '["x", "y y"]',
    "[a, no]",
    "[a, [b]]",
    "a",
    '[a, ""]',
    "[a, 1e3]",
    "{a: b}",
    '[a, "esc \\e[31m"]',
    "[a, a]",
    "[a, b, c, d]",
]
BOOLEANS = ["true", "false", "yes", '"true"', "True", "maybe", "1", "FALSE"]
MATCHES = [
    "{max_typos: 1}",
    "{max_typos: auto}",
    "{max_typos: -1}",
    "{max_typos: 1.5}",
    '{max_typos: "auto"}',
    "{numeric_tolerance: 0.5}",
    "{numeric_tolerance: .inf}",
    "{numeric_tolerance: -1}",
    "{case_sensitive: true, ignore_punctuation: no}",
    "{bogus: 1}",
    "[]",
    "{accent_sensitive: false, max_typos: 0}",
    "{qualifiers: false, number_words: false, ignore_articles: no}",
    "{number_units: false, ignore_approximations: true}",
]
TYPED_TESTS = [
    "{accept: [a], reject: [b]}",
    "{accept: []}",
    "{reject: [x]}",
    "{accept: a}",
    "{nope: [a]}",
    "[]",
    "{reject: [b], accept: [a]}",
]
CLOZE_TEXTS = [
    '"a {{c1::b}} c"',
    '"a {{c1::b::hint}} and {{c2::d}}"',
    '"no deletion"',
    '"{{c0::x}}"',
    '"{{c1::x}"',
    '"{{c1::}}"',
    '"{{c2::x}} {{c1::y}} {{c2::z}}"',
]
CLOZE_ALTERNATIVES = [
    "{c1: [x]}",
    "{c2: [y]}",
    "{c3: [z]}",
    "{c01: [x]}",
    "{c1: x}",
    "[x]",
    "{c1: [x], c1: [y]}",
    "{c1: [], c2: [w]}",
]
CLOZE_TESTS = [
    "{c1: {accept: [b], reject: [q]}}",
    "{c1: {accept: b}}",
    "{c9: {accept: [b]}}",
    "{c1: []}",
    "{c2: {reject: [q]}, c1: {accept: [b]}}",
]
IDS = ["card-1", "c_2", "Card", '"x y"', "no", "12", '""']
TYPES = [
    "basic",
    "cloze",
    "typed",
    "choice",
    "multi",
    "order",
    "truefalse",
    "basik",
    '"typed"',
    "no",
]
SOURCES = ["a.txt", "[a.txt, b.txt]", "[]", '""', "{a: b}", "no", "b.txt"]

#: How many values at the start of each list above are valid.
VALID = {
    id(TEXTS): 9,
    id(LISTS): 3,
    id(BOOLEANS): 2,
    id(MATCHES): 2,
    id(TYPED_TESTS): 3,
    id(CLOZE_TEXTS): 2,
    id(CLOZE_ALTERNATIVES): 1,
    id(CLOZE_TESTS): 1,
    id(IDS): 2,
    id(SOURCES): 2,
}
#: The values tried for a field, by the kind the declaration gives it.
VALUES_BY_KIND: dict[Kind, list[str]] = {
    Kind.TEXT: TEXTS,
    Kind.OPTIONAL_TEXT: TEXTS,
    Kind.BOOLEAN: BOOLEANS,
    Kind.TEXT_LIST: LISTS,
    Kind.NON_EMPTY_LIST: LISTS,
    Kind.MATCH: MATCHES,
    Kind.TESTS: TYPED_TESTS,
    Kind.SOURCE: SOURCES,
    Kind.CLOZE_TEXT: CLOZE_TEXTS,
    Kind.DELETION_LISTS: CLOZE_ALTERNATIVES,
    Kind.DELETION_TESTS: CLOZE_TESTS,
}
#: Each card field's kind, for a field written on a card of a type that does not have
#: it (the first type that declares the key).
FOREIGN_KIND: dict[str, Kind] = {}
for _card_type in CARD_TYPES:
    for _spec in card_fields(_card_type).values():
        if _spec.kind not in (Kind.ID, Kind.TYPE):
            FOREIGN_KIND.setdefault(_spec.key, _spec.kind)
BY_TYPE = {
    str(card_type): [spec.key for spec in spec.fields] for card_type, spec in CARD_TYPES.items()
}


def both(text: str) -> tuple[LoadResult, LoadResult]:
    """(read quietly first, read by the reporting reader only)."""
    return load_deck_text(text, PATH), load_deck_text(text, PATH, quiet=False)


def as_data(card: object) -> list[tuple[str, object]]:
    data = []
    for name in card.__struct_fields__:  # type: ignore[attr-defined]
        value = getattr(card, name)
        # Same entries in the same order (the deck cache keeps that order).
        data.append((name, list(value.items()) if name == "field_positions" else value))
    return data


def assert_same(fast: LoadResult, reporting: LoadResult) -> None:
    assert fast.diagnostics == reporting.diagnostics
    assert (fast.deck is None) == (reporting.deck is None)
    if fast.deck is not None and reporting.deck is not None:
        assert [as_data(c) for c in fast.deck.cards] == [as_data(c) for c in reporting.deck.cards]


def value(draw: st.DrawFn, pool: list[str]) -> str:
    """Mostly a valid value (so that many cards are read by the fast pass), else any."""
    valid = VALID.get(id(pool), len(pool))
    if draw(st.integers(0, 19)) < 19:
        return draw(st.sampled_from(pool[:valid]))
    return draw(st.sampled_from(pool))


@st.composite
def card_text(draw: st.DrawFn) -> str:
    kind = value(draw, TYPES[:7]) if draw(st.integers(0, 9)) else draw(st.sampled_from(TYPES))
    base = kind.strip('"') if kind.strip('"') in BY_TYPE else draw(st.sampled_from(list(BY_TYPE)))
    names = ["id", "type", *BY_TYPE[base], "tags", "source", "explanation"]
    if draw(st.integers(0, 5)) == 0:
        names.append(draw(st.sampled_from(list(FOREIGN_KIND) + ["bogus"])))  # unknown or foreign
    lines = []
    for name in names:
        if name not in ("id", "type") and draw(st.integers(0, 11)) == 0:
            continue  # a missing field, required or not
        if name == "id":
            raw = value(draw, IDS)
        elif name == "type":
            raw = kind
        elif name == "bogus":
            raw = "x"
        else:
            spec = card_fields(base).get(name)
            raw = value(draw, VALUES_BY_KIND[spec.kind if spec else FOREIGN_KIND[name]])
        lines.append(f"{name}: {raw}")
    order = draw(st.permutations(lines))
    return "  - " + "\n    ".join(order) + "\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cards=st.lists(card_text(), min_size=1, max_size=4))
def test_any_card_loads_the_same_by_either_reader(cards: list[str]):
    assert_same(*both(HEADER + "".join(cards)))


def test_generated_benchmark_decks_load_the_same():
    spec = importlib.util.spec_from_file_location(
        "validate_bench", ROOT / "benchmarks" / "validate_bench.py"
    )
    bench = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(bench)  # type: ignore[union-attr]
    rng = random.Random(7)
    sources = ["a.txt", "b.txt"]
    text = HEADER.replace(
        "  - file: a.txt\n    title: A\n",
        "  - file: a.txt\n    title: A\n  - file: b.txt\n    title: B\n",
    )
    text += "".join(bench._card(rng, number, sources) for number in range(140))
    fast, reporting = both(text)
    assert fast.deck is not None and len(fast.deck.cards) == 140
    assert_same(fast, reporting)


def test_the_bundled_decks_load_the_same():
    for path in sorted((ROOT / "decks").glob("*.yaml")):
        assert_same(*both(path.read_text(encoding="utf-8")))


def test_a_card_read_quietly_still_knows_where_each_field_is():
    text = (
        HEADER + "  - id: a\n    type: typed\n    question: Q?\n    answer: yes sir\n"
        "    tags: [x, zz]\n    source: a.txt\n"
    )
    fast, _ = both(text)
    card = fast.deck.cards[0]  # type: ignore[union-attr]
    where = card.where("tags[1]")
    assert (where.path, where.line, where.column) == (PATH, 12, 15)
    assert list(card.field_positions) == [
        "id",
        "type",
        "question",
        "answer",
        "tags",
        "tags[0]",
        "tags[1]",
        "source",
        "sources",
    ]
    assert card.field_locations["answer"].line == 11


def test_decks_with_anchors_are_read_by_the_reporting_readers():
    text = HEADER + (
        "  - id: a\n    type: basic\n    front: &f Same\n    back: B\n"
        "  - id: b\n    type: basic\n    front: *f\n    back: C\n"
    )
    fast, reporting = both(text)
    assert [d.code for d in fast.diagnostics] == ["alias"]
    assert_same(fast, reporting)


@pytest.mark.parametrize("first_front", ["Salt & pepper", "Q & A &&", "R&D"])
def test_an_ampersand_in_text_is_not_taken_for_an_anchor(first_front):
    text = HEADER + (
        f"  - id: a\n    type: basic\n    front: {first_front}\n    back: B\n"
        "  - id: b\n    type: basic\n    front: &f Same\n    back: B\n"
        "  - id: c\n    type: basic\n    front: *f\n    back: C\n"
    )
    fast, reporting = both(text)
    assert [d.code for d in fast.diagnostics] == ["alias"]
    assert [card.front for card in fast.deck.cards] == [first_front, "Same"]
    assert_same(fast, reporting)
