"""Property tests: whatever a deck file holds, validation ends with a clean result or
located diagnostics, never an exception or an internal error."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from deck_mutations import FIELD_NAMES, mutated
from hypothesis import given, settings
from hypothesis import strategies as st

from trainer.model import CardType
from trainer.validation import validate

#: Every key of the format (junk trees are built from them, so they reach real readers).
FIELDS = FIELD_NAMES[: FIELD_NAMES.index("c1")]
TYPES = [str(card_type) for card_type in CardType]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.text(max_size=12),
    st.sampled_from(TYPES + ["a.txt", "{{c1::x}}", "{{c1::", "NMDA"]),
)
yaml_data = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(FIELDS), children, max_size=5),
    ),
    max_leaves=25,
)

short_text = st.sampled_from(
    [
        "NMDA",
        "nmda",
        "AMPA",
        "glutamate",
        "Glutamate!",
        "x",
        "24",
        "twenty four",
        "the",
        "N-methyl-D-aspartate",
        "é",
        "a b c d e f",
    ]
)
short_list = st.lists(short_text, max_size=4)
common = {
    "tags": st.lists(st.sampled_from(["x", "y"]), max_size=2),
    "source": st.sampled_from(["a.txt", "b.txt", "../x"]),
    "explanation": short_text,
}
tests = st.fixed_dictionaries(
    {"accept": st.lists(short_text, max_size=2), "reject": st.lists(short_text, max_size=2)}
)


def card_of(kind: str, required: dict, optional: dict) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {"id": st.sampled_from(["a", "b", "c"]), "type": st.just(kind), **required},
        optional={**common, **optional},
    )


cards = st.one_of(
    card_of("basic", {"front": short_text, "back": short_text}, {"reverse": st.booleans()}),
    card_of(
        "typed",
        {"question": short_text, "answer": short_text},
        {
            "alternatives": short_list,
            "wrong": short_list,
            "tests": tests,
            "match": st.fixed_dictionaries(
                {},
                optional={
                    "max_typos": st.integers(0, 3),
                    "case_sensitive": st.booleans(),
                    "numeric_tolerance": st.floats(0, 2),
                },
            ),
        },
    ),
    card_of(
        "cloze",
        {
            "text": st.sampled_from(
                [
                    "A {{c1::NMDA}} b",
                    "{{c1::x}} {{c2::y}} x",
                    "{{c1::a}} and {{c1::b}}",
                    "{{c1::24}} h",
                ]
            )
        },
        {
            "alternatives": st.fixed_dictionaries({"c1": short_list}),
            "tests": st.fixed_dictionaries({"c1": tests}),
        },
    ),
    card_of("choice", {"question": short_text, "answer": short_text, "options": short_list}, {}),
    card_of("multi", {"question": short_text, "answers": short_list, "options": short_list}, {}),
    card_of("order", {"question": short_text, "items": short_list}, {}),
    card_of("truefalse", {"statement": short_text, "answer": st.booleans()}, {}),
)
decks = st.fixed_dictionaries(
    {
        "format": st.just(1),
        "id": st.sampled_from(["d", "e"]),
        "title": st.just("T"),
        "sources": st.just([{"file": "a.txt", "title": "A"}]),
        "cards": st.lists(cards, min_size=1, max_size=6),
    }
)


def check(contents: list[bytes], with_sources: bool = False) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        (directory / "a.txt").write_text("NMDA glutamate receptor the 24")
        paths = []
        for index, data in enumerate(contents):
            path = directory / f"deck{index}.yaml"
            path.write_bytes(data)
            paths.append(path)
        report = validate(paths, sources=directory if with_sources else None)
        for diagnostic in report.diagnostics:
            assert diagnostic.code != "internal-error", str(diagnostic)
            assert diagnostic.path in paths
            assert diagnostic.code and diagnostic.message
            if diagnostic.code != "file-too-large":
                assert diagnostic.line >= 1 and diagnostic.column >= 1, str(diagnostic)


# Budgets (max_examples) come from the hypothesis profile: see tests/conftest.py.
@given(st.text(max_size=200))
def test_arbitrary_text(text: str):
    check([text.encode("utf-8", "surrogatepass")])


@given(yaml_data)
def test_arbitrary_yaml_shaped_data(data):
    check([yaml.safe_dump(data, allow_unicode=True).encode()])


@given(st.lists(decks, min_size=1, max_size=3), st.booleans())
def test_deck_shaped_data(deck_list, with_sources: bool):
    check([yaml.safe_dump(deck, allow_unicode=True).encode() for deck in deck_list], with_sources)


#: A real deck to mutate: every card type, sources, block scalars, tests blocks.
BUNDLED = sorted((Path(__file__).parent.parent / "decks").glob("*.yaml"))


# Mutations find crashes the other strategies miss: four times the profile's budget.
@settings(max_examples=4 * settings.default.max_examples)
@given(
    st.sampled_from(BUNDLED).flatmap(lambda path: mutated(path.read_text("utf-8"))), st.booleans()
)
def test_mutated_bundled_decks(text: str, with_sources: bool):
    """Mutations of characters, keys, tags, anchors and structure (tests/deck_mutations)
    of the bundled decks: validation reports, never crashes."""
    check([text.encode("utf-8", "surrogatepass")], with_sources)


def _normalize_reference(text: str, policy) -> str:
    """trainer.grading.normalize as it was before its ASCII fast path (for the validator's
    speed): the fast path must give exactly the same result."""
    import unicodedata

    from trainer.grading import _SPACES, _strip_surrounding_punctuation

    text = unicodedata.normalize("NFKC", text)
    if not policy.accent_sensitive:
        text = "".join(
            ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
        )
    if not policy.case_sensitive:
        text = text.casefold()
    if policy.ignore_punctuation:
        text = _SPACES.sub(" ", _strip_surrounding_punctuation(text))
    return text


@settings(max_examples=300)
@given(
    st.text(alphabet=st.characters(max_codepoint=127), max_size=30),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_ascii_fast_path_of_normalize_matches_the_full_path(text, case, accent, punctuation):
    from trainer.grading import normalize
    from trainer.model import MatchPolicy

    policy = MatchPolicy(
        case_sensitive=case, accent_sensitive=accent, ignore_punctuation=punctuation
    )
    assert normalize(text, policy) == _normalize_reference(text, policy)
