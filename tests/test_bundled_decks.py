"""The decks shipped in decks/ load cleanly and keep the properties authors promised.

These tests read the real files, so they fail when a deck regresses: a card that stops
loading, a card type that disappears, a citation of an undeclared source, an answer key
without samples, or a collection that shrinks below what the project ships.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from trainer.grading import grade
from trainer.loader import load_deck
from trainer.model import Card, CardType, Deck, StudyCard

DECKS_DIR = Path(__file__).resolve().parent.parent / "decks"
DECK_FILES = sorted(DECKS_DIR.glob("*.yaml"))
SCHEMA_COMMENT = "# yaml-language-server: $schema=../trainer/deck.schema.json"
KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CLOZE_MARKUP = re.compile(r"\{\{c\d+::(.*?)(?:::.*?)?\}\}")


def _load(path: Path) -> Deck:
    result = load_deck(path)
    assert result.deck is not None, [str(d) for d in result.diagnostics]
    return result.deck


@pytest.fixture(scope="module")
def decks() -> list[Deck]:
    return [_load(path) for path in DECK_FILES]


def test_the_project_ships_four_or_five_decks():
    assert 4 <= len(DECK_FILES) <= 5, [p.name for p in DECK_FILES]


@pytest.mark.parametrize("path", DECK_FILES, ids=lambda p: p.name)
def test_deck_loads_without_any_diagnostic(path: Path):
    result = load_deck(path)
    assert result.ok
    assert result.deck is not None
    # Warnings count too: a bundled deck is an example for authors and must be clean.
    assert [str(d) for d in result.diagnostics] == []


@pytest.mark.parametrize("path", DECK_FILES, ids=lambda p: p.name)
def test_deck_header_follows_the_format(path: Path):
    assert path.read_text(encoding="utf-8").splitlines()[0] == SCHEMA_COMMENT
    deck = _load(path)
    assert KEBAB.match(deck.id)
    assert deck.title.strip() and deck.description.strip()
    assert deck.sources, "a bundled deck declares the documents it was built from"
    assert all(source.title.strip() for source in deck.sources)


def test_deck_ids_are_unique_across_the_collection(decks: list[Deck]):
    ids = [deck.id for deck in decks]
    assert len(ids) == len(set(ids))


def test_card_ids_are_kebab_case_and_unique_within_each_deck(decks: list[Deck]):
    for deck in decks:
        ids = [card.id for card in deck.cards]
        assert len(ids) == len(set(ids)), deck.id
        bad = [card_id for card_id in ids if not KEBAB.match(card_id)]
        assert bad == [], deck.id


def test_every_card_type_is_used_at_least_three_times(decks: list[Deck]):
    counts = Counter(card.type for deck in decks for card in deck.cards)
    too_few = {str(t): counts[t] for t in CardType if counts[t] < 3}
    assert too_few == {}


def test_some_basic_cards_have_a_reverse_side(decks: list[Deck]):
    reversed_cards = [
        card
        for deck in decks
        for card in deck.cards
        if card.type is CardType.BASIC and card.reverse
    ]
    assert len(reversed_cards) >= 3


def test_every_card_cites_a_declared_source(decks: list[Deck]):
    for deck in decks:
        declared = {source.file for source in deck.sources}
        for card in deck.cards:
            assert card.sources, f"{deck.id}/{card.id} cites no source"
            assert set(card.sources) <= declared, f"{deck.id}/{card.id}"


def test_every_declared_source_is_cited_by_some_card(decks: list[Deck]):
    for deck in decks:
        cited = {file for card in deck.cards for file in card.sources}
        assert {source.file for source in deck.sources} == cited, deck.id


def test_typed_and_cloze_cards_carry_accept_and_reject_samples(decks: list[Deck]):
    for deck in decks:
        for card in deck.cards:
            if card.type is CardType.TYPED:
                assert card.tests.accept and card.tests.reject, f"{deck.id}/{card.id}"
            elif card.type is CardType.CLOZE:
                for cloze in card.clozes:
                    assert cloze.tests.accept and cloze.tests.reject, (
                        f"{deck.id}/{card.id} c{cloze.number}"
                    )


def test_answer_key_samples_grade_as_the_author_said(decks: list[Deck]):
    failures = []
    for deck in decks:
        for study in deck.study_cards():
            card = study.card
            if card.type is CardType.TYPED:
                tests = card.tests
            elif card.type is CardType.CLOZE:
                tests = study.cloze.tests
            else:
                continue
            failures += [(study.key, s) for s in tests.accept if not grade(study, s).correct]
            failures += [(study.key, s) for s in tests.reject if grade(study, s).correct]
    assert failures == []


def test_choice_and_multi_distractors_are_graded_wrong(decks: list[Deck]):
    for deck in decks:
        for card in deck.cards:
            if card.type is CardType.CHOICE:
                assert len(card.options) >= 4, card.id
                assert grade(card, card.answer).correct
                for option in card.options:
                    if option != card.answer:
                        assert not grade(card, option).correct, (card.id, option)
            elif card.type is CardType.MULTI:
                wrong = [o for o in card.options if o not in card.answers]
                assert wrong and grade(card, card.answers).correct, card.id
                for option in wrong:
                    assert not grade(card, [*card.answers, option]).correct, (card.id, option)


def test_truefalse_cards_are_not_all_true_or_all_false(decks: list[Deck]):
    # A learner who notices that every statement is true stops reading them.
    truths = Counter(
        card.truth for deck in decks for card in deck.cards if card.type is CardType.TRUEFALSE
    )
    assert truths[True] >= 3 and truths[False] >= 3, truths


def test_the_collection_keeps_its_size(decks: list[Deck]):
    # The 99 cards cover every teachable fact of the five articles (docs/decks.md); losing
    # a deck or a batch of cards drops below these floors.
    assert sum(len(deck.cards) for deck in decks) >= 99
    study_cards: list[StudyCard] = [s for deck in decks for s in deck.study_cards()]
    assert len(study_cards) >= 80
    # Progress is keyed by these: they must never collide.
    assert len({s.key for s in study_cards}) == len(study_cards)


def test_bundled_decks_pass_strict_validation(capsys: pytest.CaptureFixture[str]):
    from trainer.cli import main

    code = main(["validate", "--strict", str(DECKS_DIR)])
    output = capsys.readouterr()
    assert code == 0, output.out + output.err


# The articles the decks were written from live outside the project (they are source
# material, not project text), in shared/sources/ beside the checkout, as in CI. Where they
# are present, check every answer is grounded in them and no card copies their sentences.
SOURCES_DIR = DECKS_DIR.parent.parent / "shared" / "sources"
NO_SOURCES = f"source articles not found at {SOURCES_DIR} (shared/ beside the checkout)"


@pytest.mark.skipif(not SOURCES_DIR.is_dir(), reason=NO_SOURCES)
def test_every_answer_is_grounded_in_its_cited_article(capsys: pytest.CaptureFixture[str]):
    from trainer.cli import main

    code = main(["validate", "--strict", "--sources", str(SOURCES_DIR), str(DECKS_DIR)])
    output = capsys.readouterr()
    assert code == 0, output.out + output.err


def _shingles(text: str, size: int) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.casefold().replace("\u2019", "'"))
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def _card_texts(card: Card) -> list[str]:
    texts = [
        card.front,
        card.back,
        card.question,
        card.answer,
        card.explanation or "",
        *card.alternatives,
        *card.options,
        *card.items,
    ]
    for cloze in card.clozes:
        texts += [*cloze.answers, *cloze.alternatives]
    return [text for text in texts if text]


@pytest.mark.skipif(not SOURCES_DIR.is_dir(), reason=NO_SOURCES)
def test_no_card_copies_a_run_of_eight_words_from_an_article(decks: list[Deck]):
    # The decks are written in the authors' own words: facts carry over, sentences do not.
    article_runs: set[tuple[str, ...]] = set()
    for article in SOURCES_DIR.glob("0*.txt"):
        article_runs |= _shingles(article.read_text(encoding="utf-8"), 8)
    assert article_runs, "no articles found"
    copied = [
        (f"{deck.id}/{card.id}", " ".join(run))
        for deck in decks
        for card in deck.cards
        for text in _card_texts(card)
        for run in _shingles(CLOZE_MARKUP.sub(r"\1", text), 8) & article_runs
    ]
    assert copied == []


def test_docs_card_count_table_matches_the_decks(decks: list[Deck]):
    """docs/decks.md tells authors how many cards of each type ship; keep it true."""
    doc = (DECKS_DIR.parent / "docs" / "decks.md").read_text(encoding="utf-8")
    types = [t.value for t in CardType]
    totals: Counter[str] = Counter()
    for deck in decks:
        counts = Counter(card.type.value for card in deck.cards)
        totals += counts
        row = (
            f"| `{deck.id}` | "
            + " | ".join(str(counts[t]) for t in types)
            + f" | {len(deck.cards)} | {len(list(deck.study_cards()))} |"
        )
        assert row in doc, row
    study = sum(len(list(deck.study_cards())) for deck in decks)
    cards = sum(len(deck.cards) for deck in decks)
    total_row = (
        "| **total** | " + " | ".join(str(totals[t]) for t in types) + f" | {cards} | {study} |"
    )
    assert total_row in doc, total_row
