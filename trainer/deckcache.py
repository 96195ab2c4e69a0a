"""A per-file cache of loaded decks, so a start-up does not parse unchanged YAML again.

Parsing a deck file (YAML with positions, then every field checked) costs about 75 ms
per 1,000 cards. Each deck file gets one cache file holding the loaded
:class:`~trainer.model.Deck` and the loader's diagnostics as plain tuples
(:mod:`marshal`: data only, never code or arbitrary objects).

A start-up needs each deck's header and the ids of its cards (to build today's queue),
not 50,000 card objects. So an entry is a small head (the deck without its cards, the
ids, the diagnostics) followed by the cards as one marshal blob, and a deck read from the
cache (:class:`CachedDeck`) reads and decodes the blob on first use of ``deck.cards``;
:func:`deck_outline` gives the ids without that.

A cache entry is used only when everything it was made from is unchanged: the path as
given, the file's size, modification and change times (ns), device and inode, and the
loader itself (a digest of its source files). A file modified in the last two seconds is
not cached, so a second edit within one tick of the file system clock cannot go unseen.
Anything else (a different or damaged cache file, one from another version, a decoding
problem of any kind) means "parse the file", and the entry is rewritten. A card blob
found damaged or replaced (its CRC is in the head) when the cards are first used means
parsing the file then.
``trainer validate`` and live reload never use the cache: they always read the file.

Where: ``$TRAINER_DECK_CACHE`` (a directory; ``off`` disables the cache), else
``decks/`` in the user cache directory (:func:`trainer.locations.cache_dir`), out of the
progress directory that sync tools copy between machines.
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import os
import time
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trainer.lazylocations import LazyLocations
from trainer.model import (
    AnswerTests,
    Card,
    CardType,
    Cloze,
    Deck,
    Location,
    MatchPolicy,
    SchedulingSettings,
    Source,
)

if TYPE_CHECKING:
    from trainer.diagnostics import Diagnostic
    from trainer.loader import LoadResult

#: Files modified less than this long ago are not cached (see load_deck_cached).
RACY_SECONDS = 2.0
#: Bumped whenever the encoding below changes (this module is in the digest as well).
CACHE_FORMAT = 4
MAGIC = "trainer-deck-cache"
_SIZE_BYTES = 8
#: Modules whose code decides what a deck file loads as.
_LOADER_SOURCES = (
    "loader.py",
    "yamlread.py",
    "model.py",
    "textsafe.py",
    "diagnostics.py",
    "deckcache.py",
    "lazylocations.py",
)
_DEFAULT_MATCH = MatchPolicy()
#: MatchPolicy's fields in declaration order (decoded positionally).
_MATCH_FIELDS = tuple(MatchPolicy.__dataclass_fields__)
_NO_TESTS = AnswerTests()
_TYPES = {t.value: t for t in CardType}
_ID, _REVERSE, _TYPE = attrgetter("id"), attrgetter("reverse"), attrgetter("type")
#: The ``cards`` slot of Deck itself: reading it never calls CachedDeck.__getattr__.
_CARDS_SLOT = Deck.__dict__["cards"]
_loader_digest: str | None = None


def cache_dir() -> Path | None:
    """The deck cache directory, or ``None`` when disabled: ``$TRAINER_DECK_CACHE``
    (``off`` disables it), else ``decks/`` in the user cache directory. Never in the
    progress directory: that one is synced between machines, and a cache is not data."""
    env = os.environ.get("TRAINER_DECK_CACHE")
    if env:
        return None if env.strip().lower() == "off" else Path(env).expanduser()
    from trainer.locations import cache_dir as user_cache_dir

    return user_cache_dir() / "decks"


def loader_digest() -> str:
    """A digest of the loader's source: a new loader never trusts an old cache."""
    global _loader_digest
    if _loader_digest is None:
        digest = hashlib.sha1(str(CACHE_FORMAT).encode())
        package = Path(__file__).resolve().parent
        for name in _LOADER_SOURCES:
            try:
                digest.update((package / name).read_bytes())
            except OSError:
                digest.update(b"missing " + name.encode())
        _loader_digest = digest.hexdigest()
    return _loader_digest


