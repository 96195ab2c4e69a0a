"""The deck cache: a cached load is the same deck as a parse, an edited file is parsed
again, and a damaged or foreign cache file is ignored and rewritten, never trusted."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from trainer import deckcache
from trainer.clock import FakeClock
from trainer.deckcache import cache_dir, load_deck_cached
from trainer.deckformat import (
    CARD_TYPES,
    COMMON_CARD_FIELDS,
    DECK_FIELDS,
    MATCH_FIELDS,
    SOURCE_FIELDS,
    FieldSpec,
    Kind,
    card_fields,
)
from trainer.loader import load_deck
from trainer.model import AnswerTests, CardType, Deck, MatchPolicy
from trainer.scheduling import Grade
from trainer.session import Collection

DECK = """format: 1
id: geo
title: Geography
cards:
  - id: capital
    type: typed
    question: Capital of France?
    answer: Paris
    alternatives: [Paris city]
    match: {case_sensitive: true, max_typos: 0, qualifiers: false}
    tests: {accept: [Paris], reject: [Lyon]}
  - id: rivers
    type: cloze
    text: "The {{c1::Seine}} flows through {{c2::Paris::a city}}."
  - id: flag
    type: basic
    front: Colours of the flag?
    back: Blue, white, red
    reverse: true
    tags: [flags]
  - id: order
    type: order
    question: North to south
    items: [Lille, Paris, Lyon]
  - id: broken
    type: choice
    question: Missing its options
