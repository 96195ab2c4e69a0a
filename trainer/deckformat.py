"""Deck format 1, declared once: every field of a deck file, what it is and where it goes.

Everything else that knows the format is built from these tables: the reader
(:mod:`trainer.deckread`), the JSON Schema editors use (:func:`json_schema`, shipped as
``trainer/deck.schema.json``; a test holds the two equal), the deck cache's codec
(:mod:`trainer.deckcache`, by attribute name) and the tests' tables of card types. The
prose specification is docs/deck-format.md.

A :class:`FieldSpec` says, for one key of a mapping in a deck file: the YAML key, the
model attribute its value is stored in, its :class:`Kind` (which decides how it is read,
checked, cached and described in the schema), whether it is required, its bounds when it
is a number, and the one-line description editors show.

Attributes:
    DECK_FIELDS: the top-level keys of a deck file.
    SOURCE_FIELDS: the keys of one entry of ``sources``.
    SCHEDULING_FIELDS: the keys of ``scheduling`` (attributes of
        :class:`~trainer.model.SchedulingSettings`).
    MATCH_FIELDS: the keys of ``match`` (attributes of :class:`~trainer.model.MatchPolicy`).
    TEST_FIELDS: the keys of answer-key ``tests`` (``accept``, ``reject``).
    COMMON_CARD_FIELDS: the keys every card may have.
    CARD_TYPES: per card type, its description and the keys only it has.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from msgspec import Struct

from trainer.model import CardType

__all__ = [
    "CARD_TYPES",
    "COMMON_CARD_FIELDS",
    "DECK_FIELDS",
    "MATCH_FIELDS",
    "MAX_INTERVAL_DAYS",
    "SCHEDULING_FIELDS",
    "SOURCE_FIELDS",
    "TEST_FIELDS",
    "CardTypeSpec",
    "FieldSpec",
    "Kind",
    "card_fields",
    "json_schema",
]

#: Longest interval or step a deck may ask for (100 years): beyond it dates overflow.
MAX_INTERVAL_DAYS = 36500


class Kind(Enum):
    """What a field's value is. Each reader, the schema and the cache handle each kind."""

    #: ``format``: the format version, an integer.
    FORMAT = "format"
    #: An id: lowercase letters, digits, ``-`` and ``_``.
    ID = "id"
    #: A card's type: one of :class:`~trainer.model.CardType`.
    TYPE = "type"
    #: Text that must not be empty.
    TEXT = "text"
    #: Text that may be empty.
    OPTIONAL_TEXT = "optional text"
    #: A list of non-empty texts (a tuple in the model).
    TEXT_LIST = "text list"
    #: A list of non-empty texts with at least one item.
    NON_EMPTY_LIST = "non-empty text list"
    #: ``source``: one text or a list of them (always a tuple in the model).
    SOURCE = "source"
    #: ``true`` or ``false``.
    BOOLEAN = "boolean"
    #: A whole number within the field's bounds.
    INTEGER = "integer"
    #: A finite number within the field's bounds.
    NUMBER = "number"
    #: ``max_typos``: a whole number of at least 0, or ``auto`` (None in the model).
    TYPOS = "typos"
    #: A list of durations such as ``10m`` (minutes in the model).
    DURATIONS = "durations"
    #: ``match``: a mapping of :data:`MATCH_FIELDS`.
    MATCH = "match"
    #: ``tests``: a mapping of :data:`TEST_FIELDS`.
    TESTS = "tests"
    #: A cloze card's ``text``; its deletions become ``Card.clozes``.
    CLOZE_TEXT = "cloze text"
    #: A cloze card's ``alternatives``: per deletion (``c1``...), a list of texts.
    DELETION_LISTS = "per-deletion lists"
    #: A cloze card's ``tests``: per deletion, a ``tests`` mapping.
    DELETION_TESTS = "per-deletion tests"
    #: The deck's ``sources``: a list of :data:`SOURCE_FIELDS` mappings.
    SOURCES = "sources"
    #: The deck's ``scheduling``: a mapping of :data:`SCHEDULING_FIELDS`.
    SCHEDULING = "scheduling"
    #: The deck's ``cards``: a non-empty list of cards.
    CARDS = "cards"


