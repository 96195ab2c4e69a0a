"""The deck cache: a cached load is the same deck as a parse, an edited file is parsed
again, and a damaged or foreign cache file is ignored and rewritten, never trusted."""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path

import pytest

from trainer import deckcache
from trainer.clock import FakeClock
from trainer.deckcache import cache_dir, load_deck_cached
from trainer.loader import load_deck
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


def same(a: object, b: object) -> None:
    """Field by field (Deck and Card compare by identity)."""
    for f in fields(a):  # type: ignore[arg-type]
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "cards":
            assert len(x) == len(y)
            for one, other in zip(x, y):
                same(one, other)
        elif f.name == "field_locations":
            assert dict(x.items()) == dict(y.items())
            assert all(y.get(name) == location for name, location in x.items())
        else:
            assert x == y, f.name


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
    planted = [p for p in cache.iterdir() if p != entry][0]
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


def test_the_cache_can_be_moved_or_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TRAINER_DECK_CACHE", str(tmp_path / "elsewhere"))
    assert cache_dir() == tmp_path / "elsewhere"
    monkeypatch.setenv("TRAINER_DECK_CACHE", "off")
    assert cache_dir() is None


def test_damaged_cards_in_a_cache_entry_are_read_from_the_file_instead(
    deck_file: Path, tmp_path: Path
):
    cache = tmp_path / "cache"
    load_deck_cached(deck_file, cache)
    (entry,) = cache.iterdir()
    data = bytearray(entry.read_bytes())
    data[-10] ^= 0xFF  # in the card blob at the end: the head still reads fine
    entry.write_bytes(bytes(data))
    cached = load_deck_cached(deck_file, cache)
    assert cached.deck.title == "Geography"  # the head came from the cache
    same(load_deck(deck_file).deck, cached.deck)  # the cards from the file


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