def _entry_path(directory: Path, path: Path) -> Path:
    name = hashlib.sha1(os.fsencode(str(path))).hexdigest()[:24]
    return directory / f"{name}.marshal"


def _stamp(info: os.stat_result) -> tuple[int, ...]:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_dev, info.st_ino)


@dataclass
class DeckLoad:
    """What :func:`load_deck_cached` gives: the same two fields (and ``ok``) as
    :class:`trainer.loader.LoadResult`, without importing the loader (and YAML) when
    every deck comes from the cache."""

    deck: Deck | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no diagnostic is an error (warnings allowed)."""
        from trainer.diagnostics import Severity

        return all(d.severity is not Severity.ERROR for d in self.diagnostics)


class CachedDeck(Deck):
    """A :class:`~trainer.model.Deck` read from the cache: ``cards`` is decoded on first use.

    Everything else is there from the start, and :attr:`card_ids` and
    :attr:`one_study_card_each` tell what the queue needs to know about the cards.
    """

    __slots__ = ("_packed", "card_ids", "one_study_card_each")

    #: The ids of ``cards``, in order.
    card_ids: tuple[str, ...]
    #: No card yields siblings (no ``reverse``, no ``cloze``): one study card per card.
    one_study_card_each: bool

    def __getattr__(self, name: str) -> Any:
        # Only called for a slot never set: ``cards`` before its first use.
        if name == "cards":
            packed = object.__getattribute__(self, "_packed")
            if packed is not None:
                self.cards = _unpack_cards(self.path, packed, self.card_ids)
                self._packed = None
                return self.cards
        raise AttributeError(name)


def deck_outline(deck: Deck) -> tuple[Sequence[str], bool]:
    """The ids of ``deck``'s cards in order, and whether each card yields exactly one study
    card (no reverse side, no cloze deletions). Does not decode a :class:`CachedDeck`."""
    if isinstance(deck, CachedDeck) and not _has_cards(deck):
        return deck.card_ids, deck.one_study_card_each
    cards = deck.cards
    return list(map(_ID, cards)), _one_study_card_each(cards)


def _has_cards(deck: Deck) -> bool:
    """Whether ``deck.cards`` is set (decoded, or assigned), without decoding it."""
    try:
        _CARDS_SLOT.__get__(deck, Deck)
    except AttributeError:
        return False
    return True


def _one_study_card_each(cards: Sequence[Card]) -> bool:
    # map() with attrgetter: a 50,000-card collection is checked at every start-up.
    return not any(map(_REVERSE, cards)) and CardType.CLOZE not in map(_TYPE, cards)


def load_deck_cached(path: Path, directory: Path | None) -> DeckLoad:
    """:func:`trainer.loader.load_deck`, from the cache in ``directory`` when it is current.

    ``directory=None`` just loads. Never raises for any file or cache content.
    """
    stamp = None
    if directory is not None:
        try:
            stamp = _stamp(os.stat(path))
        except OSError:
            stamp = None
        if stamp is not None:
            entry = _entry_path(directory, path)
            cached = _read(entry, path, stamp)
            if cached is not None:
                return cached
    from trainer.loader import load_deck

    result = load_deck(path)
    if directory is not None and stamp is not None:
        try:
            # The file may have changed while it was parsed: cache only a still-current
            # load. A file changed within the last moments is not cached either: another
            # write in the same clock tick could keep size and times (git's "racy" case).
            settled = time.time_ns() - max(stamp[1], stamp[2]) >= RACY_SECONDS * 1e9
            if settled and _stamp(os.stat(path)) == stamp:
                _write(entry, path, stamp, result)
        except OSError:
            pass
    return DeckLoad(result.deck, result.diagnostics)


def _read(entry: Path, path: Path, stamp: tuple[int, ...]) -> DeckLoad | None:
    """The entry's head only: its card blob, which follows, is read on first use."""
    try:
        with open(entry, "rb") as handle:
            size = int.from_bytes(handle.read(_SIZE_BYTES), "little")
            head = handle.read(size)
        if len(head) != size:
            return None
        data = marshal.loads(head)
        if (
            data[0] != MAGIC
            or data[1] != loader_digest()
            or data[2] != str(path)
            or tuple(data[3]) != stamp
        ):
            return None
        return _decode(path, data[4], data[5], (entry, _SIZE_BYTES + size))
    except Exception:  # a cache: any problem at all means "parse the file"
        return None