class FieldSpec(Struct, frozen=True):
    """One key of a mapping in a deck file.

    Attributes:
        key: the key as written in the file.
        attribute: the model attribute the value is stored in (often the key).
        kind: what the value is.
        required: whether the mapping must have the key.
        doc: the one-line description editors show (the schema's ``description``).
        minimum: the smallest number allowed (kinds INTEGER and NUMBER).
        maximum: the largest number allowed.
        exclusive: both bounds excluded.
    """

    key: str
    attribute: str
    kind: Kind
    required: bool = False
    doc: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive: bool = False


def _field(
    key: str, kind: Kind, doc: str = "", *, attribute: str = "", **options: Any
) -> FieldSpec:
    return FieldSpec(key, attribute or key, kind, doc=doc, **options)


def _required(key: str, kind: Kind, doc: str = "", *, attribute: str = "") -> FieldSpec:
    return FieldSpec(key, attribute or key, kind, required=True, doc=doc)


class CardTypeSpec(Struct, frozen=True):
    """One card type: its description and the fields only it has (in the order the docs
    list them)."""

    type: CardType
    doc: str
    fields: tuple[FieldSpec, ...]


DECK_FIELDS: tuple[FieldSpec, ...] = (
    _required("format", Kind.FORMAT, "Deck format version: always 1."),
    _required("id", Kind.ID, "Stable deck identifier; progress is stored under it."),
    _required("title", Kind.TEXT, "Shown on the home screen."),
    _field("description", Kind.OPTIONAL_TEXT, "One or two sentences about the deck."),
    _field("sources", Kind.SOURCES, "Documents the deck was built from; cards cite them by file."),
    _field(
        "scheduling",
        Kind.SCHEDULING,
        "Overrides of the global scheduler settings; every key optional.",
    ),
    _required("cards", Kind.CARDS, "The cards of the deck."),
)

SOURCE_FIELDS: tuple[FieldSpec, ...] = (
    _required("file", Kind.TEXT, "File name cards cite in source."),
    _required("title", Kind.TEXT, "Title of the document."),
)

SCHEDULING_FIELDS: tuple[FieldSpec, ...] = (
    _field(
        "desired_retention",
        Kind.NUMBER,
        "Probability of recall FSRS aims for (default 0.9).",
        minimum=0,
        maximum=1,
        exclusive=True,
    ),
    _field("learning_steps", Kind.DURATIONS, "Steps of a new card, e.g. [1m, 10m]."),
    _field("relearning_steps", Kind.DURATIONS, "Steps of a forgotten card, e.g. [10m]."),
    _field(
        "maximum_interval",
        Kind.INTEGER,
        "Longest interval between reviews, in days, at most 36500 (the default).",
        minimum=1,
        maximum=MAX_INTERVAL_DAYS,
    ),
    _field("enable_fuzzing", Kind.BOOLEAN, "Spread due dates a little (default true)."),
    _field("new_per_day", Kind.INTEGER, "New cards introduced per day (default 20).", minimum=0),
    _field("reviews_per_day", Kind.INTEGER, "Reviews shown per day (default 200).", minimum=0),
)

