"""Per-card records kept in columns, made into :class:`CardRecord` objects on demand.

A collection of 50,000 cards loads its state from the snapshot at every start-up; making
50,000 record objects (and unmarshalling 700,000 small values) took most of that time.
:class:`RecordTable` instead keeps what the snapshot holds as a few flat columns (one
byte, float or int per card) and builds a record object only when one is asked for. The
queue builder reads the columns directly (:meth:`RecordTable.column_row`).

A record handed out is the live one: changes made to it (``apply`` mutates records in
place) are what the table holds from then on, and what the next snapshot saves.

A buried record (:attr:`CardRecord.buried`) is always a record object, never a row of the
columns: buries are few, and the queue's hot loop then needs no column for them.
"""

from __future__ import annotations

import math
import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from trainer.progress.replay import CardRecord
from trainer.scheduling import LEARNING, NEW, RELEARNING, REVIEW, CardState

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
    """``key -> CardRecord``: columns for records not touched yet, objects for the rest."""

    def __init__(self, records: Mapping[str, CardRecord] | None = None) -> None:
        #: Every key: its row in the columns, or -1 when its record object is the truth
        #: (handed out, or set). One lookup tells the queue builder where to look.
        self.index: dict[str, int] = {}
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
        self._packed_last_id: tuple[int, str] | list[str] | None = None
        #: ``recent`` of the rows where it is not just ``(last_review,)`` (or ``()``):
        #: their rows (ascending), where each one's times start in ``recent_times``.
        self.recent_rows = array("q")
        self.recent_starts = array("q", [0])
        self.recent_times = array("d")
        #: Records handed out or set: these win over the columns.
        self.live: dict[str, CardRecord] = dict(records) if records else {}
        self.index = dict.fromkeys(self.live, -1)

    @property
    def last_id(self) -> list[str]:
        """Per row: id of the last review applied (``""``: none)."""
        if self._packed_last_id is not None:
            self._last_id = _split(self._packed_last_id)
            self._packed_last_id = None
        return self._last_id

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
            self.last_id[row] or None,
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
        row = self.index.get(key)
        if row is None or row < 0:
            return default
        record = self.live[key] = self._make(row)
        self._live_rows[key] = row
        self.index[key] = -1
        return record

    def last_review_of(self, key: str) -> float | None:
        """``self[key].state.last_review`` (``None`` for no record), without making the
        record object (the siblings check asks it of every card with siblings)."""
        row = self.index.get(key)
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
        row = self.index.get(key, -1)
        if row >= 0:
            self._live_rows[key] = row
        self.index[key] = -1
        self.live[key] = record

    def __delitem__(self, key: str) -> None:
        del self.index[key]
        self.live.pop(key, None)
        self._deleted = True

    _deleted = False

    def __contains__(self, key: object) -> bool:
        return key in self.index

    def __iter__(self) -> Iterator[str]:
        return iter(self.index)

    def __len__(self) -> int:
        return len(self.index)

    # -- snapshot columns ------------------------------------------------------------------

    def to_columns(self) -> dict[str, Any]:
        """Every record as plain columns (bytes, strings), for :mod:`marshal`."""
        columns: dict[str, array]
        if not self._deleted:
            keys = list(self.index)[: len(self.kind)]  # rows first, in order
            kind, flags = bytearray(self.kind), bytearray(self.flags)
            columns = {
                name: array(getattr(self, name).typecode, getattr(self, name))
                for name in _FLOAT_COLUMNS + _INT_COLUMNS
            }
            last_id = list(self.last_id)
            starts, times = self.recent_starts, self.recent_times
            recent = {
                row: tuple(times[starts[i] : starts[i + 1]])
                for i, row in enumerate(self.recent_rows)
            }
            position = self._live_rows
        else:  # records were deleted: rebuild from the records themselves
            keys, kind, flags, last_id, recent = [], bytearray(), bytearray(), [], {}
            columns = {name: array("d") for name in _FLOAT_COLUMNS}
            columns.update({name: array("q") for name in _INT_COLUMNS})
            position = {}
        # Unchanged rows are right already; only records handed out need writing.
        for key in self.index if self._deleted else self.live:
            record = self.get(key)
            row = position.get(key)
            if row is None:
                row = len(keys)
                keys.append(key)
                kind.append(0)
                flags.append(0)
                last_id.append("")
                for column in columns.values():
                    column.append(0)
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
            "keys": _join(keys),
            "last_id": _join(last_id),
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
        keys = _split(data["keys"])
        rows = len(keys)
        table.index = dict(zip(keys, range(rows)))
        table.kind, table.flags = data["kind"], data["flags"]
        last_ids = data["last_id"]
        if (len(last_ids) if isinstance(last_ids, list) else last_ids[0]) != rows:
            raise ValueError("last_id column of the wrong length")
        table._packed_last_id = last_ids  # split on first use: most starts never need it
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
            len(table.index) != rows
            or not isinstance(table.kind, bytes)
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
            if key not in table.index or type(when) is not float:
                raise ValueError("inconsistent buried records")
            table[key].buried = when
        return table


_KIND_BYTES = bytes(range(len(KIND_NAMES)))
_FLAG_BYTES = bytes(range((SUSPENDED | FLAGGED | LEECH | DIVERGED) + 1))


def _in_order(values: list[int]) -> bool:
    """Whether ``values`` never decrease (a sort of a sorted list is one C pass: twice as
    quick as comparing each value with the next through ``map``). ``recent_rows`` may then
    repeat a row: :meth:`RecordTable._make` finds the first, consistently."""
    return sorted(values) == values


def _join(texts: list[str]) -> tuple[int, str] | list[str]:
    """Strings as one (far quicker to unmarshal), unless one holds the separator."""
    joined = "\0".join(texts)
    return texts if joined.count("\0") != max(0, len(texts) - 1) else (len(texts), joined)


def _split(packed: tuple[int, str] | list[str]) -> list[str]:
    if isinstance(packed, list):
        return packed
    count, joined = packed
    texts = joined.split("\0") if count else []
    if len(texts) != count:
        raise ValueError("wrong number of strings")
    return texts


__all__ = ["KIND_CODES", "KIND_NAMES", "RecordTable"]
