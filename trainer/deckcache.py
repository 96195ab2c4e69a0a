"""A per-file cache of loaded decks, so a start-up does not parse unchanged YAML again.

Parsing a deck file (YAML with positions, then every field checked) costs about 75 ms
per 1,000 cards. Each deck file gets one cache file holding the loaded
:class:`~trainer.model.Deck` and the loader's diagnostics as plain tuples
(:mod:`marshal`: data only, never code or arbitrary objects).

A start-up needs each deck's header and the ids of its cards (to build today's queue),
not 50,000 card objects. So an entry is a small head (the deck without its cards, the
ids, the diagnostics) followed by the cards as one marshal blob, and a deck read from the
cache gets its cards from a :class:`~trainer.model.CardSource` that reads and decodes the
blob on first use of ``deck.cards``; :meth:`~trainer.model.Deck.outline` gives the ids
without that. Cards are encoded field by field, by name (see the codec below): a test
round-trips every field of every card type.

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

import contextlib
import hashlib
import marshal
import os
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from msgspec import Struct

from trainer.diagnostics import Diagnostic, LoadResult, Severity
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
    StudyOutline,
    study_outline,
    study_variants_of,
)

__all__ = [
    "cache_dir",
    "decode_cards",
    "encode_cards",
    "load_deck_cached",
    "loader_digest",
]

#: Files modified less than this long ago are not cached (see load_deck_cached).
RACY_SECONDS = 2.0
#: Bumped whenever the encoding below changes (this module is in the digest as well).
CACHE_FORMAT = 8
MAGIC = "trainer-deck-cache"
_SIZE_BYTES = 8
#: Modules whose code decides what a deck file loads as.
_LOADER_SOURCES = (
    "loader.py",
    "deckread.py",
    "deckformat.py",
    "cloze.py",
    "yamlread.py",
    "model.py",
    "textsafe.py",
    "diagnostics.py",
    "deckcache.py",
)
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


def load_deck_cached(path: Path, directory: Path | None) -> LoadResult:
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
    return result


def _read(entry: Path, path: Path, stamp: tuple[int, ...]) -> LoadResult | None:
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
        with contextlib.suppress(OSError):
            os.unlink(temporary)


# -- the codec: plain tuples, positions relative to the deck file ---------------------
#
# Every record (deck header, card, match policy, ...) is a tuple of the model class's
# fields in declaration order, made and read from one list of field names
# (``__struct_fields__``), so an encoder and its decoder cannot disagree on a position.
# Fields with a value that marshal cannot hold as is have a codec of their own, by name.


class _NotCacheable(ValueError):
    """Something in the result does not fit the encoding: do not cache it."""


def _names(model: type[Struct]) -> tuple[str, ...]:
    return model.__struct_fields__


_SCHEDULING_NAMES = _names(SchedulingSettings)
_MATCH_NAMES = _names(MatchPolicy)
_CLOZE_NAMES = _names(Cloze)
_TESTS_NAMES = _names(AnswerTests)
_DEFAULT_MATCH = MatchPolicy()
_NO_TESTS = AnswerTests()
_TYPES = {t.value: t for t in CardType}


def _record(value: Any, names: tuple[str, ...]) -> tuple:
    return tuple(getattr(value, name) for name in names)


def _loc(location: Location | None, path: Path) -> tuple[int, int] | None:
    if location is None:
        return None
    if location.path != path:
        raise _NotCacheable
    return (location.line, location.column)


def _positions(positions: dict[str, tuple[int, int]], path: Path) -> dict[str, tuple[int, int]]:
    if type(positions) is not dict:
        raise _NotCacheable
    return positions


def _encode_tests(tests: AnswerTests) -> tuple | None:
    return None if tests == _NO_TESTS else _record(tests, _TESTS_NAMES)


def _decode_tests(encoded: tuple | None) -> AnswerTests:
    return _NO_TESTS if encoded is None else AnswerTests(*encoded)


def _encode_cloze(cloze: Cloze) -> tuple:
    return tuple(
        _encode_tests(value) if name == "tests" else value
        for name, value in zip(_CLOZE_NAMES, _record(cloze, _CLOZE_NAMES), strict=True)
    )


def _decode_cloze(encoded: tuple) -> Cloze:
    values: list[Any] = [
        _decode_tests(value) if name == "tests" else value
        for name, value in zip(_CLOZE_NAMES, encoded, strict=True)
    ]
    return Cloze(*values)


#: Card fields stored other than as they are: name -> (encode, decode). ``encode`` gets
#: the value and the deck file's path, ``decode`` the path and the stored value.
_CARD_CODECS: dict[str, tuple[Callable[[Any, Path], Any], Callable[[Path, Any], Any]]] = {
    "type": (lambda value, path: value.value, lambda path, value: _TYPES[value]),
    "location": (_loc, lambda path, value: Location(path, *value)),
    "match": (
        lambda value, path: None if value == _DEFAULT_MATCH else _record(value, _MATCH_NAMES),
        lambda path, value: _DEFAULT_MATCH if value is None else MatchPolicy(*value),
    ),
    "tests": (lambda value, path: _encode_tests(value), lambda path, value: _decode_tests(value)),
    "clozes": (
        lambda value, path: tuple(map(_encode_cloze, value)),
        lambda path, value: tuple(map(_decode_cloze, value)) if value else (),
    ),
    # A dict of pairs, as it is: marshal makes it in C, and the field names repeat as
    # references to one string where the reader shared them (list item labels).
    "field_positions": (_positions, lambda path, value: value),
}
_CARD_NAMES = _names(Card)
_ENCODERS = tuple(_CARD_CODECS[name][0] if name in _CARD_CODECS else None for name in _CARD_NAMES)
_DECODERS = tuple(
    (index, _CARD_CODECS[name][1]) for index, name in enumerate(_CARD_NAMES) if name in _CARD_CODECS
)


def _encode_card(card: Card, path: Path) -> tuple:
    return tuple(
        value if encode is None else encode(value, path)
        for encode, value in zip(_ENCODERS, _record(card, _CARD_NAMES), strict=True)
    )


def _decode_card(path: Path, encoded: tuple) -> Card:
    if len(encoded) != len(_CARD_NAMES):
        raise ValueError("damaged cache entry")
    values = list(encoded)
    for index, decode in _DECODERS:
        values[index] = decode(path, values[index])
    return Card(*values)


def encode_cards(cards: Sequence[Card], path: Path) -> bytes:
    """The cards of the deck file ``path`` as one marshal blob, by the cache's codec
    (``trainer validate`` sends a worker's cards this way too); :class:`ValueError` for a
    card that does not fit it (a location in another file)."""
    return marshal.dumps(tuple(_encode_card(card, path) for card in cards))


def decode_cards(path: Path, blob: bytes) -> list[Card]:
    """The cards :func:`encode_cards` made ``blob`` of."""
    return [_decode_card(path, card) for card in marshal.loads(blob)]


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
        cards = encode_cards(deck.cards, path)
        card_ids = tuple(card.id for card in deck.cards)
        variants = study_variants_of(deck.cards)
        encoded = (
            deck.id,
            deck.title,
            deck.description,
            tuple((src.file, src.title, _loc(src.location, path)) for src in deck.sources),
            _record(deck.scheduling, _SCHEDULING_NAMES),
            _loc(deck.location, path),
            card_ids,
            variants,
            tuple(study_outline(card_ids, variants)),
            len(cards),
            zlib.crc32(cards),
        )
        return encoded, diagnostics, cards
    except _NotCacheable:
        return None


def _raise() -> bool:
    raise _NotCacheable


def _problems(path: Path, diagnostics: Any) -> list[Diagnostic]:
    return [
        Diagnostic(path, line, column, Severity(severity), code, message, card_id)
        for line, column, severity, code, message, card_id in diagnostics
    ]


def _decode(path: Path, encoded: Any, diagnostics: Any, blob_at: tuple[Path, int]) -> LoadResult:
    problems = _problems(path, diagnostics) if diagnostics else []
    if encoded is None:
        return LoadResult(None, problems)
    (
        deck_id,
        title,
        description,
        sources,
        scheduling,
        location,
        card_ids,
        variants,
        (study_keys, groups, duplicated),
        size,
        crc,
    ) = encoded
    if (
        type(card_ids) is not tuple
        or not (variants is None or (type(variants) is tuple and len(variants) == len(card_ids)))
        or type(study_keys) is not tuple
        or type(groups) is not tuple
        or type(duplicated) is not bool
        or type(size) is not int
    ):
        raise ValueError("damaged cache entry")
    deck = Deck(
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
        card_source=_CardBlob(
            path,
            *blob_at,
            size,
            crc,
            card_ids,
            variants,
            StudyOutline(study_keys, groups, duplicated),
        ),
    )
    return LoadResult(deck, problems)


def _location(path: Path, where: tuple[int, int] | None) -> Location | None:
    return None if where is None else Location(path, where[0], where[1])


class _CardBlob:
    """The cards of a deck read from the cache (a :class:`~trainer.model.CardSource`):
    the blob at ``offset`` in ``entry``, decoded when the deck's cards are first used.

    Should the blob be gone, damaged or replaced since (its CRC tells) or not decode, the
    deck file is parsed instead; its cards are used only if they are the same ids in the
    same order, so that a card is never shown (or graded) under another card's key.
    Otherwise the deck is given no cards at all.
    """

    __slots__ = ("card_ids", "crc", "entry", "offset", "path", "size", "study_outline", "variants")

    def __init__(
        self,
        path: Path,
        entry: Path,
        offset: int,
        size: int,
        crc: int,
        card_ids: tuple[str, ...],
        variants: tuple[tuple[str, ...], ...] | None,
        study_outline: StudyOutline,
    ) -> None:
        self.path, self.entry, self.offset, self.size, self.crc = path, entry, offset, size, crc
        self.card_ids = card_ids
        self.variants = variants
        self.study_outline = study_outline

    def load(self) -> list[Card]:
        path = self.path
        try:
            with open(self.entry, "rb") as handle:
                handle.seek(self.offset)
                blob = handle.read(self.size + 1)
            if len(blob) == self.size and zlib.crc32(blob) == self.crc:
                cards = decode_cards(path, blob)
                if tuple(card.id for card in cards) == self.card_ids:
                    return cards
        except Exception:  # a cache: any problem means "parse the file"
            pass
        from trainer.loader import load_deck

        deck = load_deck(path).deck
        if deck is not None and tuple(card.id for card in deck.cards) == self.card_ids:
            return deck.cards
        return []
