"""Per-card records kept in columns, made into :class:`CardRecord` objects on demand.

A collection of 50,000 cards loads its state from the snapshot at every start-up; making
50,000 record objects (and unmarshalling 700,000 small values) took most of that time.
:class:`RecordTable` instead keeps what the snapshot holds as a few flat columns (one
byte, float or int per card) and builds a record object only when one is asked for. The
queue builder reads the columns directly: a row through :meth:`RecordTable.part` (the
index of one deck's keys), or a whole deck's rows as slices when they are in the order
of its keys (:meth:`RecordTable.aligned_rows`; the snapshot is written in each deck's
order).

A record handed out is the live one: changes made to it (``apply`` mutates records in
place) are what the table holds from then on, and what the next snapshot saves.

A buried record (:attr:`CardRecord.buried`) is always a record object, never a row of the
columns: buries are few, and the queue's hot loop then needs no column for them.
"""

from __future__ import annotations

import math
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from itertools import compress
from typing import Any

from trainer.progress.replay import CardRecord
from trainer.scheduling import LEARNING, NEW, RELEARNING, REVIEW, CardState
from trainer.textpack import PackedTexts, pack_texts, packed_count, unpack_texts

#: Learning state names by their one-byte code in the ``kind`` column.
KIND_NAMES = (NEW, LEARNING, REVIEW, RELEARNING)
KIND_CODES = {name: code for code, name in enumerate(KIND_NAMES)}
SUSPENDED, FLAGGED, LEECH, DIVERGED = 1, 2, 4, 8
NAN = math.nan
#: Float columns hold NaN for "none"; integer ``step`` holds -1.
_FLOAT_COLUMNS = ("stability", "difficulty", "due", "last_review", "first_review")
_INT_COLUMNS = ("step", "reps", "lapses")
#: What a snapshot written on another machine must match for its raw columns to be read.
NATIVE = (sys.byteorder, array("d").itemsize, array("q").itemsize)
_new_tuple = tuple.__new__


def _opt(value: float) -> float | None:
    return None if value != value else value  # NaN: none


