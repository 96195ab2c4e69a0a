"""The deck model: what a deck file means once it has been loaded.

Pure data, no I/O and no UI. A deck file holds *cards* as the author wrote them
(:class:`Card`); each card yields one or more *study cards* (:class:`StudyCard`), the
things that are actually scheduled: a ``basic`` card with ``reverse: true`` yields two, a
``cloze`` card yields one per deletion number. Progress is keyed by
:attr:`StudyCard.key`, built from the deck id and card id only, so editing a card's text
keeps its history.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

FORMAT_VERSION = 1


class CardType(StrEnum):
    BASIC = "basic"
    CLOZE = "cloze"
    TYPED = "typed"
    CHOICE = "choice"
    MULTI = "multi"
    ORDER = "order"
    TRUEFALSE = "truefalse"

    @property
    def self_graded(self) -> bool:
        """Only ``basic`` cards are graded by the learner; the rest by :mod:`trainer.grading`."""
        return self is CardType.BASIC


@dataclass(frozen=True, slots=True)
class Location:
    """Where something is in a deck file. ``line`` and ``column`` are 1-based."""

    path: Path
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class MatchPolicy:
    """How a typed answer is compared with the expected ones (``typed`` and ``cloze``).

    The defaults are forgiving in the ways learners expect: case, accents and surrounding
    whitespace or punctuation do not matter, and one slip of the keyboard is accepted in
    longer answers.
    """

    case_sensitive: bool = False
    accent_sensitive: bool = False
    #: Ignore whitespace and punctuation at both ends and collapse inner whitespace.
    ignore_punctuation: bool = True
    #: Compare as numbers when both sides parse as one; accept ``|given - expected| <= tolerance``.
    numeric_tolerance: float | None = None
    #: Maximum edit distance accepted; ``None`` means automatic (0 up to 4 characters,
    #: 1 up to 10, then 2).
    max_typos: int | None = None
    # The relaxations below apply when the answer as typed matches nothing; none of them
    # accepts an answer with a negation or a listed wrong answer (docs/deck-format.md).
    #: Leading articles and filler words do not count ("an antagonist", "it is mild").
    ignore_articles: bool = True
    #: Approximation words before the answer do not count ("about 8", "~8", "up to").
    ignore_approximations: bool = True
    #: Numbers may be written as words ("one hundred and two", "fifty").
    number_words: bool = True
    #: A number may be followed by its unit or noun ("102 patients", "8.3 minutes"), and
    #: "70 %", "70 percent" are "70%".
    number_units: bool = True
    #: The answer may sit in a longer one that adds only qualifiers ("mild nausea", "IV
    #: infusion"): at most three extra words, none a negation, conjunction or number.
    qualifiers: bool = True


@dataclass(frozen=True, slots=True)
class AnswerTests:
    """Answer-key tests: sample answers the grader must accept, and ones it must reject."""

    accept: tuple[str, ...] = ()
    reject: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Cloze:
    """One deletion number of a cloze card (``{{c1::...}}``); several spans may share it."""

    number: int
    #: The hidden texts, in order of appearance; all must be answered.
    answers: tuple[str, ...]
    hints: tuple[str | None, ...]
    alternatives: tuple[str, ...] = ()
    tests: AnswerTests = AnswerTests()


@dataclass(frozen=True, slots=True)
class Source:
    """A document a deck was built from; cards cite it by ``file``."""

    file: str
    title: str
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class SchedulingSettings:
    """Scheduler settings a deck may override; ``None`` means "use the global default"."""

    desired_retention: float | None = None
    learning_steps: tuple[float, ...] | None = None  # minutes
    relearning_steps: tuple[float, ...] | None = None  # minutes
    maximum_interval: int | None = None  # days
    enable_fuzzing: bool | None = None
    new_per_day: int | None = None
    reviews_per_day: int | None = None


@dataclass(slots=True, eq=False)
class Card:
    """A card as the author wrote it. Fields that do not apply to its type stay empty."""

    id: str
    type: CardType
    location: Location
    tags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    explanation: str | None = None
    # basic
    front: str = ""
    back: str = ""
    reverse: bool = False
    # typed, choice, multi, order: the question; truefalse: the statement; cloze: the text
    question: str = ""
    # typed: the expected answer; choice: the correct option
    answer: str = ""
    # typed: other accepted answers; known wrong answers that must never be accepted
    alternatives: tuple[str, ...] = ()
    wrong: tuple[str, ...] = ()
    match: MatchPolicy = MatchPolicy()
    tests: AnswerTests = AnswerTests()
    # choice and multi: all options, in authored order
    options: tuple[str, ...] = ()
    # multi: the correct options
    answers: tuple[str, ...] = ()
    # order: the items in their correct order
    items: tuple[str, ...] = ()
    # truefalse
    truth: bool | None = None
    # cloze: the deletions, by number
    clozes: tuple[Cloze, ...] = ()
    #: Locations of individual fields, by field name, for precise diagnostics.
    field_locations: dict[str, Location] = field(default_factory=dict)

    def where(self, field_name: str) -> Location:
        """Location of ``field_name`` if known, else of the card itself."""
        return self.field_locations.get(field_name, self.location)

    @property
    def prompt_text(self) -> str:
        """The text a learner reads first: what near-duplicate checks compare."""
        return self.front if self.type is CardType.BASIC else self.question


@dataclass(frozen=True, slots=True)
class StudyCard:
    """One schedulable card: a card, or one sibling of it (reverse side, cloze deletion)."""

    deck_id: str
    card: Card
    #: ``""`` for the card itself, ``"reverse"`` for the back-to-front sibling,
    #: ``"c<N>"`` for cloze deletion N.
    variant: str = ""

    @property
    def key(self) -> str:
        """Stable progress key: ``deck/card`` or ``deck/card::variant``."""
        base = f"{self.deck_id}/{self.card.id}"
        return f"{base}::{self.variant}" if self.variant else base

    @property
    def note_key(self) -> str:
        """Key shared by all siblings of one card (used to bury siblings)."""
        return f"{self.deck_id}/{self.card.id}"

    @property
    def type(self) -> CardType:
        return self.card.type

    @property
    def cloze(self) -> Cloze | None:
        if self.card.type is not CardType.CLOZE:
            return None
        number = int(self.variant[1:])
        return next(c for c in self.card.clozes if c.number == number)


@dataclass(slots=True, eq=False)
class Deck:
    """A loaded deck file."""

    id: str
    title: str
    path: Path
    description: str = ""
    sources: tuple[Source, ...] = ()
    scheduling: SchedulingSettings = SchedulingSettings()
    cards: list[Card] = field(default_factory=list)
    location: Location | None = None

    def study_cards(self) -> list[StudyCard]:
        """Every schedulable card of the deck, in deck order (siblings adjacent)."""
        result: list[StudyCard] = []
        for card in self.cards:
            if card.type is CardType.CLOZE:
                result.extend(StudyCard(self.id, card, f"c{c.number}") for c in card.clozes)
            else:
                result.append(StudyCard(self.id, card))
                if card.type is CardType.BASIC and card.reverse:
                    result.append(StudyCard(self.id, card, "reverse"))
        return result


# A cloze deletion: {{c1::answer}} or {{c1::answer::hint}}. Anywhere in a cloze text a
# backslash makes the next ':', '{', '}' or '\\' literal, so an answer can hold "::" or
# "}}" (docs/deck-format.md, "cloze").
_CLOZE_HEAD = re.compile(r"c([0-9]+)::")
_CLOZE_ESCAPE = re.compile(r"\\([\\:{}])")


def cloze_unescape(text: str) -> str:
    """``text`` with the cloze escapes (``\\:``, ``\\{``, ``\\}``, ``\\\\``) resolved."""
    return _CLOZE_ESCAPE.sub(r"\1", text) if "\\" in text else text


def find_unescaped(text: str, token: str, start: int = 0) -> int:
    """Index of the first ``token`` at or after ``start`` whose first character is not
    escaped by a backslash, or -1."""
    while True:
        found = text.find(token, start)
        if found <= 0 or text[found - 1] != "\\":
            return found
        before = found
        while before > 0 and text[before - 1] == "\\":
            before -= 1
        if (found - before) % 2 == 0:  # the backslashes escape each other
            return found
        start = found + 1


def split_deletion(body: str) -> tuple[str, str | None, int]:
    """A deletion's body (between ``{{cN::`` and ``}}``) as ``(answer, hint, separators)``,
    both unescaped; the hint is None without one, ``separators`` counts the unescaped
    ``::`` (more than one is ambiguous)."""
    cut = find_unescaped(body, "::")
    if cut < 0:
        return cloze_unescape(body), None, 0
    hint = body[cut + 2 :]
    separators, position = 1, find_unescaped(hint, "::")
    while position >= 0:
        separators += 1
        position = find_unescaped(hint, "::", position + 2)
    return cloze_unescape(body[:cut]), cloze_unescape(hint), separators


def cloze_deletions(text: str) -> Iterator[tuple[int, int, int, str, str | None]]:
    """``(start, end, number, answer, hint)`` of each well-formed deletion of ``text``
    (the loader reports malformed ones)."""
    position = 0
    while True:
        opening = find_unescaped(text, "{{", position)
        if opening < 0:
            return
        head = _CLOZE_HEAD.match(text, opening + 2)
        if head is None:
            position = opening + 2
            continue
        closing = find_unescaped(text, "}}", head.end())
        if closing < 0:
            return
        answer, hint, _ = split_deletion(text[head.end() : closing])
        yield opening, closing + 2, int(head.group(1)), answer, hint
        position = closing + 2


def cloze_display(text: str, number: int, *, revealed: bool) -> str:
    """Render cloze ``text`` for deletion ``number``: that one hidden (or revealed), others
    shown (number 0: every answer shown)."""
    parts: list[str] = []
    position = 0
    for start, end, n, answer, hint in cloze_deletions(text):
        parts.append(cloze_unescape(text[position:start]))
        if n != number or revealed:
            parts.append(answer)
        else:
            parts.append(f"[{hint.strip()}]" if hint and hint.strip() else "[...]")
        position = end
    parts.append(cloze_unescape(text[position:]))
    return "".join(parts)
