"""The deck writer: any text an importer hands it comes back from the loader unchanged."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from trainer.interop.deckwrite import dump_deck
from trainer.loader import load_deck_text
from trainer.textsafe import sanitize

# Text as importers produce it: sanitized, stripped, not empty.
texts = st.text(min_size=1, max_size=40).map(lambda t: sanitize(t)[0].strip()).filter(bool)


@settings(max_examples=200, deadline=None)
@given(front=texts, back=texts, tags=st.lists(texts, max_size=3), title=texts)
def test_written_text_loads_back_exactly(front, back, tags, title):
    card = {"id": "c1", "type": "basic", "front": front, "back": back, "reverse": True}
    if tags:
        card["tags"] = tags
    text = dump_deck("d", title, "", [card])
    result = load_deck_text(text, Path("d.yaml"))
    assert result.ok, (text, result.diagnostics)
    loaded = result.deck.cards[0]
    assert (result.deck.title, loaded.front, loaded.back, loaded.tags, loaded.reverse) == (
        title,
        front,
        back,
        tuple(tags),
        True,
    )


def test_yaml_look_alikes_stay_text():
    for value in [
        "no",
        "Yes",
        "24",
        "12:30",
        "1e3",
        "~",
        "null",
        "2024-01-01",
        "a: b",
        "# not a comment",
        "- item",
        "line one\nline two",
        "  leading",
        "\u2028x",
    ]:
        text = dump_deck(
            "d",
            "T",
            "",
            [
                {
                    "id": "c",
                    "type": "basic",
                    "front": value.strip() or "x",
                    "back": value.strip() or "x",
                }
            ],
        )
        result = load_deck_text(text, Path("d.yaml"))
        assert result.ok, (value, text, result.diagnostics)
        assert result.deck.cards[0].back == (value.strip() or "x")


answers = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=12).map(
    lambda t: sanitize(t)[0].strip()
)


@settings(max_examples=60, deadline=None)
@given(cards=st.lists(st.tuples(texts, answers), min_size=1, max_size=6))
def test_imported_decks_pass_trainer_validate_and_every_card_is_written_or_reported(
    cards, tmp_path_factory
):
    # Typed answers of any text, as an Anki "type in the answer" note may hold: a card
    # whose own answer the grader would refuse must be left out and said, never written.
    from trainer.diagnostics import Severity
    from trainer.interop.deckwrite import DeckDraft, write_decks
    from trainer.validation import validate

    out = tmp_path_factory.mktemp("decks")
    draft = DeckDraft("d", "D")
    for number, (question, answer) in enumerate(cards):
        card = {"id": f"c{number}", "type": "typed", "question": question, "answer": answer}
        draft.cards.append({**card, "origin": f"note {number}"})
    written = write_decks([draft], out)
    report = validate([out])
    errors = [d for d in report.diagnostics if d.severity is Severity.ERROR]
    if not written.files:  # every card refused: no file, which validate says
        errors = [d for d in errors if d.code != "no-deck-files"]
    assert not errors, errors
    kept = sum(written.cards.values())
    assert kept + len(written.skipped) == len(cards), (written.cards, written.skipped)
