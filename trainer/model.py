"""The deck model: what a deck file means once it has been loaded.

Pure data, no I/O and no UI. A deck file holds *cards* as the author wrote them
(:class:`Card`); each card yields one or more *study cards* (:class:`StudyCard`), the
things that are actually scheduled: a ``basic`` card with ``reverse: true`` yields two, a
``cloze`` card yields one per deletion number. Progress is keyed by
:attr:`StudyCard.key`, built from the deck id and card id only, so editing a card's text
keeps its history.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from enum import StrEnum
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple, Protocol

from msgspec import Struct, field

# Re-exported: the display, grading and import code reads cloze text through the model.
from trainer.cloze import (
    cloze_deletions,
    cloze_display,
    cloze_unescape,
    find_unescaped,
    split_deletion,
)

__all__ = [
    "FORMAT_VERSION",
    "AnswerTests",
    "Card",
    "CardSource",
    "CardType",
    "Cloze",
    "Deck",
    "Location",
    "MatchPolicy",
    "SchedulingSettings",
    "Source",
    "StudyCard",
    "StudyOutline",
    "cloze_deletions",
    "cloze_display",
    "cloze_unescape",
    "find_unescaped",
    "one_study_card_each",
    "split_deletion",
    "study_outline",
    "study_variants",
    "study_variants_of",
]

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


class Location(Struct, frozen=True):
    """Where something is in a deck file. ``line`` and ``column`` are 1-based."""

    path: Path
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


class MatchPolicy(Struct, frozen=True):
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


class AnswerTests(Struct, frozen=True):
    """Answer-key tests: sample answers the grader must accept, and ones it must reject."""

    accept: tuple[str, ...] = ()
    reject: tuple[str, ...] = ()


class Cloze(Struct, frozen=True):
    """One deletion number of a cloze card (``{{c1::...}}``); several spans may share it."""

    number: int
    #: The hidden texts, in order of appearance; all must be answered.
    answers: tuple[str, ...]
    hints: tuple[str | None, ...]
    alternatives: tuple[str, ...] = ()
    tests: AnswerTests = AnswerTests()


class Source(Struct, frozen=True):
    """A document a deck was built from; cards cite it by ``file``."""

    file: str
    title: str
    location: Location | None = None


class SchedulingSettings(Struct, frozen=True):
    """Scheduler settings a deck may override; ``None`` means "use the global default"."""

    desired_retention: float | None = None
    learning_steps: tuple[float, ...] | None = None  # minutes
    relearning_steps: tuple[float, ...] | None = None  # minutes
    maximum_interval: int | None = None  # days
    enable_fuzzing: bool | None = None
    new_per_day: int | None = None
    reviews_per_day: int | None = None


class Card(Struct, eq=False):
    """A card as the author wrote it. Fields that do not apply to its type stay empty.

    One class for all seven types: which fields each type has, and which YAML key fills
    each, is declared in :mod:`trainer.deckformat` (``CARD_TYPES``), not in seven
    classes. The grader, the screens and the interop code read these attributes directly
    and dispatch on :attr:`type`; a class per type would change every one of them for no
    behaviour a user would notice.
    """

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
    #: ``(line, column)`` of individual fields in the card's file, by field name, for
    #: precise diagnostics (the names are listed in :mod:`trainer.deckread`). Pairs, not
    #: :class:`Location` objects: a large collection has hundreds of thousands of them
    #: and nearly all are never looked at.
    field_positions: dict[str, tuple[int, int]] = field(default_factory=dict)

    def where(self, field_name: str) -> Location:
        """Location of ``field_name`` if known, else of the card itself."""
        position = self.field_positions.get(field_name)
        if position is None:
            return self.location
        return Location(self.location.path, position[0], position[1])

    @property
    def field_locations(self) -> dict[str, Location]:
        """Every field position as a :class:`Location`, by field name."""
        path = self.location.path
        return {name: Location(path, *where) for name, where in self.field_positions.items()}

    @property
    def prompt_text(self) -> str:
        """The text a learner reads first: what near-duplicate checks compare."""
        return self.front if self.type is CardType.BASIC else self.question


class StudyCard(Struct, frozen=True):
    """One schedulable card: a card, or one sibling of it (reverse side, cloze deletion)."""

    deck_id: str
    card: Card
    #: ``""`` for the card itself, ``"reverse"`` for the back-to-front sibling,
    #: ``"c<N>"`` for cloze deletion N.
    variant: str = ""

    @property
    def key(self) -> str:
        """Stable progress key: ``deck/card`` or ``deck/card::variant``."""
        return f"{self.deck_id}/{_in_deck_key(self.card.id, self.variant)}"

    @property
    def type(self) -> CardType:
        return self.card.type

    @property
    def cloze(self) -> Cloze | None:
        if self.card.type is not CardType.CLOZE:
            return None
        number = int(self.variant[1:])
        return next(c for c in self.card.clozes if c.number == number)


def _in_deck_key(card_id: str, variant: str) -> str:
    """A study card's key within its deck (:attr:`StudyCard.key` without ``deck/``)."""
    return f"{card_id}::{variant}" if variant else card_id