def _write(entry: Path, path: Path, stamp: tuple[int, ...], result: LoadResult) -> None:
    """Entry layout: the head's size (8 bytes), the head (marshal), the card blob."""
    encoded = _encode(path, result)
    if encoded is None:
        return
    deck, diagnostics, blob = encoded
    head = marshal.dumps((MAGIC, loader_digest(), str(path), stamp, deck, diagnostics))
    temporary = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(len(head).to_bytes(_SIZE_BYTES, "little"))
            handle.write(head)
            handle.write(blob)
        os.replace(temporary, entry)
    except (OSError, ValueError):
        # No cache entry: the next start parses the file again. A half-written
        # temporary file must not stay (on a full disk each start would leak one).
        try:
            os.unlink(temporary)
        except OSError:
            pass


# -- encoding: plain tuples, positions relative to the deck file ----------------------


class _NotCacheable(Exception):
    """Something in the result does not fit the encoding: do not cache it."""


def _loc(location: Location | None, path: Path) -> tuple[int, int] | None:
    if location is None:
        return None
    if location.path != path:
        raise _NotCacheable
    return (location.line, location.column)


def _encode(path: Path, result: LoadResult) -> tuple[Any, Any, bytes] | None:
    """(deck, diagnostics, card blob): the deck as plain data with the ids of its cards
    and the blob's size and CRC; the cards themselves as one marshal blob."""
    try:
        diagnostics = tuple(
            (d.line, d.column, str(d.severity), d.code, d.message, d.card_id)
            for d in result.diagnostics
            if d.path == path or _raise()
        )
        deck = result.deck
        if deck is None:
            return None, diagnostics, b""
        if deck.path != path:
            raise _NotCacheable
        s = deck.scheduling
        cards = marshal.dumps(tuple(_encode_card(card, path) for card in deck.cards))
        encoded = (
            deck.id,
            deck.title,
            deck.description,
            tuple((src.file, src.title, _loc(src.location, path)) for src in deck.sources),
            (
                s.desired_retention,
                s.learning_steps,
                s.relearning_steps,
                s.maximum_interval,
                s.enable_fuzzing,
                s.new_per_day,
                s.reviews_per_day,
            ),
            _loc(deck.location, path),
            tuple(card.id for card in deck.cards),
            _one_study_card_each(deck.cards),
            len(cards),
            zlib.crc32(cards),
        )
        return encoded, diagnostics, cards
    except _NotCacheable:
        return None


def _raise() -> bool:
    raise _NotCacheable


def _encode_card(card: Card, path: Path) -> tuple:
    m = card.match
    match = None if m == _DEFAULT_MATCH else tuple(getattr(m, name) for name in _MATCH_FIELDS)
    tests = None if card.tests == _NO_TESTS else (card.tests.accept, card.tests.reject)
    numbers = array("l")
    for location in card.field_locations.values():
        numbers.extend(_loc(location, path))  # type: ignore[arg-type]
    # Field names repeat from card to card: kept once, as one string.
    names = "\0".join(card.field_locations)
    if names.count("\0") != max(0, len(card.field_locations) - 1):
        raise _NotCacheable
    locations = (names, numbers.tobytes())
    return (
        card.id,
        card.type.value,
        *_loc(card.location, path),
        card.tags,
        card.sources,
        card.explanation,
        card.front,
        card.back,
        card.reverse,
        card.question,
        card.answer,
        card.alternatives,
        card.wrong,
        match,
        tests,
        card.options,
        card.answers,
        card.items,
        card.truth,
        tuple(
            (c.number, c.answers, c.hints, c.alternatives, c.tests.accept, c.tests.reject)
            for c in card.clozes
        ),
        tuple(locations),
    )


def _problems(path: Path, diagnostics: Any) -> list[Diagnostic]:
    # Imported here: a start-up with nothing to report never needs the module.
    from trainer.diagnostics import Diagnostic, Severity

    return [
        Diagnostic(path, line, column, Severity(severity), code, message, card_id)
        for line, column, severity, code, message, card_id in diagnostics
    ]


