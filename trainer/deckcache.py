"""A per-file cache of loaded decks, so a start-up does not parse unchanged YAML again.

Parsing a deck file (YAML with positions, then every field checked) costs about 75 ms
per 1,000 cards. Each deck file gets one cache file holding the loaded
:class:`~trainer.model.Deck` and the loader's diagnostics as plain tuples
(:mod:`marshal`: data only, never code or arbitrary objects).

A start-up needs each deck's header and its study keys (to build today's queue), and
then one card, not 50,000 card objects. So an entry is a small head (the deck without
its cards, its :class:`~trainer.model.StudyOutline` packed as one string and one array,
the diagnostics), then two sections: the card ids with their study variants, and the
cards, each card a marshal blob of its own. A deck read from the cache gets its cards
from a :class:`~trainer.model.CardSource` that reads the ids when a card is first looked
up, decodes one card for :meth:`~trainer.model.Deck.card_at`, and every card on first use
of ``deck.cards``. Cards are encoded field by field, by name (see the codec below): a
test round-trips every field of every card type.

A cache entry is used only when everything it was made from is unchanged: the path as
given, the file's size, modification and change times (ns), device and inode, and the
loader itself (a digest of its source files). A file modified in the last two seconds is
not cached, so a second edit within one tick of the file system clock cannot go unseen.
Anything else (a different or damaged cache file, one from another version, a decoding
problem of any kind) means "parse the file", and the entry is rewritten. A section
found damaged or replaced (its CRC is in the head) when it is first read means parsing
the file then.
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
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from msgspec import Struct

from trainer.deckformat import DECK_FIELDS, SOURCE_FIELDS, Kind
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
from trainer.textpack import pack_texts, unpack_texts

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
CACHE_FORMAT = 10
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
    "textpack.py",
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


def load_deck_cached(path: Path, directory: Path | None, *, update: bool = True) -> LoadResult:
    """:func:`trainer.loader.load_deck`, from the cache in ``directory`` when it is current.

    ``directory=None`` just loads; ``update=False`` reads the cache but never writes it.
    Never raises for any file or cache content.
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
    if update and directory is not None and stamp is not None:
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
    """The entry's head only: the sections that follow are read when first needed."""
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
    """Entry layout: the head's size (8 bytes), the head (marshal), then the sections
    the head gives the sizes and CRCs of: the card ids, the cards."""
    encoded = _encode(path, result)
    if encoded is None:
        return
    deck, diagnostics, sections = encoded
    head = marshal.dumps((MAGIC, loader_digest(), str(path), stamp, deck, diagnostics))
    temporary = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(len(head).to_bytes(_SIZE_BYTES, "little"))
            handle.write(head)
            for section in sections:
                handle.write(section)
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
_SOURCE_NAMES = tuple(spec.attribute for spec in SOURCE_FIELDS)
_DEFAULT_MATCH = MatchPolicy()
_NO_TESTS = AnswerTests()
_TYPES = {t.value: t for t in CardType}


def _record(value: Any, names: tuple[str, ...]) -> tuple:
    return tuple(getattr(value, name) for name in names)


def _encode_sources(sources: tuple[Source, ...], path: Path) -> tuple:
    return tuple(
        (_record(source, _SOURCE_NAMES), _loc(source.location, path)) for source in sources
    )


def _decode_sources(path: Path, encoded: Any) -> tuple[Source, ...]:
    return tuple(
        Source(**dict(zip(_SOURCE_NAMES, values, strict=True)), location=_location(path, where))
        for values, where in encoded
    )


def _location(path: Path, where: tuple[int, int] | None) -> Location | None:
    return None if where is None else Location(path, where[0], where[1])


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