MATCH_FIELDS: tuple[FieldSpec, ...] = (
    _field("case_sensitive", Kind.BOOLEAN, "Default false."),
    _field("accent_sensitive", Kind.BOOLEAN, "Default false."),
    _field(
        "ignore_punctuation",
        Kind.BOOLEAN,
        "Ignore surrounding whitespace and punctuation, collapse runs of spaces (default true).",
    ),
    _field(
        "numeric_tolerance",
        Kind.NUMBER,
        "Numbers compare as numbers, within this distance.",
        minimum=0,
    ),
    _field(
        "max_typos",
        Kind.TYPOS,
        "Edit distance accepted, or auto (0 up to 4 characters, 1 up to 10, 2 beyond).",
        minimum=0,
    ),
    _field(
        "ignore_articles",
        Kind.BOOLEAN,
        "Leading articles and filler words do not count (default true).",
    ),
    _field(
        "ignore_approximations",
        Kind.BOOLEAN,
        "Approximation words before the answer do not count: about, ~, up to (default true).",
    ),
    _field("number_words", Kind.BOOLEAN, "Numbers may be written as words (default true)."),
    _field(
        "number_units",
        Kind.BOOLEAN,
        "A number may be followed by its unit or noun; 70 % is 70% (default true).",
    ),
    _field(
        "qualifiers",
        Kind.BOOLEAN,
        "The answer may sit in a longer one that adds only qualifiers (default true).",
    ),
)

TEST_FIELDS: tuple[FieldSpec, ...] = (
    _field("accept", Kind.TEXT_LIST, "Answers the grader must accept."),
    _field("reject", Kind.TEXT_LIST, "Answers the grader must reject."),
)

COMMON_CARD_FIELDS: tuple[FieldSpec, ...] = (
    _required(
        "id",
        Kind.ID,
        "Unique in the deck; progress is keyed by it. Change it and the card starts afresh.",
    ),
    _required("type", Kind.TYPE, "The kind of card."),
    _field("tags", Kind.TEXT_LIST, "Short strings for browsing and filtering."),
    _field(
        "source",
        Kind.SOURCE,
        "The file of a declared source, or a list of them.",
        attribute="sources",
    ),
    _field("explanation", Kind.OPTIONAL_TEXT, "Shown after answering: the why behind the answer."),
)

_QUESTION = _required("question", Kind.TEXT, "The question.")
_MATCH = _field("match", Kind.MATCH)

CARD_TYPES: dict[CardType, CardTypeSpec] = {
    spec.type: spec
    for spec in (
        CardTypeSpec(
            CardType.BASIC,
            "Front and back; the learner grades their own recall.",
            (
                _required("front", Kind.TEXT, "The question side."),
                _required("back", Kind.TEXT, "The answer side."),
                _field(
                    "reverse",
                    Kind.BOOLEAN,
                    "Also ask back to front, as a sibling card (true or false).",
                ),
            ),
        ),
        CardTypeSpec(
            CardType.CLOZE,
            "Fill in the blanks: {{c1::answer}} or {{c1::answer::hint}}; each number is a "
            "sibling card.",
            (
                _required("text", Kind.CLOZE_TEXT, attribute="question"),
                _field(
                    "alternatives",
                    Kind.DELETION_LISTS,
                    "Per deletion (c1, c2, ...): other accepted answers.",
                ),
                _field(
                    "tests", Kind.DELETION_TESTS, "Per deletion (c1, c2, ...): answer-key tests."
                ),
                _MATCH,
            ),
        ),
        CardTypeSpec(
            CardType.TYPED,
            "The learner types the answer.",
            (
                _QUESTION,
                _required("answer", Kind.TEXT, 'The expected answer (quote numbers: "24").'),
                _field("alternatives", Kind.TEXT_LIST, "Other answers that are right."),
                _field(
                    "wrong", Kind.TEXT_LIST, "Known wrong answers, never accepted even with typos."
                ),
                _MATCH,
                _field("tests", Kind.TESTS),
            ),
        ),
        CardTypeSpec(
            CardType.CHOICE,
            "One right option among several.",
            (
                _QUESTION,
                _required("answer", Kind.TEXT, "The right option; must be one of options."),
                _required(
                    "options",
                    Kind.NON_EMPTY_LIST,
                    "All options, the right one included; shown shuffled.",
                ),
            ),
        ),
        CardTypeSpec(
            CardType.MULTI,
            "Select every right option.",
            (
                _QUESTION,
                _required("answers", Kind.NON_EMPTY_LIST, "The right options."),
                _required(
                    "options", Kind.NON_EMPTY_LIST, "All options, right and wrong; shown shuffled."
                ),
            ),
        ),
        CardTypeSpec(
            CardType.ORDER,
            "Put items in sequence.",
            (
                _QUESTION,
                _required(
                    "items",
                    Kind.NON_EMPTY_LIST,
                    "The items in their correct order; shown shuffled.",
                ),
            ),
        ),
        CardTypeSpec(
            CardType.TRUEFALSE,
            "Is the statement true or false?",
            (
                _required("statement", Kind.TEXT, "The statement to judge.", attribute="question"),
                _required("answer", Kind.BOOLEAN, "true or false (not yes/no).", attribute="truth"),
            ),
        ),
    )
}