class RecordTable(MutableMapping[str, CardRecord]):
    """``key -> CardRecord``: columns for records not touched yet, objects for the rest.

    Keys are indexed per prefix (what comes before the first ``/``: the deck id of a study
    card's key), each prefix's index made when a key of it is first looked up. The
    snapshot keeps each prefix's rows together, so an index is one split and one
    ``dict(zip(...))`` of a deck's keys: a start-up of 50,000 cards made one index of
    every key before anything was shown, and looked each deck's keys up in it (a large
    dictionary is several times slower to fill and to search than 50 small ones).
    """

    def __init__(self, records: Mapping[str, CardRecord] | None = None) -> None:
        #: Per prefix, every key of it: its row in the columns, or -1 when its record
        #: object is the truth (handed out, or set). One lookup tells the queue builder
        #: where to look.
        self._parts: dict[str, dict[str, int]] = {}
        #: Each prefix's segment as loaded from a snapshot (first row, keys in row order;
        #: its rows follow one another), indexed into ``_parts`` when first looked up;
        #: and the prefixes with a record handed out, set or deleted since. The others
        #: are written back as they were (a close after studying one deck rewrites that
        #: deck's segment only), and, in a deck's order, read as slices
        #: (:meth:`aligned_rows`).
        self._loaded: dict[str, tuple[int, Segment]] = {}
        self._touched: set[str] = set()
        #: Rows of the keys whose record was handed out (the snapshot patches them).
        self._live_rows: dict[str, int] = {}
        self.kind = b""
        self.flags = b""
        self.step = array("q")
        self.reps = array("q")
        self.lapses = array("q")
        self.stability = array("d")
        self.difficulty = array("d")
        self.due = array("d")
        self.last_review = array("d")
        self.first_review = array("d")
        self._last_id: list[str] = []
        #: From a snapshot: each segment's last ids (packed until one is needed), and
        #: the row each segment starts at; ``None`` once ``_last_id`` holds them all.
        self._segment_last_ids: list[PackedTexts | list[str]] | None = None
        self._segment_starts: list[int] = []
        #: ``recent`` of the rows where it is not just ``(last_review,)`` (or ``()``):
        #: their rows (ascending), where each one's times start in ``recent_times``.
        self.recent_rows = array("q")
        self.recent_starts = array("q", [0])
        self.recent_times = array("d")
        #: Records handed out or set: these win over the columns.
        self.live: dict[str, CardRecord] = {}
        for key, record in (records or {}).items():
            self[key] = record

    @property
    def last_id(self) -> list[str]:
        """Per row: id of the last review applied (``""``: none)."""
        if self._segment_last_ids is not None:
            self._last_id = [i for ids in self._segment_last_ids for i in unpack_texts(ids)]
            self._segment_last_ids = None
        return self._last_id

    def _last_id_of(self, row: int) -> str:
        """``last_id[row]``, splitting only that row's segment (a start-up shows a card
        or two: one deck's ids, not 75,000)."""
        by_segment = self._segment_last_ids
        if by_segment is None:
            return self._last_id[row]
        segment = bisect_right(self._segment_starts, row) - 1
        ids = by_segment[segment]
        if not isinstance(ids, list):
            ids = by_segment[segment] = unpack_texts(ids)
        return ids[row - self._segment_starts[segment]]

    # -- the index -----------------------------------------------------------------------

    def part(self, prefix: str) -> dict[str, int]:
        """The index of the keys ``prefix/…`` (and of the key ``prefix``): key -> row, -1
        when the record object is the truth. Read it, never change it."""
        part = self._parts.get(prefix)
        if part is None:
            part = self._parts[prefix] = self._index(prefix)
        return part

    def _index(self, prefix: str) -> dict[str, int]:
        loaded = self._loaded.get(prefix)
        if loaded is None:
            return {}
        first, segment = loaded
        keys = _segment_keys(segment)
        # A key twice (only in a damaged snapshot): its last row wins.
        return dict(zip(keys, range(first, first + len(keys))))

    def _part_of(self, key: str) -> dict[str, int]:
        return self.part(key.partition("/")[0])

    def _changed(self, key: str) -> None:
        """A record of ``key``'s prefix is handed out, set or deleted: its rows are no
        longer the whole truth."""
        self._touched.add(key.partition("/")[0])

    def aligned_rows(self, prefix: str, keys: Sequence[str]) -> tuple[int, bytes, float] | None:
        """Where the rows of ``prefix`` are, when they are exactly ``keys``' records in
        the order of ``keys`` (a deck's study keys; the snapshot is written so) and no
        record of the prefix was handed out, set or deleted since it was loaded:
        ``(first, has_row, latest)``, ``has_row[i]`` 1 when ``keys[i]`` has a record,
        ``latest`` the last review of any of them (NaN: none). The records of ``keys``
        are then the rows from ``first`` on, in order; otherwise ``None``. A prefix with
        no record at all is aligned to any keys (no rows). (The queue reads such a deck's
        columns a slice at a time.)"""
        loaded = self._loaded.get(prefix)
        if loaded is None:
            if self._parts.get(prefix):
                return None
            return len(self.kind), bytes(len(keys)), NAN  # no record of the prefix at all
        first, (_, alignment) = loaded
        if alignment is None or prefix in self._touched:
            return None
        packed, has_row, latest = alignment
        if isinstance(packed, tuple):
            if packed[0] != len(keys) or packed[1] != "\0".join(keys):
                return None
        elif packed != list(keys):
            return None
        return first, has_row, latest

    # -- the mapping ---------------------------------------------------------------------

    def _make(self, row: int) -> CardRecord:
        step = self.step[row]
        last = self.last_review[row]
        found = bisect_left(self.recent_rows, row)
        if found < len(self.recent_rows) and self.recent_rows[found] == row:
            starts = self.recent_starts
            recent = tuple(self.recent_times[starts[found] : starts[found + 1]])
        else:
            recent = () if last != last else (last,)
        state = _new_tuple(
            CardState,
            (
                KIND_NAMES[self.kind[row]],
                None if step < 0 else step,
                _opt(self.stability[row]),
                _opt(self.difficulty[row]),
                _opt(self.due[row]),
                _opt(last),
                self.reps[row],
                self.lapses[row],
            ),
        )
        flags = self.flags[row]
        return CardRecord(
            state,
            self._last_id_of(row) or None,
            bool(flags & SUSPENDED),
            bool(flags & FLAGGED),
            bool(flags & LEECH),
            _opt(self.first_review[row]),
            recent,
            bool(flags & DIVERGED),
        )

    def get(self, key: str, default: Any = None) -> Any:
        record = self.live.get(key)
        if record is not None:
            return record
        part = self._part_of(key)
        row = part.get(key)
        if row is None or row < 0:
            return default
        record = self.live[key] = self._make(row)
        self._live_rows[key] = row
        part[key] = -1
        self._changed(key)
        return record

    def last_review_of(self, key: str) -> float | None:
        """``self[key].state.last_review`` (``None`` for no record), without making the
        record object (the siblings check asks it of every card with siblings)."""
        row = self._part_of(key).get(key)
        if row is None:
            return None
        if row < 0:
            return self.live[key].state.last_review
        return _opt(self.last_review[row])

    def __getitem__(self, key: str) -> CardRecord:
        record = self.get(key)
        if record is None:
            raise KeyError(key)
        return record

    def __setitem__(self, key: str, record: CardRecord) -> None:
        part = self._part_of(key)
        row = part.get(key, -1)
        if row >= 0:
            self._live_rows[key] = row
        part[key] = -1
        self.live[key] = record
        self._changed(key)

    def __delitem__(self, key: str) -> None:
        del self._part_of(key)[key]
        self.live.pop(key, None)
        self._live_rows.pop(key, None)
        self._changed(key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._part_of(key)

    def __iter__(self) -> Iterator[str]:
        for prefix in list(self._loaded):
            self.part(prefix)
        for part in list(self._parts.values()):
            yield from part

    def __len__(self) -> int:
        unindexed = sum(
            _segment_length(segment)
            for prefix, (_, segment) in self._loaded.items()
            if prefix not in self._parts
        )
        return unindexed + sum(map(len, self._parts.values()))

    # -- snapshot columns ------------------------------------------------------------------

    def _layout(
        self, order: Mapping[str, Sequence[str]] | None
    ) -> tuple[list[tuple[str, Segment]], list[int | None], dict[str, int], set[int]]:
        """The rows of the next snapshot, each prefix's together, and in the order of
        ``order[prefix]`` (a deck's keys) where given: the segments (prefix, keys), per
        row the row it was in the columns (``None``: a record set since), the new row of
        each record handed out, and the segments newly put in a deck's order (their
        latest review still to be found)."""
        segments: list[tuple[str, Segment]] = []
        rows: list[int | None] = []
        position: dict[str, int] = {}
        arranged: set[int] = set()
        order = order or {}
        live, live_rows = self.live, self._live_rows
        loaded = sorted(self._loaded.items(), key=lambda item: item[1][0])
        # Loaded prefixes first, each where it was (unchanged rows stay in place), then
        # prefixes new since.
        prefixes = [prefix for prefix, _ in loaded]
        prefixes += [prefix for prefix in self._parts if prefix not in self._loaded]
        for prefix in prefixes:
            deck = order.get(prefix)
            unchanged = prefix in self._loaded and prefix not in self._touched
            if unchanged and (deck is None or self.aligned_rows(prefix, deck) is not None):
                first, segment = self._loaded[prefix]  # as it was
                segments.append((prefix, segment))
                rows.extend(range(first, first + _segment_length(segment)))
                continue
            part = self.part(prefix)
            if not part:
                continue
            keys = list(part)
            segment = (pack_texts(keys), None)
            in_deck = set() if deck is None else set(deck)
            if deck is not None and len(in_deck) == len(deck):
                has_row = bytes(map(part.__contains__, deck))
                others = [key for key in keys if key not in in_deck]
                keys = [*compress(deck, has_row), *others]
                segment = (pack_texts(others), (pack_texts(list(deck)), has_row, NAN))
                arranged.add(len(segments))
            segments.append((prefix, segment))
            for key in keys:
                row: int | None = part[key]
                if row is not None and row < 0:
                    if key in live:
                        position[key] = len(rows)
                    row = live_rows.get(key)
                rows.append(row)
        return segments, rows, position, arranged

    def to_columns(self, order: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
        """Every record as plain columns (bytes, strings), for :mod:`marshal`; each
        prefix's rows in the order of ``order[prefix]`` where given (each deck's keys:
        see :meth:`aligned_rows`)."""
        segments, order_of_rows, position, arranged = self._layout(order)
        rows = len(self.kind)
        if order_of_rows == list(range(rows)):  # the same rows in the same places
            kind, flags = bytearray(self.kind), bytearray(self.flags)
            columns = {
                name: array(getattr(self, name).typecode, getattr(self, name))
                for name in _FLOAT_COLUMNS + _INT_COLUMNS
            }
            last_id = list(self.last_id)
            moved: Sequence[int] = range(rows)
        else:
            # Rows move (records set or deleted since): each column is taken in the new
            # order, a new record's row from a blank one at the end (filled in below).
            taken = [rows if row is None else row for row in order_of_rows]
            kind = bytearray(map((self.kind + b"\0").__getitem__, taken))
            flags = bytearray(map((self.flags + b"\0").__getitem__, taken))
            columns = {}
            for name in _FLOAT_COLUMNS + _INT_COLUMNS:
                column = getattr(self, name)
                columns[name] = array(column.typecode, map([*column, 0].__getitem__, taken))
            last_id = list(map([*self.last_id, ""].__getitem__, taken))
            moved = [-1] * (rows + 1)
            for new, old in enumerate(taken):
                moved[old] = new
        starts, times = self.recent_starts, self.recent_times
        recent = {
            moved[row]: tuple(times[starts[i] : starts[i + 1]])
            for i, row in enumerate(self.recent_rows)
            if moved[row] >= 0
        }
        # Unchanged rows are right already; only records handed out need writing.
        for key, record in self.live.items():
            row = position[key]
            state = record.state
            kind[row] = KIND_CODES[state.state]
            flags[row] = (
                (SUSPENDED * record.suspended)
                | (FLAGGED * record.flagged)
                | (LEECH * record.leech)
                | (DIVERGED * record.diverged)
            )
            last_id[row] = record.last_id or ""
            columns["step"][row] = -1 if state.step is None else state.step
            columns["reps"][row] = state.reps
            columns["lapses"][row] = state.lapses
            for name, value in (
                ("stability", state.stability),
                ("difficulty", state.difficulty),
                ("due", state.due),
                ("last_review", state.last_review),
                ("first_review", record.first_review),
            ):
                columns[name][row] = NAN if value is None else value
            default = () if state.last_review is None else (state.last_review,)
            if record.recent != default:
                recent[row] = tuple(record.recent)
            else:
                recent.pop(row, None)
        # Each deck's latest review, so that a start-up knows without reading the column
        # whether anything of the deck was answered today (then it is read key by key);
        # and each segment's last ids, so that making one record splits one deck's.
        last_reviews, first = columns["last_review"], 0
        last_ids: list[PackedTexts] = []
        for index, (prefix, (packed, alignment)) in enumerate(segments):
            if alignment is not None and index in arranged:
                deck, has_row, _ = alignment
                rows_of_deck = last_reviews[first : first + has_row.count(1)]
                latest = max(filter(_is_time, rows_of_deck), default=NAN)
                segments[index] = (prefix, (packed, (deck, has_row, latest)))
            count = _segment_length(segments[index][1])
            last_ids.append(pack_texts(last_id[first : first + count]))
            first += count
        recent_rows = array("q", sorted(recent))
        recent_starts, recent_times = array("q", [0]), array("d")
        for row in recent_rows:
            recent_times.extend(recent[row])
            recent_starts.append(len(recent_times))
        result: dict[str, Any] = {
            "native": NATIVE,
            "buried": {
                key: record.buried for key, record in self.live.items() if record.buried is not None
            },
            "kind": bytes(kind),
            "flags": bytes(flags),
            "keys": segments,
            "last_id": last_ids,
            "recent_rows": recent_rows.tobytes(),
            "recent_starts": recent_starts.tobytes(),
            "recent_times": recent_times.tobytes(),
        }
        result.update({name: column.tobytes() for name, column in columns.items()})
        return result

    @classmethod
    def from_columns(cls, data: dict[str, Any]) -> RecordTable:
        """The table saved by :meth:`to_columns`; raises ValueError if it is inconsistent."""
        if tuple(data["native"]) != NATIVE:
            raise ValueError("columns written on a different kind of machine")
        table = cls()
        rows = 0
        starts_of_segments: list[int] = []
        for prefix, segment in data["keys"]:
            if type(prefix) is not str or prefix in table._loaded:
                raise ValueError("inconsistent key segments")
            count = _segment_length(segment)  # checks the segment's shape
            starts_of_segments.append(rows)
            table._loaded[prefix] = (rows, segment)
            rows += count
        table.kind, table.flags = data["kind"], data["flags"]
        last_ids = data["last_id"]
        stops = [*starts_of_segments[1:], rows] if starts_of_segments else []
        if (
            type(last_ids) is not list
            or len(last_ids) != len(starts_of_segments)
            or any(
                packed_count(ids) != stop - start
                for ids, start, stop in zip(last_ids, starts_of_segments, stops, strict=True)
            )
        ):
            raise ValueError("last_id column of the wrong length")
        table._segment_last_ids = last_ids  # split on first use: most starts need one deck's
        table._segment_starts = starts_of_segments
        for name in (
            _FLOAT_COLUMNS + _INT_COLUMNS + ("recent_rows", "recent_starts", "recent_times")
        ):
            column = array("d" if name in _FLOAT_COLUMNS or name == "recent_times" else "q")
            column.frombytes(data[name])
            if name not in ("recent_rows", "recent_starts", "recent_times") and len(column) != rows:
                raise ValueError(f"column {name} has {len(column)} rows, not {rows}")
            setattr(table, name, column)
        recent_rows, starts = table.recent_rows, table.recent_starts
        if (
            not isinstance(table.kind, bytes)
            or not isinstance(table.flags, bytes)
            or len(table.kind) != rows
            or len(table.flags) != rows
            # Deleting every valid code leaves nothing (C speed, unlike max()).
            or table.kind.translate(None, _KIND_BYTES)
            or table.flags.translate(None, _FLAG_BYTES)
            or len(starts) != len(recent_rows) + 1
            or starts[0] != 0
            or starts[-1] != len(table.recent_times)
            or (recent_rows and (recent_rows[0] < 0 or recent_rows[-1] >= rows))
            or not _in_order(recent_rows.tolist())
            or not _in_order(starts.tolist())
        ):
            raise ValueError("inconsistent columns")
        buried = data["buried"]
        if not isinstance(buried, dict):
            raise ValueError("inconsistent buried records")
        for key, when in buried.items():
            if type(key) is not str or key not in table or type(when) is not float:
                raise ValueError("inconsistent buried records")
            table[key].buried = when
        return table


#: A deck's keys (packed), per key 1 where it has a row, and the latest review of those
#: rows (NaN: none): a prefix's rows in the order of that deck's keys
#: (:meth:`RecordTable.aligned_rows`).
Alignment = tuple[PackedTexts, bytes, float]
#: A prefix's keys in row order: ``(keys, None)``; or ``(others, alignment)``: the keys
#: of the alignment's deck that have a row, in deck order, then ``others`` (records of
#: keys the deck no longer has).
Segment = tuple[PackedTexts, Alignment | None]


def _segment_length(segment: Segment) -> int:
    """How many rows (keys) ``segment`` holds; ValueError if it is not one."""
    packed, alignment = segment
    count = packed_count(packed)
    if alignment is None:
        return count
    deck, has_row, latest = alignment
    if (
        type(has_row) is not bytes
        or type(latest) is not float
        or len(has_row) != packed_count(deck)
        or has_row.translate(None, b"\0\1")
    ):
        raise ValueError("inconsistent key segments")
    return count + has_row.count(1)


def _segment_keys(segment: Segment) -> list[str]:
    """The keys of ``segment``, in row order."""
    packed, alignment = segment
    if alignment is None:
        return unpack_texts(packed)
    deck, has_row, _ = alignment
    return [*compress(unpack_texts(deck), has_row), *unpack_texts(packed)]


def _is_time(value: float) -> bool:
    return value == value  # NaN: no time


_KIND_BYTES = bytes(range(len(KIND_NAMES)))
_FLAG_BYTES = bytes(range((SUSPENDED | FLAGGED | LEECH | DIVERGED) + 1))


def _in_order(values: list[int]) -> bool:
    """Whether ``values`` never decrease (a sort of a sorted list is one C pass: twice as
    quick as comparing each value with the next through ``map``). ``recent_rows`` may then
    repeat a row: :meth:`RecordTable._make` finds the first, consistently."""
    return sorted(values) == values


__all__ = ["KIND_CODES", "KIND_NAMES", "RecordTable"]