"""


#: Every header attribute the declaration has (format is read, not kept; cards are
#: compared one by one), and where the deck is.
DECK_ATTRIBUTES = (
    *(spec.attribute for spec in DECK_FIELDS if spec.kind not in (Kind.FORMAT, Kind.CARDS)),
    "path",
    "location",
)


def same(a: Deck | None, b: Deck | None) -> None:
    """Attribute by attribute (Deck and Card compare by identity)."""
    assert a is not None and b is not None
    for name in DECK_ATTRIBUTES:
        assert getattr(a, name) == getattr(b, name), name
    assert len(a.cards) == len(b.cards)
    for one, other in zip(a.cards, b.cards, strict=True):
        for name in one.__struct_fields__:
            assert getattr(one, name) == getattr(other, name), name


@pytest.fixture
def deck_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Files written by a test are seconds old at most: let the cache take them.
    monkeypatch.setattr(deckcache, "RACY_SECONDS", 0.0)
    path = tmp_path / "geo.yaml"
    path.write_text(DECK)
    return path


def test_a_file_modified_moments_ago_is_not_cached(tmp_path: Path):
    path = tmp_path / "fresh.yaml"
    path.write_text(DECK)
    cache = tmp_path / "cache"
    assert load_deck_cached(path, cache).deck is not None
    assert not cache.exists() or not list(cache.iterdir())


def test_a_cached_load_is_the_same_deck_and_problems_as_a_parse(deck_file: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    parsed = load_deck(deck_file)
    assert parsed.deck is not None and parsed.diagnostics  # the broken card is reported
    first = load_deck_cached(deck_file, cache)
    assert list(cache.iterdir()), "the first load wrote a cache entry"
    cached = load_deck_cached(deck_file, cache)
    assert cached.diagnostics == parsed.diagnostics
    same(parsed.deck, cached.deck)
    same(first.deck, cached.deck)
    capital = cached.deck.cards[0]
    assert capital.where("answer") == parsed.deck.cards[0].where("answer")
    assert str(capital.where("answer")).endswith(":8:13")


def test_an_edited_file_is_parsed_again(deck_file: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    load_deck_cached(deck_file, cache)
    info = deck_file.stat()
    # Saved the way editors do (a new file renamed over the old one), same size, and
    # the old modification time put back: the inode and change time still tell.
    replacement = tmp_path / "geo.yaml.new"
    replacement.write_text(DECK.replace("answer: Paris\n", "answer: Rome!\n"))
    os.utime(replacement, ns=(info.st_atime_ns, info.st_mtime_ns))
    os.replace(replacement, deck_file)
    assert deck_file.stat().st_size == info.st_size
    assert load_deck_cached(deck_file, cache).deck.cards[0].answer == "Rome!"
    deck_file.write_text(DECK.replace("answer: Paris\n", "answer: Lyon!\n"))  # in place
    assert load_deck_cached(deck_file, cache).deck.cards[0].answer == "Lyon!"


def test_a_file_that_no_longer_parses_is_not_served_from_the_cache(deck_file: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    load_deck_cached(deck_file, cache)
    deck_file.write_text("format: 1\nid: geo\ncards: [oops\n")
    result = load_deck_cached(deck_file, cache)
    assert result.deck is None
    assert any(d.severity == "error" for d in result.diagnostics)


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"\x00\x01not marshal",
        b"\xe9" * 50,
        __import__("marshal").dumps(("trainer-deck-cache", 1)),
    ],
)
def test_a_damaged_or_foreign_cache_entry_is_ignored_and_rewritten(
    deck_file: Path, tmp_path: Path, garbage: bytes
):
    cache = tmp_path / "cache"
    load_deck_cached(deck_file, cache)
    (entry,) = cache.iterdir()
    entry.write_bytes(garbage)
    result = load_deck_cached(deck_file, cache)
    same(load_deck(deck_file).deck, result.deck)
    assert entry.read_bytes() != garbage  # rewritten for the next start


def test_an_entry_for_another_path_is_not_used(deck_file: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    load_deck_cached(deck_file, cache)
    other = tmp_path / "other.yaml"
    other.write_text(DECK.replace("id: geo", "id: geo2"))
    (entry,) = cache.iterdir()
    # Plant the geo entry under the name the other file's entry would have.
    load_deck_cached(other, cache)
    planted = next(p for p in cache.iterdir() if p != entry)
    planted.write_bytes(entry.read_bytes())
    assert load_deck_cached(other, cache).deck.id == "geo2"


def test_collections_use_the_cache_in_the_user_cache_directory_not_the_progress_one(
    deck_file: Path, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("TRAINER_DECK_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    progress = tmp_path / "progress"
    Collection.open([deck_file], progress, clock=clock, device="here").close()
    assert list((tmp_path / "user-cache" / "trainer" / "decks").iterdir())
    assert not (progress / ".cache").exists()  # the progress directory is synced: data only
    monkeypatch.setenv("TRAINER_CACHE_DIR", str(tmp_path / "injected"))
    Collection.open([deck_file], progress, clock=clock, device="here").close()
    assert list((tmp_path / "injected" / "decks").iterdir())
    again = Collection.open([deck_file], progress, clock=clock, device="here")
    assert [c.key for c in again.study_cards()] == [
        "geo/capital",
        "geo/rivers::c1",
        "geo/rivers::c2",
        "geo/flag",
        "geo/flag::reverse",
        "geo/order",
    ]
    assert any(d.code for d in again.load_diagnostics)  # the broken card, from the cache


def test_a_read_only_open_reads_the_cache_and_never_writes_it(
    deck_file: Path, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
):
    """`trainer optimize` and reading a missing progress directory open read-only: on 50,000
    cards a parse costs seconds where the cache costs milliseconds."""
    import trainer.loader

    cache = tmp_path / "cache"
    monkeypatch.setenv("TRAINER_DECK_CACHE", str(cache))
    Collection.open([deck_file], tmp_path / "progress", clock=clock, read_only=True).close()
    assert not cache.exists()  # read-only: nothing written, not even a cache entry
    Collection.open([deck_file], tmp_path / "progress", clock=clock, device="here").close()
    entries = {path: path.read_bytes() for path in cache.iterdir()}
    monkeypatch.setattr(trainer.loader, "load_deck", None)  # a parse would fail loudly
    reader = Collection.open([deck_file], tmp_path / "progress", clock=clock, read_only=True)
    assert len(reader.study_cards()) == 6
    assert {path: path.read_bytes() for path in cache.iterdir()} == entries


def test_the_cache_can_be_moved_or_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TRAINER_DECK_CACHE", str(tmp_path / "elsewhere"))
    assert cache_dir() == tmp_path / "elsewhere"
    monkeypatch.setenv("TRAINER_DECK_CACHE", "off")
    assert cache_dir() is None


@pytest.mark.parametrize("section", ["card ids", "cards"])
@pytest.mark.parametrize("first_use", ["one card", "every card"])
def test_damaged_cards_in_a_cache_entry_are_read_from_the_file_instead(
    deck_file: Path, tmp_path: Path, section: str, first_use: str
):
    cache = tmp_path / "cache"
    load_deck_cached(deck_file, cache)
    (entry,) = cache.iterdir()
    data = bytearray(entry.read_bytes())
    head_end = 8 + int.from_bytes(data[:8], "little")
    # The sections after the head: the card ids, then the cards (the head reads fine).
    # In the cards, a letter of a text, which still decodes: only the CRC tells.
    at = head_end + 5 if section == "card ids" else data.rindex(b"Blue, white, red")
    data[at] ^= 0x01
    entry.write_bytes(bytes(data))
    cached = load_deck_cached(deck_file, cache)
    assert cached.deck is not None and cached.deck.title == "Geography"  # the head: cached
    parsed = load_deck(deck_file).deck
    assert parsed is not None
    if first_use == "one card":
        card = cached.deck.card_at(2)  # the card the damaged text is in
        assert card is not None
        assert all(getattr(card, n) == getattr(parsed.cards[2], n) for n in card.__struct_fields__)
    same(parsed, cached.deck)  # the cards from the file


def test_cards_come_from_the_file_when_the_entry_was_replaced_meanwhile(
    deck_file: Path, tmp_path: Path
):
    cache = tmp_path / "cache"
    load_deck_cached(deck_file, cache)
    cached = load_deck_cached(deck_file, cache)  # head read; cards not yet
    (entry,) = cache.iterdir()
    entry.write_bytes(b"")
    same(load_deck(deck_file).deck, cached.deck)


def test_a_start_from_a_warm_cache_does_not_parse_yaml(
    deck_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The deck cache's point: unchanged decks cost no YAML parsing, not even its import."""
    import subprocess
    import sys

    monkeypatch.delenv("TRAINER_DECK_CACHE", raising=False)

    progress = tmp_path / "progress"
    program = f"""
import sys
from pathlib import Path
from trainer import deckcache
from trainer.clock import SystemClock
from trainer.session import Collection
deckcache.RACY_SECONDS = 0.0
collection = Collection.open([Path({str(deck_file)!r})], Path({str(progress)!r}),
                             clock=SystemClock(), device="here")
session = collection.start_session()
print(session.current.key, len(collection.study_cards()), "yaml" in sys.modules)
"""
    root = Path(__file__).resolve().parent.parent
    runs = [
        subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, cwd=root, check=True
        ).stdout.split()
        for _ in range(2)
    ]
    assert runs[0] == ["geo/capital", "6", "True"]  # parsed, and the cache written
    assert runs[1] == ["geo/capital", "6", "False"]  # the same cards, from the cache