#: The deck header, by the declaration's attributes (DECK_FIELDS: format is read and not
#: kept, cards are stored apart) and the deck's location: name -> (encode, decode).
_HEADER_CODECS: dict[str, tuple[Callable[[Any, Path], Any], Callable[[Path, Any], Any]]] = {
    **{
        spec.attribute: (lambda value, path: value, lambda path, value: value)
        for spec in DECK_FIELDS
        if spec.kind is not Kind.FORMAT and spec.kind is not Kind.CARDS
    },
    "sources": (_encode_sources, _decode_sources),
    "scheduling": (
        lambda value, path: _record(value, _SCHEDULING_NAMES),
        lambda path, value: SchedulingSettings(*value),
    ),
    "location": (_loc, _location),
}
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
    """The cards of the deck file ``path`` as one marshal blob, by the cache's card codec
    (how ``trainer validate``'s workers send their cards); :class:`ValueError` for a card
    that does not fit it (a location in another file)."""
    return marshal.dumps(tuple(_encode_card(card, path) for card in cards))


def decode_cards(path: Path, blob: bytes) -> list[Card]:
    """The cards :func:`encode_cards` made ``blob`` of."""
    return [_decode_card(path, card) for card in marshal.loads(blob)]


def _encode(path: Path, result: LoadResult) -> tuple[Any, Any, tuple[bytes, ...]] | None:
    """(deck, diagnostics, sections): the deck as plain data with its study outline and
    the size and CRC of each section; the sections are the card ids with their study
    variants, and the cards, each card a marshal blob of its own (a start-up shows one
    card of a deck: it decodes that one only)."""
    try:
        diagnostics = tuple(
            (d.line, d.column, str(d.severity), d.code, d.message, d.card_id)
            for d in result.diagnostics
            if d.path == path or _raise()
        )
        deck = result.deck
        if deck is None:
            return None, diagnostics, ()
        if deck.path != path:
            raise _NotCacheable
        card_ids = tuple(card.id for card in deck.cards)
        variants = study_variants_of(deck.cards)
        ids = marshal.dumps((card_ids, variants))
        cards = marshal.dumps(tuple(marshal.dumps(_encode_card(card, path)) for card in deck.cards))
        keys, bounds, duplicated = study_outline(deck.id, card_ids, variants)
        header = {
            name: encode(getattr(deck, name), path) for name, (encode, _) in _HEADER_CODECS.items()
        }
        encoded = (
            header,
            pack_texts(list(keys)),
            array("q", bounds).tobytes(),
            duplicated,
            (len(ids), zlib.crc32(ids)),
            (len(cards), zlib.crc32(cards)),
        )
        return encoded, diagnostics, (ids, cards)
    except _NotCacheable:
        return None


def _raise() -> bool:
    raise _NotCacheable


def _problems(path: Path, diagnostics: Any) -> list[Diagnostic]:
    return [
        Diagnostic(path, line, column, Severity(severity), code, message, card_id)
        for line, column, severity, code, message, card_id in diagnostics
    ]


def _decode(path: Path, encoded: Any, diagnostics: Any, offset: tuple[Path, int]) -> LoadResult:
    problems = _problems(path, diagnostics) if diagnostics else []
    if encoded is None:
        return LoadResult(None, problems)
    (
        header,
        packed_keys,
        packed_bounds,
        duplicated,
        (ids_size, ids_crc),
        (cards_size, cards_crc),
    ) = encoded
    keys = unpack_texts(packed_keys)
    bounds = array("q")
    bounds.frombytes(packed_bounds)
    if (
        type(duplicated) is not bool
        or len(bounds) % 2
        or (bounds and (min(bounds) < 0 or max(bounds) > len(keys)))
    ):
        raise ValueError("damaged cache entry")
    entry, ids_at = offset
    if set(header) != set(_HEADER_CODECS):
        raise ValueError("damaged cache entry")
    deck = Deck(
        path=path,
        **{name: _HEADER_CODECS[name][1](path, value) for name, value in header.items()},
        card_source=_CardBlob(
            path,
            entry,
            (ids_at, ids_size, ids_crc),
            (ids_at + ids_size, cards_size, cards_crc),
            StudyOutline(keys, bounds, duplicated),
        ),
    )
    return LoadResult(deck, problems)


