"""The JSON Schema editors use agrees with the loader: the documented examples and the
shipped decks pass both, and typical mistakes fail both."""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from trainer.cli import main
from trainer.commands.schema import schema_text
from trainer.loader import load_deck_text

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "deck-format.md"
SCHEMA_FILE = ROOT / "trainer" / "deck.schema.json"
DECK_FILES = sorted((ROOT / "decks").glob("*.y*ml"))


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(validator: Draft202012Validator, text: str) -> list[str]:
    return [error.message for error in validator.iter_errors(yaml.safe_load(text))]


def doc_examples() -> list[tuple[str, str]]:
    """Fenced YAML blocks of the format spec that are a full deck or a card, as full decks."""
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    examples = []
    for number, block in enumerate(blocks, 1):
        if re.search(r"^format:", block, re.MULTILINE):
            examples.append((f"block{number}-deck", block))
        elif block.startswith("- id:"):
            deck = "format: 1\nid: example\ntitle: Example\ncards:\n" + "".join(
                f"  {line}\n" for line in block.splitlines()
            )
            examples.append((f"block{number}-card", deck))
    return examples


EXAMPLES = doc_examples()


def test_the_spec_has_examples_of_every_card_type():
    types = {m for _, text in EXAMPLES for m in re.findall(r"type: (\w+)", text)}
    assert types == {"basic", "cloze", "typed", "choice", "multi", "order", "truefalse"}
    assert any(name.endswith("-deck") for name, _ in EXAMPLES)


@pytest.mark.parametrize("text", [text for _, text in EXAMPLES], ids=[name for name, _ in EXAMPLES])
def test_every_example_of_the_spec_passes_schema_and_loader(validator, text: str):
    assert schema_errors(validator, text) == []
    result = load_deck_text(text, Path("example.yaml"))
    assert result.ok, [str(d) for d in result.diagnostics]
    assert result.deck is not None and result.deck.cards


def _shipped_or_examples() -> list[tuple[str, str]]:
    # decks/ may still be empty while decks are being written: then the spec's full deck
    # stands in, so this test always checks a real deck.
    if DECK_FILES:
        return [(p.name, p.read_text(encoding="utf-8")) for p in DECK_FILES]
    return [(name, text) for name, text in EXAMPLES if name.endswith("-deck")]


@pytest.mark.parametrize(
    "text",
    [text for _, text in _shipped_or_examples()],
    ids=[name for name, _ in _shipped_or_examples()],
)
def test_every_shipped_deck_passes_schema_and_loader(validator, text: str):
    assert schema_errors(validator, text) == []
    result = load_deck_text(text, Path("deck.yaml"))
    assert result.ok, [str(d) for d in result.diagnostics]
    assert result.deck is not None and result.deck.cards


CARD = "format: 1\nid: d\ntitle: T\ncards:\n  - id: a\n"


@pytest.mark.parametrize(
    "text, code",
    [
        (CARD + "    type: typed\n    question: Q\n    answer: 24\n", "quote-this"),
        (CARD + "    type: typed\n    qestion: Q\n    answer: A\n", "unknown-field"),
        (CARD + "    type: basic\n    front: F\n", "missing-field"),
        (CARD + "    type: basic\n    front: F\n    back: B\n    options: [x]\n", "unknown-field"),
        (CARD + "    type: truefalse\n    statement: S\n    answer: 'true'\n", "wrong-type"),
        (CARD + "    type: flash\n    front: F\n    back: B\n", "invalid-value"),
        (
            CARD
            + "    type: typed\n    question: Q\n    answer: A\n    match: {max_typos: some}\n",
            "wrong-type",
        ),
        (
            CARD + "    type: choice\n    question: Q\n    answer: A\n    options: []\n",
            "invalid-value",
        ),
        (CARD + "    type: cloze\n    text: no deletion\n", "cloze-syntax"),
        (
            CARD.replace("id: d", "id: Bad Id") + "    type: basic\n    front: F\n    back: B\n",
            "invalid-value",
        ),
        (
            CARD.replace("format: 1", "format: 2") + "    type: basic\n    front: F\n    back: B\n",
            "unsupported-format",
        ),
        (
            "format: 1\nid: d\ntitle: T\nscheduling: {learning_steps: [10]}\n"
            "cards: [{id: a, type: basic, front: F, back: B}]\n",
            "invalid-value",
        ),
        (
            "format: 1\nid: d\ntitle: T\nscheduling: {desired_retention: 1.5}\n"
            "cards: [{id: a, type: basic, front: F, back: B}]\n",
            "invalid-value",
        ),
        ("format: 1\nid: d\ntitle: T\ncards: []\n", "invalid-value"),
        (
            "format: 1\nid: d\ntitle: T\nsources: [{file: a.txt}]\n"
            "cards: [{id: a, type: basic, front: F, back: B}]\n",
            "missing-field",
        ),
    ],
)
def test_typical_mistakes_fail_both_schema_and_loader(validator, text: str, code: str):
    assert schema_errors(validator, text), "the schema accepted it"
    result = load_deck_text(text, Path("bad.yaml"))
    assert not result.ok
    assert code in [d.code for d in result.diagnostics]


def test_schema_has_help_for_editors(validator):
    schema = validator.schema
    for name, definition in schema["properties"].items():
        assert definition.get("description"), name
    for card_type in ("basic", "cloze", "typed", "choice", "multi", "order", "truefalse"):
        card = schema["$defs"][f"{card_type}Card"]
        assert card["additionalProperties"] is False
        assert card["description"]
        for name, definition in card["properties"].items():
            assert name == "type" or definition.get("description") or "$ref" in definition


def test_trainer_schema_prints_the_packaged_schema():
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["schema"]) == 0
    assert json.loads(out.getvalue()) == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema_text() == SCHEMA_FILE.read_text(encoding="utf-8")


def test_the_shipped_schema_is_the_one_generated_from_the_format_declaration():
    # Regenerate with: python -m trainer.deckformat
    from trainer.deckformat import schema_text as generated

    assert SCHEMA_FILE.read_text(encoding="utf-8") == generated()