def _decode(path: Path, encoded: Any, diagnostics: Any, blob_at: tuple[Path, int]) -> DeckLoad:
    problems = _problems(path, diagnostics) if diagnostics else []
    if encoded is None:
        return DeckLoad(None, problems)
    (deck_id, title, description, sources, scheduling, location, card_ids, one_each, size, crc) = (
        encoded
    )
    if type(card_ids) is not tuple or type(one_each) is not bool or type(size) is not int:
        raise ValueError("damaged cache entry")
    deck = CachedDeck(
        id=deck_id,
        title=title,
        path=path,
        description=description,
        sources=tuple(
            Source(file, source_title, _location(path, where))
            for file, source_title, where in sources
        ),
        scheduling=SchedulingSettings(*scheduling),
        location=_location(path, location),
    )
    del deck.cards  # made on first use, from:
    deck._packed = (*blob_at, size, crc)
    deck.card_ids = card_ids
    deck.one_study_card_each = one_each
    return DeckLoad(deck, problems)


def _unpack_cards(
    path: Path, packed: tuple[Path, int, int, int], card_ids: tuple[str, ...]
) -> list[Card]:
    """The cards of a :class:`CachedDeck`, from the blob in its cache entry.

    Should the blob be gone, damaged or replaced since (its CRC tells) or not decode, the
    deck file is parsed instead; its cards are used only if they are the same ids in the
    same order, so that a card is never shown (or graded) under another card's key.
    Otherwise the deck is given no cards at all.
    """
    entry, offset, size, crc = packed
    # Tens of thousands of objects and no cycles: the cyclic collector would only walk
    # them again and again (the loader does the same).
    collecting = gc.isenabled()
    gc.disable()
    try:
        with open(entry, "rb") as handle:
            handle.seek(offset)
            blob = handle.read(size + 1)
        if len(blob) == size and zlib.crc32(blob) == crc:
            cards = [_decode_card(path, card) for card in marshal.loads(blob)]
            if tuple(card.id for card in cards) == card_ids:
                return cards
    except Exception:  # a cache: any problem means "parse the file"
        pass
    finally:
        if collecting:
            gc.enable()
    from trainer.loader import load_deck

    deck = load_deck(path).deck
    if deck is not None and tuple(card.id for card in deck.cards) == card_ids:
        return deck.cards
    return []


def _location(path: Path, where: tuple[int, int] | None) -> Location | None:
    return None if where is None else Location(path, where[0], where[1])


def _decode_card(path: Path, t: tuple) -> Card:
    match = _DEFAULT_MATCH if t[14] is None else MatchPolicy(*t[14])
    tests = _NO_TESTS if t[15] is None else AnswerTests(*t[15])
    clozes = (
        tuple(
            Cloze(number, answers, hints, alternatives, AnswerTests(accept, reject))
            for number, answers, hints, alternatives, accept, reject in t[20]
        )
        if t[20]
        else ()
    )
    return Card(
        t[0],
        _TYPES[t[1]],
        Location(path, t[2], t[3]),
        t[4],
        t[5],
        t[6],
        t[7],
        t[8],
        t[9],
        t[10],
        t[11],
        t[12],
        t[13],
        match,
        tests,
        t[16],
        t[17],
        t[18],
        t[19],
        clozes,
        FieldLocations(path, t[21]),
    )


class FieldLocations(LazyLocations):
    """``Card.field_locations`` read from the cache: filled on first use."""

    __slots__ = ("_packed", "_path")

    def __init__(self, path: Path, packed: tuple) -> None:
        super().__init__()
        self._path = path
        self._packed: tuple | None = packed

    def _fill(self) -> None:
        names, raw = self._packed  # type: ignore[misc]
        self._packed = None
        if names:
            numbers = array("l")
            numbers.frombytes(raw)
            path = self._path
            for i, name in enumerate(names.split("\0")):
                dict.__setitem__(self, name, Location(path, numbers[2 * i], numbers[2 * i + 1]))


__all__ = [
    "CachedDeck",
    "DeckLoad",
    "cache_dir",
    "deck_outline",
    "load_deck_cached",
    "loader_digest",
]
