"""Near-duplicate questions across a whole collection, without comparing every pair.

Each card's prompt (the front, question or statement; a cloze text with its deletions
filled in; an order question together with its items, since "Put these in order" alone
says nothing) becomes a set of key terms (:func:`trainer.validation.text.key_terms`:
folded, stemmed, stopwords dropped). Two cards are near duplicates when the Jaccard
similarity of their sets is at least :data:`THRESHOLD`, or when their prompts have the
same words (case, accents and punctuation aside).

Candidates are found with *prefix filtering*: terms are ranked rarest first across the
collection, and two sets with Jaccard >= t must share at least one of the first
``|s| - ceil(t * |s|) + 1`` terms of each. Only pairs sharing such a rare term are compared,
so the cost grows with the collection, not with its square. Sets of fewer than
:data:`MIN_TERMS` terms ("What is NMDA?") are too short to compare this way and are only
checked for exact repeats. Questions that differ in a negation ("not", "never", ...)
are never near duplicates.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain

from msgspec import Struct

from trainer.diagnostics import Severity
from trainer.model import Card, CardType, Deck, cloze_display
from trainer.validation.findings import Findings
from trainer.validation.text import STOPWORDS, TOKEN, fold, stem_table

THRESHOLD = 0.8
MIN_TERMS = 3
#: Two questions differing in one of these ask opposite things, however alike they are.
NEGATIONS = frozenset({"not", "no", "never", "without", "nor", "none", "cannot", "neither"})


class Match(Struct, frozen=True):
    """``later`` repeats ``earlier`` with the given similarity (1.0 for an exact repeat)."""

    earlier: tuple[Deck, Card]
    later: tuple[Deck, Card]
    similarity: float


def prompt_of(card: Card) -> str:
    """The text that identifies what ``card`` asks."""
    if card.type is CardType.BASIC:
        return card.front
    if card.type is CardType.CLOZE:
        return cloze_display(card.question, 0, revealed=True)
    if card.type is CardType.ORDER:
        return "\n".join((card.question, *card.items))
    return card.question


#: What :func:`find_near_duplicates` compares of one card (see :func:`card_terms`).
Terms = tuple[str, frozenset[str]]


def card_terms(cards: Iterable[Card]) -> list[Terms]:
    """For each card, its prompt's words joined (equal for an exact repeat) and its set of
    key terms: the per-card part of :func:`find_near_duplicates`, which a caller may do
    ahead, for some decks at a time (:func:`trainer.validation.validate` does it while a
    worker finishes)."""
    stems = stem_table().__getitem__
    find_tokens = TOKEN.findall
    result = []
    for card in cards:
        tokens = find_tokens(fold(prompt_of(card)))
        words = set(tokens)
        words -= STOPWORDS
        result.append((" ".join(tokens), frozenset(map(stems, words))))
    return result


def find_near_duplicates(
    decks: Iterable[Deck], threshold: float = THRESHOLD, terms: Sequence[Terms] | None = None
) -> list[Match]:
    """Every card whose prompt nearly repeats an earlier card's, in collection order; each
    later card is reported once, against the most similar earlier one. ``terms``: the
    :func:`card_terms` of the decks' cards, in order, if already made."""
    cards = [(deck, card) for deck in decks for card in deck.cards]
    if terms is None:
        terms = card_terms(card for _, card in cards)
    if len(terms) != len(cards):
        raise ValueError("terms of other cards")
    matches: dict[int, Match] = {}
    exact: dict[str, int] = {}
    sets: list[frozenset[str]] = []
    for index, (words, term_set) in enumerate(terms):
        first = exact.setdefault(words, index)
        if first != index:
            matches[index] = Match(cards[first], cards[index], 1.0)
        sets.append(term_set)
    frequency = Counter(chain.from_iterable(sets))
    # Rarest first, ties by term: sort by term, then (stably) by count.
    order = sorted(frequency)
    order.sort(key=frequency.__getitem__)
    rank = dict(zip(order, range(len(order))))
    rank_of = rank.__getitem__
    sizes = list(map(len, sets))
    # Smallest sets first, so each set is probed against sets no larger than itself: the
    # indexed prefix can then be shorter than the probing one (the "AllPairs" bound).
    probe_share = threshold - 1e-9
    index_share = 2 * threshold / (1 + threshold) - 1e-9
    best: dict[int, tuple[float, int]] = {}
    postings: dict[int, list[int]] = {}
    prefixes: dict[int, tuple[int, int, int]] = {}
    for index in sorted(range(len(sets)), key=sizes.__getitem__):
        size = sizes[index]
        if size < MIN_TERMS:
            continue
        lengths = prefixes.get(size)
        if lengths is None:
            # Jaccard >= t needs at least ceil(t * size) shared terms.
            needed = math.ceil(probe_share * size)
            lengths = prefixes[size] = (
                size - needed + 1,
                size - math.ceil(index_share * size) + 1,
                needed,
            )
        probe_length, index_length, needed = lengths
        # Terms as their rank (rarest = 0): sorting small ints needs no key function.
        ordered = sorted(map(rank_of, sets[index]))
        candidates: set[int] = set()
        for term_rank in ordered[:probe_length]:
            posting = postings.get(term_rank)
            if posting is not None:
                candidates.update(posting)
        for term_rank in ordered[:index_length]:
            posting = postings.get(term_rank)
            if posting is None:
                postings[term_rank] = [index]
            else:
                posting.append(index)
        if not candidates:
            continue
        own_terms = sets[index]
        # A C-speed first cut on the shared-term count.
        for other in [o for o in candidates if len(own_terms & sets[o]) >= needed]:
            other_terms = sets[other]
            shared = len(own_terms & other_terms)
            similarity = shared / (size + len(other_terms) - shared)
            if similarity < threshold or (own_terms ^ other_terms) & NEGATIONS:
                continue
            earlier, later = min(index, other), max(index, other)
            # Keep, for the later card, its most similar earlier card (the first on ties).
            current = best.get(later)
            if current is None or (similarity, -earlier) > (current[0], -current[1]):
                best[later] = (similarity, earlier)
    for later, (similarity, earlier) in best.items():
        if later not in matches:
            matches[later] = Match(cards[earlier], cards[later], similarity)
    return [matches[index] for index in sorted(matches)]


def check_near_duplicates(
    decks: Iterable[Deck], out: Findings, terms: Sequence[Terms] | None = None
) -> None:
    """Warn at the later card of each near-duplicate pair, naming the earlier one
    (``terms`` as for :func:`find_near_duplicates`)."""
    for match in find_near_duplicates(decks, terms=terms):
        earlier_deck, earlier = match.earlier
        later_deck, later = match.later
        field = "front" if later.type is CardType.BASIC else "question"
        where = later.where(field)
        same_file = earlier_deck.path == later_deck.path
        place = (
            f"line {earlier.location.line}"
            if same_file
            else f"{earlier.location.path}:{earlier.location.line}"
        )
        how = "repeats" if match.similarity == 1.0 else f"is {match.similarity:.0%} similar to"
        out.at(
            where,
            Severity.WARNING,
            "near-duplicate",
            f"this question {how} card {earlier.id!r} ({place}); learners would study "
            "the same fact twice: merge the cards or make them ask different things",
            later.id,
        )
