"""Semantic rules: what must hold across the fields of a card, a deck and a collection.

The loader has already checked every field's shape and type; these rules check meaning
(the answer is among the options, ids are unique, cited sources are declared). Each rule
appends to a :class:`~trainer.validation.findings.Findings` and is listed in
:data:`CARD_RULES`, :data:`DECK_RULES` or run by :func:`check_collection`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from trainer.diagnostics import Severity
from trainer.grading import normalize
from trainer.model import Card, CardType, Deck, Location, Source
from trainer.validation.findings import Findings, quote

CardRule = Callable[[Deck, Card, Findings], None]
DeckRule = Callable[[Deck, Findings], None]

# The deck's own `id:` line: the only unindented one (card ids are indented).
_DECK_ID_VALUE = re.compile(r"^id[ \t]*:[ \t]*", re.MULTILINE)


def _first_repeat(values: Sequence[str], key: Callable[[str], str]) -> list[tuple[int, int]]:
    """Pairs ``(first_index, repeat_index)`` of values equal under ``key``."""
    seen: dict[str, int] = {}
    repeats: list[tuple[int, int]] = []
    for index, value in enumerate(values):
        folded = key(value)
        if folded in seen:
            repeats.append((seen[folded], index))
        else:
            seen[folded] = index
    return repeats


def check_options(deck: Deck, card: Card, out: Findings) -> None:
    """choice/multi: options are distinct; answers are options; multi has a wrong option."""
    if card.type not in (CardType.CHOICE, CardType.MULTI):
        return
    options = card.options
    for first, repeat in _first_repeat(options, normalize):
        out.error(
            card,
            f"options[{repeat}]",
            "duplicate-option",
            f"option {quote(options[repeat])} repeats option {first + 1} "
            f"({quote(options[first])}); learners could not tell them apart: "
            "remove or reword one",
        )
    if card.type is CardType.CHOICE:
        if card.answer not in options:
            near = [o for o in options if normalize(o) == normalize(card.answer)]
            hint = (
                f" (it differs from option {quote(near[0])} only in case, accents or "
                "spacing: write it exactly the same)"
                if near
                else ""
            )
            out.error(
                card,
                "answer",
                "answer-not-an-option",
                f"the answer {quote(card.answer)} is not one of the options{hint}; "
                "add it to options or fix its spelling",
            )
        return
    for index, answer in enumerate(card.answers):
        if answer not in options:
            out.error(
                card,
                f"answers[{index}]",
                "answer-not-an-option",
                f"the answer {quote(answer)} is not one of the options; add it to "
                "options or fix its spelling",
            )
    for _, repeat in _first_repeat(card.answers, lambda text: text):
        out.error(
            card,
            f"answers[{repeat}]",
            "duplicate-answer",
            f"the answer {quote(card.answers[repeat])} is listed twice; remove one",
        )
    if not card.answers:
        out.error(
            card,
            "answers",
            "no-correct-option",
            "a multi card needs at least one right answer; add one to answers",
        )
    answers = set(card.answers)
    if options and all(option in answers for option in options):
        out.error(
            card,
            "options",
            "no-wrong-option",
            "every option is a right answer, so selecting all is always right; add "
            "at least one wrong option",
        )


def check_order(deck: Deck, card: Card, out: Findings) -> None:
    """order: at least two items, all distinct (or the right order is ambiguous)."""
    if card.type is not CardType.ORDER:
        return
    if len(card.items) < 2:
        out.error(
            card,
            "items",
            "too-few-items",
            f"an order card needs at least 2 items, this one has {len(card.items)}; "
            "add items or make it another card type",
        )
    for first, repeat in _first_repeat(card.items, normalize):
        out.error(
            card,
            f"items[{repeat}]",
            "duplicate-item",
            f"item {quote(card.items[repeat])} repeats item {first + 1}, so two "
            "orders would be right; remove or reword one",
        )


def accepted_marked_wrong(card: Card) -> list[tuple[int, str, str]]:
    """typed: ``(index in wrong, wrong, accepted answer)`` for every listed wrong answer
    that is also an accepted one under the card's match policy."""
    if card.type is not CardType.TYPED or not card.wrong:
        return []
    accepted = {normalize(text, card.match): text for text in (card.answer, *card.alternatives)}
    found = []
    for index, wrong in enumerate(card.wrong):
        same = accepted.get(normalize(wrong, card.match))
        if same is not None:
            found.append((index, wrong, same))
    return found