def card_fields(card_type: CardType) -> dict[str, FieldSpec]:
    """Every field a card of ``card_type`` may have, common ones first, by key."""
    return _CARD_FIELDS[card_type]


_CARD_FIELDS = {
    card_type: {spec.key: spec for spec in COMMON_CARD_FIELDS + type_spec.fields}
    for card_type, type_spec in CARD_TYPES.items()
}


# -- the JSON Schema ---------------------------------------------------------------------

_DELETION_KEY = "^c[1-9][0-9]*$"
_TEXT_LIST = {"type": "array", "items": {"$ref": "#/$defs/text"}}


def _value_schema(spec: FieldSpec) -> dict[str, Any]:
    """The schema of one field's value, its description included."""
    kind = spec.kind
    schema: dict[str, Any]
    if kind is Kind.FORMAT:
        schema = {"const": 1}
    elif kind is Kind.ID:
        schema = {"$ref": "#/$defs/id"}
    elif kind is Kind.TYPE:
        schema = {"enum": [t.value for t in CardType]}
    elif kind is Kind.TEXT:
        schema = {"$ref": "#/$defs/text"}
    elif kind is Kind.OPTIONAL_TEXT:
        schema = {"type": "string"}
    elif kind is Kind.TEXT_LIST:
        schema = dict(_TEXT_LIST)
    elif kind is Kind.NON_EMPTY_LIST:
        schema = {**_TEXT_LIST, "minItems": 1}
    elif kind is Kind.SOURCE:
        schema = {"oneOf": [{"$ref": "#/$defs/text"}, dict(_TEXT_LIST)]}
    elif kind is Kind.BOOLEAN:
        schema = {"type": "boolean"}
    elif kind in (Kind.INTEGER, Kind.NUMBER):
        schema = {"type": "integer" if kind is Kind.INTEGER else "number"}
        low, high = (
            ("exclusiveMinimum", "exclusiveMaximum") if spec.exclusive else ("minimum", "maximum")
        )
        if spec.minimum is not None:
            schema[low] = spec.minimum
        if spec.maximum is not None:
            schema[high] = spec.maximum
    elif kind is Kind.TYPOS:
        schema = {"oneOf": [{"type": "integer", "minimum": spec.minimum}, {"const": "auto"}]}
    elif kind is Kind.DURATIONS:
        schema = {"type": "array", "items": {"$ref": "#/$defs/duration"}}
    elif kind is Kind.MATCH:
        schema = {"$ref": "#/$defs/match"}
    elif kind is Kind.TESTS:
        schema = {"$ref": "#/$defs/answerTests"}
    elif kind is Kind.CLOZE_TEXT:
        schema = {"$ref": "#/$defs/clozeText"}
    elif kind in (Kind.DELETION_LISTS, Kind.DELETION_TESTS):
        schema = {
            "type": "object",
            "propertyNames": {"pattern": _DELETION_KEY},
            "additionalProperties": (
                dict(_TEXT_LIST) if kind is Kind.DELETION_LISTS else {"$ref": "#/$defs/answerTests"}
            ),
        }
    elif kind is Kind.SOURCES:
        schema = {"type": "array", "items": _object(SOURCE_FIELDS)}
    elif kind is Kind.SCHEDULING:
        schema = _object(SCHEDULING_FIELDS)
    else:  # Kind.CARDS
        schema = {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/card"}}
    if spec.doc:
        schema["description"] = spec.doc
    return schema


def _object(fields: tuple[FieldSpec, ...], doc: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"}
    required = [spec.key for spec in fields if spec.required]
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    if doc:
        schema["description"] = doc
    schema["properties"] = {spec.key: _value_schema(spec) for spec in fields}
    return schema


def _card_type_schema(type_spec: CardTypeSpec) -> dict[str, Any]:
    common = {
        spec.key: {"$ref": f"#/$defs/cardCommon/properties/{spec.key}"}
        for spec in COMMON_CARD_FIELDS
        if spec.kind is not Kind.TYPE
    }
    return {
        "type": "object",
        "description": type_spec.doc,
        "required": [spec.key for spec in COMMON_CARD_FIELDS + type_spec.fields if spec.required],
        "properties": {
            "type": {"const": type_spec.type.value},
            **common,
            **{spec.key: _value_schema(spec) for spec in type_spec.fields},
        },
        "additionalProperties": False,
    }


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of deck files, as ``trainer schema`` prints it."""
    type_field = next(spec for spec in COMMON_CARD_FIELDS if spec.kind is Kind.TYPE)
    defs: dict[str, Any] = {
        "id": {
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9_-]*$",
            "description": "Lowercase letters, digits, - and _, starting with a letter or digit.",
        },
        "text": {
            "type": "string",
            "pattern": "\\S",
            "description": "Plain text (never markup); not empty.",
        },
        "duration": {
            "type": "string",
            "pattern": "^(?=[0-9.]*[1-9])[0-9]+(\\.[0-9]+)?[smhd]$",
            "description": 'A positive number and a unit: s, m, h or d ("10m", "1d").',
        },
        "clozeText": {
            "type": "string",
            "pattern": "\\{\\{c[1-9][0-9]*::",
            "description": "Text with deletions {{c1::answer}} or {{c1::answer::hint}}; "
            "several spans may share a number.",
        },
        "answerTests": _object(TEST_FIELDS, "Answer-key tests run by trainer validate."),
        "match": _object(MATCH_FIELDS, "How typed answers are compared; every key optional."),
        "cardCommon": {
            "properties": {spec.key: _value_schema(spec) for spec in COMMON_CARD_FIELDS}
        },
        "card": {
            "type": "object",
            "required": [spec.key for spec in COMMON_CARD_FIELDS if spec.required],
            "description": "A card; the fields allowed depend on its type.",
            "properties": {"type": _value_schema(type_field)},
            "allOf": [
                {
                    "if": {
                        "properties": {"type": {"const": card_type.value}},
                        "required": ["type"],
                    },
                    "then": {"$ref": f"#/$defs/{card_type.value}Card"},
                }
                for card_type in CARD_TYPES
            ],
        },
    }
    for card_type, type_spec in CARD_TYPES.items():
        defs[f"{card_type.value}Card"] = _card_type_schema(type_spec)
    deck = _object(DECK_FIELDS)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:trainer:deck-format:1",
        "title": "Flashcard deck, format 1",
        "description": "A deck of flashcards for the trainer program (docs/deck-format.md).",
        **deck,
        "$defs": defs,
    }


def schema_text() -> str:
    """:func:`json_schema` as the text of ``trainer/deck.schema.json``."""
    import json

    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # python -m trainer.deckformat: rewrite the shipped schema
    from pathlib import Path

    Path(__file__).with_name("deck.schema.json").write_text(schema_text(), encoding="utf-8")