class _CardBlob:
    """The cards of a deck read from the cache (a :class:`~trainer.model.CardSource`):
    the sections of its ``entry`` (each an ``(offset, size, crc)``), read when first
    needed: the card ids when a card is first looked up, a card when it is first shown,
    every card when the deck's cards are first used.

    Should a section be gone, damaged or replaced since (its CRC tells) or not decode,
    the deck file is parsed instead; its cards are used only if they are the same ids in
    the same order, so that a card is never shown (or graded) under another card's key.
    Otherwise the deck is given no cards at all.
    """

    __slots__ = (
        "_all",
        "_ids",
        "_made",
        "_outline",
        "_packed",
        "cards_at",
        "entry",
        "ids_at",
        "path",
    )

    def __init__(
        self,
        path: Path,
        entry: Path,
        ids_at: tuple[int, int, int],
        cards_at: tuple[int, int, int],
        outline: StudyOutline,
    ) -> None:
        self.path, self.entry, self.ids_at, self.cards_at = path, entry, ids_at, cards_at
        self._outline = outline
        self._ids: tuple[tuple[str, ...], tuple[tuple[str, ...], ...] | None] | None = None
        self._packed: tuple[bytes, ...] | None = None
        #: Cards made one at a time (a study card and its reverse side share one).
        self._made: dict[int, Card] = {}
        self._all: list[Card] | None = None

    def study_outline(self, deck_id: str) -> StudyOutline:
        if self._outline.keys and not self._outline.keys[0].startswith(deck_id + "/"):
            return study_outline(deck_id, self.card_ids, self.variants)
        return self._outline

    def _section(self, where: tuple[int, int, int]) -> Any:
        offset, size, crc = where
        with open(self.entry, "rb") as handle:
            handle.seek(offset)
            blob = handle.read(size)
        if len(blob) != size or zlib.crc32(blob) != crc:
            raise ValueError("damaged cache entry")
        return marshal.loads(blob)

    def _outline_of_cards(self) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...] | None]:
        if self._ids is None:
            try:
                card_ids, variants = self._section(self.ids_at)
                if type(card_ids) is not tuple or not (
                    variants is None or (type(variants) is tuple and len(variants) == len(card_ids))
                ):
                    raise ValueError("damaged cache entry")
                self._ids = (card_ids, variants)
            except Exception:  # a cache: any problem means "parse the file"
                cards = self._parsed()
                self._ids = (tuple(card.id for card in cards), study_variants_of(cards))
        return self._ids

    @property
    def card_ids(self) -> tuple[str, ...]:
        return self._outline_of_cards()[0]

    @property
    def variants(self) -> tuple[tuple[str, ...], ...] | None:
        return self._outline_of_cards()[1]

    def _cards_packed(self) -> tuple[bytes, ...]:
        if self._packed is None:
            packed = self._section(self.cards_at)
            if type(packed) is not tuple or len(packed) != len(self.card_ids):
                raise ValueError("damaged cache entry")
            self._packed = packed
        return self._packed

    def card_at(self, position: int) -> Card | None:
        made = self._made.get(position)
        if made is not None:
            return made
        try:
            packed = self._cards_packed()
            if not 0 <= position < len(packed):
                return None
            card = _decode_card(self.path, marshal.loads(packed[position]))
            if card.id == self.card_ids[position]:
                self._made[position] = card
                return card
        except Exception:  # a cache: any problem means "parse the file"
            pass
        cards = self.load()
        return cards[position] if 0 <= position < len(cards) else None

    def load(self) -> list[Card]:
        if self._all is None:
            self._all = self._decoded_or_parsed()
        return self._all

    def _decoded_or_parsed(self) -> list[Card]:
        path, made = self.path, self._made
        try:
            cards = [
                made.get(position) or _decode_card(path, marshal.loads(card))
                for position, card in enumerate(self._cards_packed())
            ]
            if tuple(card.id for card in cards) == self.card_ids:
                return cards
        except Exception:  # a cache: any problem means "parse the file"
            pass
        return self._parsed()

    def _parsed(self) -> list[Card]:
        from trainer.loader import load_deck

        deck = load_deck(self.path).deck
        cards = [] if deck is None else deck.cards
        if self._ids is not None and tuple(card.id for card in cards) != self._ids[0]:
            return []
        return cards
