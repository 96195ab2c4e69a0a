"""A per-file cache of loaded decks, so a start-up does not parse unchanged YAML again.

Parsing a deck file (YAML with positions, then every field checked) costs about 75 ms
per 1,000 cards; reading the cached result back costs a few. Each deck file gets one
cache file holding the loaded :class:`~trainer.model.Deck` and the loader's
diagnostics as plain tuples (:mod:`marshal`: data only, never code or arbitrary objects).

A cache entry is used only when everything it was made from is unchanged: the path as
given, the file's size, modification and change times (ns), device and inode, and the
loader itself (a digest of its source files). A file modified in the last two seconds is
not cached, so a second edit within one tick of the file system clock cannot go unseen. Anything else (a different or damaged
cache file, one from another version, a decoding problem of any kind) means "parse the
file", and the entry is rewritten. ``trainer validate`` and live reload never use the
cache: they always read the file.

Where: ``$TRAINER_DECK_CACHE`` (a directory; ``off`` disables the cache), else
``.cache/decks/`` in the progress directory (next to the progress snapshot, also a
disposable cache).
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import os
import time
from array import array
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    from trainer.loader import LoadResult

#: Files modified less than this long ago are not cached (see load_deck_cached).
RACY_SECONDS = 2.0
#: Bumped whenever the encoding below changes.
CACHE_FORMAT = 2
MAGIC = "trainer-deck-cache"
#: Modules whose code decides what a deck file loads as.
_LOADER_SOURCES = ("loader.py", "yamlread.py", "model.py", "textsafe.py", "diagnostics.py")
_DEFAULT_MATCH = MatchPolicy()
_NO_TESTS = AnswerTests()
_TYPES = {t.value: t for t in CardType}
_loader_digest: str | None = None


def cache_dir(progress_dir: Path) -> Path | None:
    """The deck cache directory for ``progress_dir``, or ``None`` when disabled."""
    env = os.environ.get("TRAINER_DECK_CACHE")
    if env:
        return None if env.strip().lower() == "off" else Path(env).expanduser()
    return progress_dir / ".cache" / "decks"


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
    try:
        with open(entry, "rb") as handle:
            data = marshal.loads(handle.read())
        if (
            data[0] != MAGIC or data[1] != loader_digest() or data[2] != str(path)
            or tuple(data[3]) != stamp
        ):
            return None
        return _decode(path, data[4], data[5])
    except Exception:  # a cache: any problem at all means "parse the file"
        return None


def _write(entry: Path, path: Path, stamp: tuple[int, ...], result: LoadResult) -> None:
    encoded = _encode(path, result)
    if encoded is None:
        return
    data = (MAGIC, loader_digest(), str(path), stamp, *encoded)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        temporary = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
        with open(temporary, "wb") as handle:
            marshal.dump(data, handle)
        os.replace(temporary, entry)
    except (OSError, ValueError):
        pass  # no cache entry: the next start parses the file again


# -- encoding: plain tuples, positions relative to the deck file ----------------------


class _NotCacheable(Exception):
    """Something in the result does not fit the encoding: do not cache it."""


def _loc(location: Location | None, path: Path) -> tuple[int, int] | None:
    if location is None:
        return None
    if location.path != path:
        raise _NotCacheable
    return (location.line, location.column)


def _encode(path: Path, result: LoadResult) -> tuple[Any, Any] | None:
    try:
        diagnostics = tuple(
            (d.line, d.column, str(d.severity), d.code, d.message, d.card_id)
            for d in result.diagnostics
            if d.path == path or _raise()
        )
        deck = result.deck
        if deck is None:
            return None, diagnostics
        if deck.path != path:
            raise _NotCacheable
        s = deck.scheduling
        encoded = (
            deck.id, deck.title, deck.description,
            tuple((src.file, src.title, _loc(src.location, path)) for src in deck.sources),
            (s.desired_retention, s.learning_steps, s.relearning_steps, s.maximum_interval,
             s.enable_fuzzing, s.new_per_day, s.reviews_per_day),
            _loc(deck.location, path),
            tuple(_encode_card(card, path) for card in deck.cards),
        )
        return encoded, diagnostics
    except _NotCacheable:
        return None


def _raise() -> bool:
    raise _NotCacheable


def _encode_card(card: Card, path: Path) -> tuple:
    m = card.match
    match = None if m == _DEFAULT_MATCH else (
        m.case_sensitive, m.accent_sensitive, m.ignore_punctuation, m.numeric_tolerance,
        m.max_typos)
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
        card.id, card.type.value, *_loc(card.location, path), card.tags, card.sources,
        card.explanation, card.front, card.back, card.reverse, card.question, card.answer,
        card.alternatives, card.wrong, match, tests, card.options, card.answers, card.items,
        card.truth,
        tuple((c.number, c.answers, c.hints, c.alternatives, c.tests.accept, c.tests.reject)
              for c in card.clozes),
        tuple(locations),
    )


def _decode(path: Path, encoded: Any, diagnostics: Any) -> LoadResult:
    # Tens of thousands of objects and no cycles: the cyclic collector would only walk
    # them again and again (the loader does the same).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _decode_result(path, encoded, diagnostics)
    finally:
        if collecting:
            gc.enable()


def _decode_result(path: Path, encoded: Any, diagnostics: Any) -> LoadResult:
    from trainer.diagnostics import Diagnostic, Severity
    from trainer.loader import LoadResult

    problems = [Diagnostic(path, line, column, Severity(severity), code, message, card_id)
                for line, column, severity, code, message, card_id in diagnostics]
    if encoded is None:
        return LoadResult(None, problems)
    (deck_id, title, description, sources, scheduling, location, cards) = encoded
    deck = Deck(
        id=deck_id, title=title, path=path, description=description,
        sources=tuple(Source(file, source_title, _location(path, where))
                      for file, source_title, where in sources),
        scheduling=SchedulingSettings(*scheduling),
        cards=[_decode_card(path, card) for card in cards],
        location=_location(path, location),
    )
    return LoadResult(deck, problems)


def _location(path: Path, where: tuple[int, int] | None) -> Location | None:
    return None if where is None else Location(path, where[0], where[1])


def _decode_card(path: Path, t: tuple) -> Card:
    match = _DEFAULT_MATCH if t[14] is None else MatchPolicy(*t[14])
    tests = _NO_TESTS if t[15] is None else AnswerTests(*t[15])
    clozes = tuple(
        Cloze(number, answers, hints, alternatives, AnswerTests(accept, reject))
        for number, answers, hints, alternatives, accept, reject in t[20]
    ) if t[20] else ()
    return Card(
        t[0], _TYPES[t[1]], Location(path, t[2], t[3]), t[4], t[5], t[6], t[7], t[8], t[9],
        t[10], t[11], t[12], t[13], match, tests, t[16], t[17], t[18], t[19], clozes,
        FieldLocations(path, t[21]),
    )


class FieldLocations(dict):  # type: ignore[type-arg]
    """``Card.field_locations`` read from the cache: filled on first use.

    A 50,000-card collection has some 300,000 field locations, wanted only when a
    problem is reported; making them all at start-up took longer than reading the cache.
    """

    __slots__ = ("_path", "_packed")

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

    def _filled(name: str):  # type: ignore[no-untyped-def]  # noqa: N805
        method = getattr(dict, name)

        def filled(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            if self._packed is not None:
                self._fill()
            return method(self, *args, **kwargs)

        filled.__name__ = name
        return filled

    for _name in ("__getitem__", "get", "__contains__", "__iter__", "__len__", "keys",
                  "values", "items", "__repr__", "__eq__", "__ne__", "copy", "pop",
                  "popitem", "setdefault", "update", "__setitem__", "__delitem__", "clear",
                  "__or__", "__ror__", "__ior__", "__reversed__", "__reduce_ex__"):
        locals()[_name] = _filled(_name)
    del _name, _filled
    __hash__ = None  # type: ignore[assignment]


__all__ = ["cache_dir", "load_deck_cached", "loader_digest"]