class StudyOutline(NamedTuple):
    """A deck's study cards without its cards: what a start-up needs of 50,000 of them.

    Attributes:
        keys: each study card's :attr:`StudyCard.key` (``deck/card``, ``deck/card::c1``),
            in deck order; of cards sharing an id, the first only.
        group_bounds: ``start, stop`` (one after the other, flat) in ``keys`` of each card
            with several study cards (siblings: a reverse side, cloze deletions); see
            :meth:`groups`. Flat, so that the deck cache reads 40,000 of them as one
            array instead of making a tuple for each.
        duplicated: whether a card id is used by more than one card (only the first is
            studied; the collection reports the others).
    """

    keys: Sequence[str]
    group_bounds: Sequence[int]
    duplicated: bool

    def groups(self) -> Iterator[tuple[int, int]]:
        """``(start, stop)`` in :attr:`keys` of each card with several study cards."""
        bounds = iter(self.group_bounds)
        return zip(bounds, bounds)


def study_outline(
    deck_id: str, card_ids: Sequence[str], variants: Sequence[tuple[str, ...]] | None
) -> StudyOutline:
    """The :class:`StudyOutline` of the cards with these ids and :func:`study_variants`
    in the deck ``deck_id``."""
    prefix = deck_id + "/"
    card_ids = tuple(card_ids)
    unique = len(set(card_ids)) == len(card_ids)
    if variants is None:
        ids = card_ids if unique else tuple(dict.fromkeys(card_ids))
        return StudyOutline(tuple(map(prefix.__add__, ids)), (), not unique)
    keys: list[str] = []
    bounds: list[int] = []
    seen: set[str] = set()
    for card_id, card_variants in zip(card_ids, variants, strict=True):
        if not unique:
            if card_id in seen:
                continue
            seen.add(card_id)
        start = len(keys)
        keys.extend(prefix + _in_deck_key(card_id, variant) for variant in card_variants)
        if len(card_variants) > 1:
            bounds += (start, len(keys))
    return StudyOutline(tuple(keys), tuple(bounds), not unique)


class CardSource(Protocol):
    """Where the cards of a :class:`Deck` come from when they are made on first use."""

    @property
    def card_ids(self) -> tuple[str, ...]:
        """The ids of the cards, in order."""
        ...

    @property
    def variants(self) -> tuple[tuple[str, ...], ...] | None:
        """Each card's :func:`study_variants`, or ``None`` when no card yields siblings
        (no ``reverse``, no ``cloze``): one study card per card."""
        ...

    def study_outline(self, deck_id: str) -> StudyOutline:
        """The :func:`study_outline` of the cards in the deck ``deck_id``."""
        ...

    def card_at(self, position: int) -> Card | None:
        """The card at ``position`` (``None`` past the end), made alone if the source can;
        never raises."""
        ...

    def load(self) -> list[Card]:
        """The cards, once; never raises."""
        ...