def warm_cache_counting_decodes(
    deck_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Deck, Callable[[], Collection], list[Path]]:
    """The deck as parsed; a function opening a collection of it (its cache entry is
    written first); and the list that each card decoded from the cache appends its
    deck file to."""
    monkeypatch.setenv("TRAINER_DECK_CACHE", str(tmp_path / "cache"))
    fake = FakeClock(start=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    parsed = load_deck(deck_file).deck
    assert parsed is not None

    def opened() -> Collection:
        return Collection.open([deck_file], tmp_path / "progress", clock=fake, device="here")

    opened().close()  # the cache written
    decoded: list[Path] = []
    decode = deckcache._decode_card
    monkeypatch.setattr(
        deckcache, "_decode_card", lambda path, card: decoded.append(path) or decode(path, card)
    )
    return parsed, opened, decoded


def test_siblings_from_a_warm_cache_wait_without_decoding_the_deck(
    deck_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A deck with reverse sides and cloze deletions, from the cache: the study keys and
    sibling groups come from the cache entry's head, so counting today's cards decodes no
    card (an imported Anki deck is mostly such cards), and a sibling studied today still
    holds the others back after a restart."""
    parsed, opened, decoded = warm_cache_counting_decodes(deck_file, tmp_path, monkeypatch)
    expected = [card.key for card in parsed.study_cards()]
    collection = opened()
    assert collection.counts()["geo"].new == 6
    assert collection.siblings("geo/rivers::c2") == ["geo/rivers::c1", "geo/rivers::c2"]
    assert collection.siblings("geo/flag") == ["geo/flag", "geo/flag::reverse"]
    assert collection.siblings("geo/rivers::c3") == ["geo/rivers::c3"]  # no such deletion
    assert not collection.has_card("geo/rivers::c3") and not collection.has_card("geo/rivers")
    assert not decoded
    assert [card.key for card in collection.study_cards()] == expected
    assert set(decoded) == {deck_file} and len(decoded) == len(parsed.cards)  # each once
    session = collection.start_session()
    assert session.current is not None and session.current.key == "geo/capital"
    session.record(Grade.EASY)
    session.record(Grade.EASY)  # geo/rivers::c1
    collection.close()
    collection = opened()
    counts = collection.counts()["geo"]
    assert counts.new == 3  # rivers::c2 waits for tomorrow; flag, its reverse and order do not
    shown = []
    session = collection.start_session()
    while session.current is not None:
        shown.append(session.current.key)
        session.record(Grade.EASY)
    assert shown == ["geo/flag", "geo/order"]  # and flag's reverse waits once flag is studied


def test_the_first_card_from_a_warm_cache_decodes_that_card_alone(
    deck_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A start-up shows one card of a deck that may hold thousands: only that card is
    decoded, and it is the card the file holds under that key."""
    parsed, opened, decoded = warm_cache_counting_decodes(deck_file, tmp_path, monkeypatch)
    session = opened().start_session()
    assert session.current is not None
    shown, first = session.current.card, parsed.cards[0]
    assert all(getattr(shown, n) == getattr(first, n) for n in first.__struct_fields__)
    assert len(decoded) == 1 < len(parsed.cards)


# -- every card type and every field, through the cache ---------------------------------


def _yaml_value(card_type: CardType, spec: FieldSpec) -> str:
    """A value for ``spec`` written as YAML, distinct from every other field's."""
    name = f"{card_type}-{spec.key}"
    kind = spec.kind
    if kind is Kind.CLOZE_TEXT:
        return '"A {{c1::first}} and a {{c2::second::hint two}}."'
    if kind in (Kind.TEXT, Kind.OPTIONAL_TEXT):
        return f'"{name}"'
    if kind in (Kind.TEXT_LIST, Kind.NON_EMPTY_LIST, Kind.SOURCE):
        return f"[{name}-0, {name}-1]"
    if kind is Kind.BOOLEAN:
        return "true"
    if kind is Kind.MATCH:
        defaults = MatchPolicy()
        settings = []
        for setting in MATCH_FIELDS:
            if setting.kind is Kind.BOOLEAN:
                value = "false" if getattr(defaults, setting.attribute) else "true"
            else:
                value = {"numeric_tolerance": "0.25", "max_typos": "3"}[setting.key]
            settings.append(f"{setting.key}: {value}")
        return "{" + ", ".join(settings) + "}"
    if kind is Kind.TESTS:
        return f"{{accept: [{name}-yes], reject: [{name}-no]}}"
    if kind is Kind.DELETION_LISTS:
        return f"{{c1: [{name}-1], c2: [{name}-2]}}"
    if kind is Kind.DELETION_TESTS:
        return f"{{c1: {{accept: [{name}-1], reject: [no-1]}}, c2: {{reject: [no-2]}}}}"
    raise AssertionError(kind)


def _card_text(card_type: CardType) -> str:
    lines = [f"  - id: {card_type}-card", f"    type: {card_type}"]
    for spec in card_fields(card_type).values():
        if spec.kind not in (Kind.ID, Kind.TYPE):
            lines.append(f"    {spec.key}: {_yaml_value(card_type, spec)}")
    return "\n".join(lines) + "\n"


def test_every_card_type_and_every_field_survives_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Each field of each type holds a value no other field has: a cache that stored one
    field's value under another's name (a multi card's answers shown as its options)
    fails here."""
    monkeypatch.setattr(deckcache, "RACY_SECONDS", 0.0)
    path = tmp_path / "all.yaml"
    sources = "".join(
        f"  - {{file: {t}-source-{i}, title: Source {t} {i}}}\n" for t in CardType for i in (0, 1)
    )
    path.write_text(
        "format: 1\nid: all\ntitle: All\ndescription: Every field\n"
        "scheduling: {desired_retention: 0.8, learning_steps: [2m, 20m], relearning_steps: [5m],"
        " maximum_interval: 300, enable_fuzzing: false, new_per_day: 7, reviews_per_day: 70}\n"
        f"sources:\n{sources}cards:\n" + "".join(_card_text(t) for t in CardType)
    )
    parsed = load_deck(path)
    assert parsed.ok, [str(d) for d in parsed.diagnostics]
    assert parsed.deck is not None
    cards = {card.type: card for card in parsed.deck.cards}
    assert set(cards) == set(CardType)
    # The reader put each value where the declaration says.
    for card_type, card in cards.items():
        for spec in CARD_TYPES[card_type].fields + COMMON_CARD_FIELDS[2:]:
            value = getattr(card, spec.attribute)
            written = _yaml_value(card_type, spec)
            if spec.kind in (Kind.TEXT, Kind.OPTIONAL_TEXT):
                assert value == written.strip('"'), spec.key
            elif spec.kind in (Kind.TEXT_LIST, Kind.NON_EMPTY_LIST, Kind.SOURCE):
                assert value == (f"{card_type}-{spec.key}-0", f"{card_type}-{spec.key}-1")
            elif spec.kind is Kind.BOOLEAN:
                assert value is True, spec.key
            elif spec.kind is Kind.TESTS:
                assert value == AnswerTests((f"{card_type}-tests-yes",), (f"{card_type}-tests-no",))
        assert card.field_positions, card_type
    assert cards[CardType.CLOZE].clozes[1].alternatives == ("cloze-alternatives-2",)
    assert cards[CardType.CLOZE].clozes[0].tests == AnswerTests(("cloze-tests-1",), ("no-1",))
    assert cards[CardType.CLOZE].clozes[1].hints == ("hint two",)
    assert cards[CardType.TYPED].match != MatchPolicy()
    cache = tmp_path / "cache"
    load_deck_cached(path, cache)  # written
    cached = load_deck_cached(path, cache)
    assert cached.deck is not None and list(cached.deck.outline()[0]) == [
        card.id for card in parsed.deck.cards
    ]
    same(parsed.deck, cached.deck)


def _header_value(spec: FieldSpec) -> str:
    """A YAML value for one deck header field, by its kind (text fields hold their key)."""
    if spec.kind is Kind.FORMAT:
        return "1"
    if spec.kind is Kind.ID:
        return "every-header"
    if spec.kind in (Kind.TEXT, Kind.OPTIONAL_TEXT):
        return f'"{spec.key} text"'
    if spec.kind is Kind.SOURCES:
        entry = ", ".join(f"{field.key}: {field.key}-{{n}}" for field in SOURCE_FIELDS)
        return "[" + ", ".join("{" + entry.format(n=n) + "}" for n in (0, 1)) + "]"
    if spec.kind is Kind.SCHEDULING:
        return "{new_per_day: 7}"
    if spec.kind is Kind.CARDS:
        return "[{id: a, type: basic, front: F, back: B, source: file-0}]"
    raise AssertionError(spec.kind)


def test_every_declared_header_and_source_field_is_read_and_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The deck header and its sources are read by the declaration: a field added to
    DECK_FIELDS or SOURCE_FIELDS (and so to the schema) that the reader, the model or
    the cache does not carry fails here."""
    monkeypatch.setattr(deckcache, "RACY_SECONDS", 0.0)
    path = tmp_path / "header.yaml"
    path.write_text("".join(f"{spec.key}: {_header_value(spec)}\n" for spec in DECK_FIELDS))
    parsed = load_deck(path)
    assert parsed.ok and parsed.deck is not None, [str(d) for d in parsed.diagnostics]
    cache = tmp_path / "cache"
    load_deck_cached(path, cache)  # written
    cached = load_deck_cached(path, cache).deck
    for deck in (parsed.deck, cached):
        assert deck is not None
        for spec in DECK_FIELDS:
            if spec.kind is Kind.FORMAT:
                continue  # read and checked, not kept
            value = getattr(deck, spec.attribute)
            if spec.kind in (Kind.TEXT, Kind.OPTIONAL_TEXT):
                assert value == f"{spec.key} text", spec.key
            elif spec.kind is Kind.SOURCES:
                for n, source in enumerate(value):
                    for field in SOURCE_FIELDS:
                        assert getattr(source, field.attribute) == f"{field.key}-{n}"
        assert deck.id == "every-header" and deck.scheduling.new_per_day == 7
        assert len(deck.cards) == 1


def test_each_matching_switch_survives_the_cache_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """One typed card per switch, that switch alone away from its default: two switches
    with the same default swapped in the cache (``ignore_articles`` read as
    ``number_words``) fail here, where flipping them all at once could not tell."""
    monkeypatch.setattr(deckcache, "RACY_SECONDS", 0.0)
    defaults = MatchPolicy()
    switches = [s for s in MATCH_FIELDS if s.kind is Kind.BOOLEAN]
    path = tmp_path / "switches.yaml"
    path.write_text(
        "format: 1\nid: switches\ntitle: Switches\ncards:\n"
        + "".join(
            f"  - {{id: {s.key.replace('_', '-')}, type: typed, question: Q, answer: A, "
            f"match: {{{s.key}: {'false' if getattr(defaults, s.attribute) else 'true'}}}}}\n"
            for s in switches
        )
    )
    parsed = load_deck(path)
    assert parsed.ok and parsed.deck is not None, [str(d) for d in parsed.diagnostics]
    cache = tmp_path / "cache"
    load_deck_cached(path, cache)  # written
    cached = load_deck_cached(path, cache)
    assert cached.deck is not None
    for switch, card in zip(switches, cached.deck.cards, strict=True):
        flipped = [
            s.key
            for s in switches
            if getattr(card.match, s.attribute) != getattr(defaults, s.attribute)
        ]
        assert flipped == [switch.key], card.id


def test_a_duplicate_card_id_is_reported_from_the_cache_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(deckcache, "RACY_SECONDS", 0.0)
    monkeypatch.setenv("TRAINER_DECK_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "dup.yaml"
    path.write_text(
        "format: 1\nid: dup\ntitle: Dup\ncards:\n"
        "  - {id: a, type: basic, front: first, back: one, reverse: true}\n"
        "  - {id: a, type: basic, front: second, back: two}\n"
    )
    fake = FakeClock(start=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    for _ in range(2):  # parsed, then from the cache
        collection = Collection.open([path], tmp_path / "progress", clock=fake, device="here")
        codes = [(d.code, d.line) for d in collection.load_diagnostics]
        assert ("duplicate-card-id", 6) in codes
        assert [card.key for card in collection.study_cards()] == ["dup/a", "dup/a::reverse"]
        assert collection.study_cards()[0].card.front == "first"
        collection.close()
