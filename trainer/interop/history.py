"""Anki's review log (revlog) as a progress log of its own.

Each Anki answer becomes a ``review`` event in ``reviews-anki-import.jsonl`` (the device
``anki-import``), in the progress store's own line format, so replay, ``trainer stats``
and ``trainer optimize`` read it like any other device's log.

* ``grade`` is Anki's button (1-4), ``duration_ms`` its answer time, ``time`` its answer
  time stamp. Rows without a button (manual reschedules, "set due date", resets) are
  not answers and are left out (counted), and so are rows whose time is not a date the
  log can hold (a damaged revlog).
* ``after`` is the state the answer left: due at Anki's own interval (``ivl``: days, or
  seconds when negative), learning/relearning/review from that interval, and FSRS
  stability and difficulty from the card's whole history, computed by FSRS's reference
  implementation (``fsrs-rs``) with the default weights. So the schedule continues where
  Anki left it, and ``trainer optimize`` can fit on the history at once.
* Event ids are derived from the note GUID, the card and the revlog id, and ``prev``
  chains each card's answers: importing the same package again appends nothing, and a
  later package appends only the answers given since.

A first import writes the log in one go, as bulk output is written: into a temporary
file beside it, fsynced, then renamed into place (and the directory fsynced), so an
interrupted import leaves no log at all rather than part of one. The Anki import does
that in a second process (:mod:`trainer.interop.history_process`, through
:func:`answered_cards` and :func:`encode_answered`, the same encoder). Importing into an
existing log appends through the store's log writer (locked, whole lines, fsynced).
Either way the lines are encoded a batch of cards at a time: memory stays bounded by
the batch, not by the history.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import operator
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from msgspec import Struct

from trainer.clock import Clock
from trainer.durable import fsync_directory
from trainer.progress.events import (
    FIRST_YEAR,
    LAST_YEAR,
    header_line,
    now_text,
)
from trainer.progress.logfile import LogLock, LogWriter, read_log, remove_quietly
from trainer.scheduling import LEARNING, RELEARNING, REVIEW

__all__ = [
    "DEVICE",
    "AnsweredCard",
    "CardHistory",
    "HistoryResult",
    "answered_cards",
    "card_sources",
    "connect_collection",
    "encode_ahead",
    "encode_answered",
    "event_source",
    "finish_new_log",
    "log_path",
    "revlog_histories",
    "temporary_log",
    "write_batches",
    "write_history",
    "write_new_log",
]

DEVICE = "anki-import"
#: Answers encoded (and written) per batch.
_BATCH = 20_000
_DAY_MS = 86_400_000
_HOUR_MS = 3_600_000
_ROLLOVER_MS = 4 * _HOUR_MS  # the study day starts at 4 am, as Anki's does by default
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
#: Answer times the log can hold (the store refuses lines outside these years).
_FIRST_MS = int(datetime(FIRST_YEAR, 1, 2, tzinfo=UTC).timestamp() * 1000)
_LAST_MS = int(datetime(LAST_YEAR - 1, 12, 1, tzinfo=UTC).timestamp() * 1000)


class CardHistory(Struct, frozen=True):
    """One Anki card's revlog, in time order.

    Attributes:
        key: the study card's progress key (``deck/card`` or ``deck/card::variant``).
        stable: what its event ids are derived from (note GUID and card ordinal).
        rows: ``(card id, revlog id, ease, interval, taken ms)`` per revlog row (as the
            revlog table has them): the Anki card, the answer time in milliseconds
            since 1970, the button (1-4; 0 for a row that is not an answer), Anki's new
            interval (days, or seconds when negative) and the time taken to answer.
    """

    key: str
    stable: str
    rows: list[tuple[int, int, int, int, int]]


class HistoryResult(Struct):
    """What :func:`write_history` did.

    Attributes:
        path: the progress log written to.
        written: answers written now.
        already: answers already in the log (from an earlier import of the same history).
        not_answers: revlog rows without a button (manual reschedules), left out.
        bad_times: answers whose time (or due time) is not between the years the log
            holds (a damaged revlog), left out.
    """

    path: Path
    written: int = 0
    already: int = 0
    not_answers: int = 0
    bad_times: int = 0


def revlog_histories(
    db: sqlite3.Connection, keys: dict[int, tuple[str, str]]
) -> Iterator[CardHistory]:
    """The revlog of each card in ``keys`` (Anki card id -> progress key and what its
    event ids derive from), its rows in time order, cards in Anki card id order."""
    for card_id, rows in _revlog_groups(db):
        key = keys.get(card_id)
        if key is not None:
            yield CardHistory(key[0], key[1], rows)


def _revlog_groups(
    db: sqlite3.Connection,
) -> Iterator[tuple[int, list[tuple[int, int, int, int, int]]]]:
    """(Anki card id, its revlog rows in time order) per card, in card id order."""
    # Sorted rather than read through the cid index: one sequential scan and a sort
    # beat half a million lookups of the table from the index.
    rows = db.execute("SELECT cid, id, ease, ivl, time FROM revlog NOT INDEXED ORDER BY cid, id")
    for card_id, group in itertools.groupby(rows, key=operator.itemgetter(0)):
        yield card_id, list(group)


class _TimeTexts:
    """Millisecond time stamps as :func:`now_text` writes them, without a ``datetime``
    per stamp (an import formats two per answer): each day's date, each second's clock
    text and each UTC offset are formatted once.

    Attributes:
        clock: ``HH:MM:SS.`` of each second of a day; ``millis``: ``mmm`` of each
            millisecond; ``utc_suffix``: the offset text of UTC (``+00:00``).
    """

    def __init__(self) -> None:
        self.days: dict[int, str] = {}
        self._offsets: dict[int, str] = {}
        self.clock = [
            f"{h:02d}:{m:02d}:{s:02d}." for h in range(24) for m in range(60) for s in range(60)
        ]
        self.millis = [f"{ms:03d}" for ms in range(1000)]
        self.utc_suffix = self.suffix(0)

    def suffix(self, offset_seconds: int) -> str:
        """The text of the UTC offset ``offset_seconds`` (``+02:00``)."""
        suffix = self._offsets.get(offset_seconds)
        if suffix is None:
            zone = timezone(timedelta(seconds=offset_seconds))
            suffix = now_text(datetime(2000, 1, 1, tzinfo=zone))[len("2000-01-01T00:00:00.000") :]
            self._offsets[offset_seconds] = suffix
        return suffix

    def day(self, day: int) -> str:
        """The date text of ``day`` (days since 1970) and the ``T`` after it."""
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = date.fromordinal(_EPOCH_ORDINAL + day).isoformat() + "T"
        return text

    def text(self, ms: int, offset_seconds: int) -> str:
        """``ms`` in the zone ``offset_seconds`` east of UTC (_encode_card inlines this)."""
        day, rest = divmod(ms + offset_seconds * 1000, _DAY_MS)
        second, millis = divmod(rest, 1000)
        return (
            f"{self.day(day)}{self.clock[second]}{self.millis[millis]}{self.suffix(offset_seconds)}"
        )


class _LocalOffsets:
    """The local UTC offset (seconds east) at millisecond time stamps: one
    :func:`time.localtime` per hour of the stamps rather than one per stamp (an import
    asks for half a million).

    An hour whose first and last second have the same offset has it throughout (zones
    change their offset at most once in an hour); an hour with a change in it is asked
    stamp by stamp.

    Attributes:
        hours: the offset of each hour seen that has one offset (hours since 1970).
    """

    def __init__(self) -> None:
        self.hours: dict[int, int] = {}
        self._mixed: set[int] = set()

    def at(self, ms: int) -> int:
        """The offset at ``ms`` (the loops look in :attr:`hours` first)."""
        hour = ms // _HOUR_MS
        offset = self.hours.get(hour)
        if offset is not None:
            return offset
        if hour not in self._mixed:
            first = time.localtime(hour * 3600).tm_gmtoff
            if time.localtime(hour * 3600 + 3599).tm_gmtoff == first:
                self.hours[hour] = first
                return first
            self._mixed.add(hour)
        return time.localtime(ms // 1000).tm_gmtoff


def _answers(
    card: CardHistory, result: HistoryResult, offsets: _LocalOffsets
) -> list[tuple[int, int, int, int, int]]:
    """The card's answers, each with its local UTC offset; the rest counted."""
    answers = []
    hours, offset_at = offsets.hours, offsets.at
    for _, revlog_id, ease, interval, taken in card.rows:
        due_ms = revlog_id + interval * _DAY_MS if interval > 0 else revlog_id - interval * 1000
        if not 1 <= ease <= 4:
            result.not_answers += 1
        elif not _FIRST_MS <= revlog_id <= due_ms <= _LAST_MS:
            result.bad_times += 1
        else:
            offset = hours.get(revlog_id // _HOUR_MS)
            if offset is None:
                offset = offset_at(revlog_id)
            answers.append((revlog_id, ease, interval, taken, offset))
    return answers


def _memory_states(cards: list[list[tuple[int, int, int, int, int]]]) -> list[list[Any]]:
    """FSRS memory state after each answer of each card (fsrs-rs, default weights)."""
    import fsrs_rs_python as fsrs_rs

    model = fsrs_rs.FSRS(fsrs_rs.DEFAULT_PARAMETERS)
    review = fsrs_rs.FSRSReview
    items = []
    for answers in cards:
        reviews = []
        last_day: int | None = None
        for revlog_id, ease, _, _, offset in answers:
            day = (revlog_id + offset * 1000 - _ROLLOVER_MS) // _DAY_MS
            reviews.append(review(ease, 0 if last_day is None else day - last_day))
            last_day = day
        items.append(fsrs_rs.FSRSItem(reviews))
    return model.historical_memory_state_batch(items)


def _key_text(key: str) -> str:
    """A progress key as the JSON text a log line holds."""
    return json.dumps(key, ensure_ascii=False)


#: Stands for the key in lines encoded before the key is known: JSON text never holds
#: a raw NUL (json.dumps escapes it), and nothing else in a line can.
_KEY_PLACEHOLDER = "\0"


def _encode_card(
    key_json: str,
    stable: str,
    answers: list[tuple[int, int, int, int, int]],
    memory: list[Any],
    known: set[str],
    times: _TimeTexts,
    result: HistoryResult,
) -> list[str]:
    """The card's answers as log lines: each the bytes :func:`encode_review` writes for
    the same review (``correct`` null; stability and difficulty to 4 decimals).
    ``key_json`` is the progress key as JSON text (:func:`_key_text`), ``stable`` what
    the event ids derive from."""
    lines: list[str] = []
    # Half a million answers: one format string per line (tests/test_interop_history.py
    # checks it against encode_review), the time texts (_TimeTexts.text) inlined, and
    # what the loop looks up bound to local names. A call per line cost a quarter more.
    days, day_text, clock, millis = times.days, times.day, times.clock, times.millis
    suffix, utc, sha1 = times.suffix, times.utc_suffix, hashlib.sha1
    source = stable.encode()  # the id hashes "source|revlog id" (bytes: 6 % quicker)
    prev_json = "null"
    state = ""
    lapses = 0
    for reps, ((revlog_id, ease, interval, taken, offset), memory_state) in enumerate(
        zip(answers, memory), 1
    ):
        if ease == 1 and state == REVIEW:
            lapses += 1
        if interval > 0:
            state, step, due_ms = REVIEW, "null", revlog_id + interval * _DAY_MS
        else:
            state = RELEARNING if state in (REVIEW, RELEARNING) else LEARNING
            step, due_ms = "0", revlog_id - interval * 1000
        event_id = sha1(b"%s|%d" % (source, revlog_id)).hexdigest()[:12]
        if known and event_id in known:
            result.already += 1
        else:
            day, rest = divmod(revlog_id + offset * 1000, _DAY_MS)
            second, milli = divmod(rest, 1000)
            due_day, due_rest = divmod(due_ms, _DAY_MS)
            due_second, due_milli = divmod(due_rest, 1000)
            # repr(round(x, 4)) is the shortest text of the 4-decimal value: the same as
            # the fixed-point text without its trailing zeros, made with one conversion.
            stability = f"{memory_state.stability:.4f}".rstrip("0")
            if stability[-1] == ".":
                stability += "0"
            difficulty = f"{memory_state.difficulty:.4f}".rstrip("0")
            if difficulty[-1] == ".":
                difficulty += "0"
            lines.append(
                f'{{"ev": "review", "id": "{event_id}", "key": {key_json}, "time": "'
                f"{days.get(day) or day_text(day)}{clock[second]}{millis[milli]}"
                f'{suffix(offset) if offset else utc}", "grade": {ease}, '
                f'"duration_ms": {taken}, "correct": null, "prev": {prev_json}, '
                f'"after": {{"state": "{state}", "step": {step}, "stability": {stability}, '
                f'"difficulty": {difficulty}, "due": "{days.get(due_day) or day_text(due_day)}'
                f'{clock[due_second]}{millis[due_milli]}{utc}", "reps": {reps}, '
                f'"lapses": {lapses}}}}}\n'
            )
        prev_json = f'"{event_id}"'
    return lines


def _batches(
    cards: Iterable[CardHistory], known: set[str], result: HistoryResult
) -> Iterable[bytes]:
    """The new lines of ``cards``, encoded a batch of about ``_BATCH`` answers at a time."""
    times, offsets = _TimeTexts(), _LocalOffsets()
    pending: list[tuple[CardHistory, list[tuple[int, int, int, int, int]]]] = []
    pending_answers = 0

    def encoded() -> bytes:
        memory = _memory_states([answers for _, answers in pending])
        lines: list[str] = []
        for (card, answers), states in zip(pending, memory):
            lines.extend(
                _encode_card(
                    _key_text(card.key), card.stable, answers, states, known, times, result
                )
            )
        result.written += len(lines)
        pending.clear()
        return "".join(lines).encode()

    for card in cards:
        answers = _answers(card, result, offsets)
        if answers:
            pending.append((card, answers))
            pending_answers += len(answers)
        if pending_answers >= _BATCH:
            yield encoded()
            pending_answers = 0
    if pending:
        yield encoded()


def log_path(progress_dir: Path) -> Path:
    """The import's progress log in ``progress_dir``."""
    from trainer.progress.store import clean_device_id

    return progress_dir / f"reviews-{clean_device_id(DEVICE)}.jsonl"


def write_history(cards: Iterable[CardHistory], progress_dir: Path, clock: Clock) -> HistoryResult:
    """Write the answers of ``cards`` to the import log (new ones only); see the module
    docstring."""
    progress_dir.mkdir(parents=True, exist_ok=True)
    path = log_path(progress_dir)
    result = HistoryResult(path)
    header = header_line(DEVICE, clock.now())
    if not path.exists():
        lock = LogLock(path)
        lock.acquire()
        try:
            if not path.exists():  # still not, now that no other import can make it
                temporary = temporary_log(path)
                try:
                    written = write_new_log(temporary, header, cards)
                    finish_new_log(temporary, path)
                except BaseException:
                    remove_quietly(temporary)
                    raise
                written.path = path
                return written
        finally:
            lock.release()
    writer = LogWriter(path, header)
    writer.lock()
    try:
        known = {event.id for event in read_log(path, None, progress_dir).events}
        for batch in _batches(cards, known, result):
            writer.append(batch.splitlines(keepends=True))
    finally:
        writer.unlock()
        writer.close()
    return result


def write_new_log(temporary: Path, header: bytes, cards: Iterable[CardHistory]) -> HistoryResult:
    """A new log's content written to ``temporary`` and fsynced (the caller renames it
    into place and fsyncs the directory: :func:`finish_new_log`). The result's ``path``
    is ``temporary``."""
    result = HistoryResult(temporary)
    write_batches(temporary, header, _batches(cards, set(), result))
    return result


def write_batches(temporary: Path, header: bytes, batches: Iterable[bytes]) -> None:
    """``header`` and ``batches`` written to ``temporary`` and fsynced."""
    with open(temporary, "wb") as handle:
        handle.write(header)
        for batch in batches:
            handle.write(batch)
        handle.flush()
        os.fsync(handle.fileno())


class AnsweredCard(Struct):
    """One Anki card's answers with everything that does not depend on its progress key
    (which is known only once the notes are read and the deck files planned).

    Attributes:
        card_id: the Anki card id; ``rows``: its revlog rows (as :class:`CardHistory`).
        answers: its answers with their local UTC offsets; ``memory``: the FSRS memory
            state after each.
        not_answers, bad_times: its rows left out, as :class:`HistoryResult` counts them.
        stable, lines: once :func:`encode_ahead` ran, what its event ids derive from and
            its lines, with a placeholder where the key goes.
    """

    card_id: int
    answers: list[tuple[int, int, int, int, int]]
    memory: list[Any]
    not_answers: int
    bad_times: int
    stable: str = ""
    lines: str = ""


def connect_collection(path: Path) -> sqlite3.Connection:
    """An :mod:`sqlite3` connection to an unpacked Anki collection, as both import
    processes read it: a damaged text must not stop the import, so undecodable bytes
    become U+FFFD."""
    db = sqlite3.connect(path)
    db.text_factory = lambda data: data.decode("utf-8", "replace")
    return db


def event_source(guid: str, ordinal: int) -> str:
    """What the event ids of an Anki card's answers derive from: its note's GUID and its
    ordinal (stable across exports, so a re-import finds the answers it wrote)."""
    return f"{guid}|{ordinal}"


def card_sources(db: sqlite3.Connection) -> dict[int, str]:
    """:func:`event_source` of every card of the collection, by Anki card id."""
    rows = db.execute(
        "SELECT cards.id, notes.guid, cards.ord FROM cards JOIN notes ON notes.id = cards.nid"
    )
    return {card_id: event_source(guid, ordinal) for card_id, guid, ordinal in rows}


_NO_PATH = Path()


def answered_cards(db: sqlite3.Connection) -> Iterator[AnsweredCard]:
    """Every card of the revlog with its answers and FSRS memory states, in Anki card id
    order (the order :func:`revlog_histories` gives); memory states are computed a batch
    of about ``_BATCH`` answers at a time."""
    pending: list[AnsweredCard] = []
    pending_answers = 0
    offsets = _LocalOffsets()
    for card_id, rows in _revlog_groups(db):
        counts = HistoryResult(_NO_PATH)  # (a Path made per card cost 0.2 s in all)
        answers = _answers(CardHistory("", "", rows), counts, offsets)
        pending.append(AnsweredCard(card_id, answers, [], counts.not_answers, counts.bad_times))
        pending_answers += len(answers)
        if pending_answers >= _BATCH:
            yield from _with_memory(pending)
            pending, pending_answers = [], 0
    yield from _with_memory(pending)


def _with_memory(cards: list[AnsweredCard]) -> list[AnsweredCard]:
    with_answers = [card for card in cards if card.answers]
    for card, states in zip(with_answers, _memory_states([c.answers for c in with_answers])):
        card.memory = states
    return cards


def encode_ahead(cards: Iterable[AnsweredCard], sources: dict[int, str]) -> None:
    """Encode the lines of ``cards`` before their keys are known, with the event ids
    derived from ``sources`` (:func:`card_sources`): :func:`encode_answered` then only
    puts each key in. A card whose source turns out different is encoded again there."""
    times = _TimeTexts()
    counts = HistoryResult(_NO_PATH)
    known: set[str] = set()  # a new log: none
    for card in cards:
        stable = sources.get(card.card_id)
        if stable is not None and card.answers:
            card.stable = stable
            card.lines = "".join(
                _encode_card(
                    _KEY_PLACEHOLDER, stable, card.answers, card.memory, known, times, counts
                )
            )


def encode_answered(
    cards: Iterable[AnsweredCard], keys: dict[int, tuple[str, str]], result: HistoryResult
) -> Iterator[bytes]:
    """The lines of the ``cards`` that have a key (progress key, event id source), as
    :func:`write_history` writes them for a new log, a batch of cards at a time."""
    times = _TimeTexts()
    chunks: list[str] = []
    pending = 0
    known: set[str] = set()
    for card in cards:
        key = keys.get(card.card_id)
        if key is None:
            continue
        result.not_answers += card.not_answers
        result.bad_times += card.bad_times
        if not card.answers:
            continue
        key_json = _key_text(key[0])
        if card.lines and card.stable == key[1]:
            chunks.append(card.lines.replace(_KEY_PLACEHOLDER, key_json))
        else:
            chunks.extend(
                _encode_card(key_json, key[1], card.answers, card.memory, known, times, result)
            )
        pending += len(card.answers)  # (nothing is known in a new log: a line each)
        if pending >= _BATCH:
            result.written += pending
            yield "".join(chunks).encode()
            chunks, pending = [], 0
    result.written += pending
    if chunks:
        yield "".join(chunks).encode()


def finish_new_log(temporary: Path, path: Path) -> None:
    """``temporary`` (written and fsynced) renamed to ``path``, the directory fsynced."""
    os.replace(temporary, path)
    fsync_directory(path.parent)


def temporary_log(path: Path) -> Path:
    """Where a new log is written before it is renamed to ``path``."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")