class Deck:
    """A loaded deck file.

    Attributes:
        id, title, description: the deck's header.
        path: the deck file.
        sources: the documents its cards cite.
        scheduling: its scheduler overrides.
        cards: its cards, in file order.
        location: where the deck starts in its file.

    ``cards`` may come from a :class:`CardSource` instead (the deck cache does this: a
    start-up needs the ids of 50,000 cards, not the cards): they are then made on first
    use of ``cards``, and :meth:`outline` answers without making them.
    """

    __slots__ = (
        "_cards",
        "_source",
        "description",
        "id",
        "location",
        "path",
        "scheduling",
        "sources",
        "title",
    )

    def __init__(
        self,
        id: str,
        title: str,
        path: Path,
        description: str = "",
        sources: tuple[Source, ...] = (),
        scheduling: SchedulingSettings = SchedulingSettings(),
        cards: list[Card] | None = None,
        location: Location | None = None,
        *,
        card_source: CardSource | None = None,
    ) -> None:
        self.id = id
        self.title = title
        self.path = path
        self.description = description
        self.sources = sources
        self.scheduling = scheduling
        self.location = location
        self._cards = cards if cards is not None or card_source is not None else []
        self._source = card_source

    def __repr__(self) -> str:
        return f"Deck(id={self.id!r}, title={self.title!r}, path={str(self.path)!r})"

    @property
    def cards(self) -> list[Card]:
        if self._cards is None:
            assert self._source is not None
            self._cards = self._source.load()
            self._source = None
        return self._cards

    @cards.setter
    def cards(self, cards: list[Card]) -> None:
        self._cards = cards
        self._source = None

    def outline(self) -> tuple[Sequence[str], Sequence[tuple[str, ...]] | None]:
        """The ids of the cards in order, and each card's :func:`study_variants` (``None``
        when every card is exactly one study card: no reverse side, no cloze deletions);
        does not make cards still to come from a :class:`CardSource`."""
        if self._cards is None and self._source is not None:
            return self._source.card_ids, self._source.variants
        cards = self.cards
        return list(map(_ID, cards)), study_variants_of(cards)

    def study_outline(self) -> StudyOutline:
        """The deck's :class:`StudyOutline`; does not make cards still to come from a
        :class:`CardSource`."""
        if self._cards is None and self._source is not None:
            return self._source.study_outline(self.id)
        return study_outline(self.id, *self.outline())

    def card_at(self, position: int) -> Card | None:
        """``cards[position]`` (``None`` past the end); a card still to come from a
        :class:`CardSource` is made alone where the source can (a start-up shows one card
        of a deck of thousands)."""
        if self._cards is None and self._source is not None:
            return self._source.card_at(position)
        cards = self.cards
        return cards[position] if 0 <= position < len(cards) else None

    def study_cards(self) -> list[StudyCard]:
        """Every schedulable card of the deck, in deck order (siblings adjacent)."""
        deck_id = self.id
        return [
            StudyCard(deck_id, card, variant)
            for card in self.cards
            for variant in study_variants(card)
        ]


#: The study variants of a card that is one study card.
_ONE_STUDY_CARD = ("",)


def study_variants(card: Card) -> tuple[str, ...]:
    """The variants of ``card``'s study cards (:attr:`StudyCard.variant`), in order:
    ``("",)`` for a card that is one study card, ``("", "reverse")`` for a basic card
    with a reverse side, ``("c1", "c2", ...)`` for a cloze card's deletions."""
    if card.type is CardType.CLOZE:
        return tuple(f"c{cloze.number}" for cloze in card.clozes)
    if card.type is CardType.BASIC and card.reverse:
        return ("", "reverse")
    return _ONE_STUDY_CARD


def study_variants_of(cards: Sequence[Card]) -> tuple[tuple[str, ...], ...] | None:
    """:func:`study_variants` of each card, or ``None`` when every card is one study card
    (what :class:`CardSource` keeps, so a start-up knows every key without the cards)."""
    if one_study_card_each(cards):
        return None
    return tuple(map(study_variants, cards))


_ID, _REVERSE, _TYPE = attrgetter("id"), attrgetter("reverse"), attrgetter("type")


def one_study_card_each(cards: Sequence[Card]) -> bool:
    """Whether no card of ``cards`` yields siblings (a reverse side, cloze deletions)."""
    # map() with attrgetter: a 50,000-card collection is checked at every start-up.
    return not any(map(_REVERSE, cards)) and CardType.CLOZE not in map(_TYPE, cards)