def check_wrong_answers(deck: Deck, card: Card, out: Findings) -> None:
    """typed: an accepted answer must not also be listed as a known wrong one."""
    for index, wrong, same in accepted_marked_wrong(card):
        what = "the answer" if same == card.answer else "an alternative"
        out.error(
            card,
            f"wrong[{index}]",
            "accepted-answer-marked-wrong",
            f"{quote(wrong)} is listed as wrong but matches {what} "
            f"{quote(same)} under this card's match policy; remove it from "
            "wrong or from the accepted answers",
        )


def check_sources(deck: Deck, card: Card, out: Findings) -> None:
    """Cited sources are declared by the deck; a deck with sources wants every card to cite."""
    if not deck.sources:
        if card.sources:
            out.error(
                card,
                "sources",
                "undeclared-source",
                f"the card cites {quote(card.sources[0])} but the deck declares no "
                "sources; add a sources list (file and title) to the deck",
            )
        return
    if not card.sources:
        out.warning(
            card,
            "id",
            "missing-source",
            "the deck declares sources but this card cites none; add a source: "
            "line naming the document it comes from",
        )
        return
    declared = {source.file for source in deck.sources}
    for index, cited in enumerate(card.sources):
        if cited not in declared:
            field = f"source[{index}]" if f"source[{index}]" in card.field_positions else "source"
            out.error(
                card,
                field,
                "undeclared-source",
                f"the card cites {quote(cited)}, which the deck's sources do not "
                f"declare (declared: {', '.join(sorted(declared))}); fix the name or "
                "declare it",
            )


def check_duplicate_card_ids(deck: Deck, out: Findings) -> None:
    """Card ids are unique within a deck: progress is keyed by them."""
    first_by_id: dict[str, Card] = {}
    for card in deck.cards:
        first = first_by_id.setdefault(card.id, card)
        if first is not card:
            out.error(
                card,
                "id",
                "duplicate-card-id",
                f"card id {card.id!r} is already used on line {first.location.line}; "
                "progress is kept by id, so give this card another one",
            )


def check_declared_sources(deck: Deck, out: Findings) -> None:
    """A declared source that no card cites is probably a leftover (warning); one declared
    twice is a mistake (error)."""
    if not deck.sources or not deck.cards:
        return
    cited = {file for card in deck.cards for file in card.sources}
    for source in deck.sources:
        if source.file not in cited:
            where = source.location or deck.location or Location(deck.path, 0, 0)
            out.at(
                where,
                Severity.WARNING,
                "unused-source",
                f"no card cites the source {quote(source.file)}; cite it or remove it from sources",
            )
    seen: dict[str, Source] = {}
    for source in deck.sources:
        if source.file in seen:
            where = source.location or deck.location or Location(deck.path, 0, 0)
            out.at(
                where,
                Severity.ERROR,
                "duplicate-source",
                f"the source {quote(source.file)} is declared twice; remove one",
            )
        seen[source.file] = source


def check_duplicate_deck_ids(decks: Sequence[Deck], out: Findings) -> None:
    """Deck ids are unique across the collection: progress is keyed by them."""
    first_by_id: dict[str, Deck] = {}
    for deck in decks:
        first = first_by_id.setdefault(deck.id, deck)
        if first is not deck:
            out.at(
                _deck_id_location(deck),
                Severity.ERROR,
                "duplicate-deck-id",
                f"deck id {deck.id!r} is already used by {first.path}; progress is "
                "kept by deck id, so give this deck another one",
            )


def _deck_id_location(deck: Deck) -> Location:
    """Where the deck's ``id`` value is (the model keeps only the deck's own location)."""
    fallback = deck.location or Location(deck.path, 1, 1)
    try:
        text = Path(deck.path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return fallback
    found = _DECK_ID_VALUE.search(text)
    if found is None:
        return fallback
    line_start = text.rfind("\n", 0, found.start()) + 1
    return Location(deck.path, text.count("\n", 0, found.start()) + 1, found.end() - line_start + 1)


CARD_RULES: list[CardRule] = [check_options, check_order, check_wrong_answers, check_sources]
DECK_RULES: list[DeckRule] = [check_duplicate_card_ids, check_declared_sources]
