"""The lines of a progress log: a header, then one JSON object per event.

Header: ``{"format": 1, "kind": "trainer-progress", "device": "...", "created": "..."}``.

Events (``ev``): ``review`` (an answer, with the scheduler state after it), ``suspend``,
``unsuspend``, ``flag``, ``unflag``, ``leech``, ``bury`` (out of the queue until the next
study day) and ``undo`` (cancels earlier events by id). Times are ISO 8601 with the local UTC offset, to the millisecond.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import msgspec
from msgspec import UNSET, Struct, UnsetType

from trainer.scheduling import LEARNING, NEW, RELEARNING, REVIEW, CardState, to_datetime

#: The log format this version reads and writes. Logs with a higher number are refused
#: for writing (never downgraded).
FORMAT = 1
HEADER_KIND = "trainer-progress"

#: Longest typed answer kept with an override (a deck author needs the gist, not a page).
MAX_OVERRIDE_CHARS = 500
MARK_KINDS = ("suspend", "unsuspend", "flag", "unflag", "leech", "bury")
KINDS = ("review", "undo") + MARK_KINDS
_STATES = (LEARNING, REVIEW, RELEARNING)


#: Times outside these years are a broken clock or an edit: scheduling from them would
#: overflow the calendar (intervals of up to a century are added to a review's time).
FIRST_YEAR, LAST_YEAR = 1970, 9000


class BadLine(ValueError):
    """A complete line that is not a valid event (corruption, or a foreign edit)."""


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _loads(line: bytes) -> Any:
    """``line`` as JSON, strictly: no NaN or Infinity, no nesting deep enough to crash."""
    try:
        return json.loads(line, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadLine(f"not JSON ({error})") from None
    except RecursionError:
        raise BadLine("not JSON (nested too deeply)") from None


def event_id_of(line: bytes) -> str | None:
    """The ``id`` of an event line, or ``None`` (a header, or not an event)."""
    try:
        obj = _loads(line)
    except BadLine:
        return None
    event_id = obj.get("id") if isinstance(obj, dict) and "ev" in obj else None
    return event_id if isinstance(event_id, str) else None


def _time(text: Any, what: str) -> datetime:
    if not isinstance(text, str):
        raise BadLine(f"{what} is not a time")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise BadLine(f"invalid {what} {text!r}") from None
    if when.tzinfo is None:
        raise BadLine(f"{what} without UTC offset {text!r}")
    if not FIRST_YEAR <= when.year < LAST_YEAR:
        raise BadLine(f"{what} {text!r} is not between {FIRST_YEAR} and {LAST_YEAR}")
    return when


def _whole(value: Any, what: str, minimum: int = 0) -> int:
    if type(value) is not int or value < minimum:
        raise BadLine(f"{what} must be a whole number of at least {minimum}, not {value!r}")
    return value


def _positive(value: Any, what: str, low: float, high: float) -> float:
    if type(value) not in (int, float) or not math.isfinite(value) or not low < value <= high:
        raise BadLine(f"{what} must be a number above {low} and at most {high}, not {value!r}")
    return float(value)


class Event(Struct):
    kind: str
    id: str
    #: POSIX timestamp, for ordering; ``time_text`` is what the log says.
    time: float
    time_text: str
    device: str
    key: str | None = None
    grade: int = 0
    duration_ms: int | None = None
    correct: bool | None = None
    #: Id of the card's previous review as the recording instance knew it.
    prev: str | None = None
    #: Scheduler state after a review, as computed when it was recorded.
    after: CardState | None = None
    targets: tuple[str, ...] = ()
    #: What the learner typed when they overrode a "wrong" verdict ("I was right"): the
    #: review then counts as correct. Deck authors read these (``trainer stats --overrides``).
    override: str | None = None
    #: Tie-breaker for equal times: (log file name, line number).
    origin: tuple[str, int] = ("", 0)

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.time_text)


def now_text(now: datetime) -> str:
    """``now`` as logged: aware, millisecond precision (so replays see the same instant)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.isoformat(timespec="milliseconds")


def truncate_to_ms(now: datetime) -> datetime:
    return datetime.fromisoformat(now_text(now))


def header_line(device: str, now: datetime) -> bytes:
    header = {"format": FORMAT, "kind": HEADER_KIND, "device": device, "created": now_text(now)}
    return (json.dumps(header, ensure_ascii=False) + "\n").encode()


def parse_header(line: bytes) -> dict[str, Any]:
    """The header object; raises :class:`BadLine` if ``line`` is not a header."""
    obj = _loads(line)
    if not isinstance(obj, dict) or type(obj.get("format")) is not int:
        raise BadLine('not a progress log header (expected {"format": 1, ...})')
    return obj


def _state_to_json(state: CardState) -> dict[str, Any]:
    return {
        "state": state.state,
        "step": state.step,
        "stability": state.stability,
        "difficulty": state.difficulty,
        "due": None if state.due is None else now_text(to_datetime(state.due)),
        "reps": state.reps,
        "lapses": state.lapses,
    }


def _state_from_json(obj: Any) -> CardState:
    if not isinstance(obj, dict) or obj.get("state") not in _STATES:
        raise BadLine("review has no valid 'after' state")
    try:
        step = obj["step"]
        return CardState(
            state=obj["state"],
            step=None if step is None else _whole(step, "after.step"),
            stability=_positive(obj["stability"], "after.stability", 0.0, 1e9),
            difficulty=_positive(obj["difficulty"], "after.difficulty", 0.0, 10.0),
            due=_time(obj["due"], "after.due").timestamp(),
            last_review=None,  # filled in from the event time
            reps=_whole(obj["reps"], "after.reps"),
            lapses=_whole(obj["lapses"], "after.lapses"),
        )
    except KeyError as error:
        raise BadLine(f"review has an invalid 'after' state (no {error})") from None


def encode_review(
    event_id: str,
    key: str,
    time_text: str,
    grade: int,
    duration_ms: int | None,
    correct: bool | None,
    prev: str | None,
    after: CardState,
    override: str | None = None,
) -> bytes:
    obj: dict[str, Any] = {
        "ev": "review",
        "id": event_id,
        "key": key,
        "time": time_text,
        "grade": grade,
        "duration_ms": duration_ms,
        "correct": correct,
        "prev": prev,
        "after": _state_to_json(after),
    }
    if override is not None:
        obj["override"] = override[:MAX_OVERRIDE_CHARS]
    return (json.dumps(obj, ensure_ascii=False) + "\n").encode()


def encode_mark(kind: str, event_id: str, key: str, time_text: str) -> bytes:
    obj = {"ev": kind, "id": event_id, "key": key, "time": time_text}
    return (json.dumps(obj, ensure_ascii=False) + "\n").encode()


def encode_undo(event_id: str, time_text: str, targets: tuple[str, ...]) -> bytes:
    obj = {"ev": "undo", "id": event_id, "time": time_text, "targets": list(targets)}
    return (json.dumps(obj, ensure_ascii=False) + "\n").encode()


class _StateFields(Struct, forbid_unknown_fields=True):
    """The ``after`` object of a review line, as :class:`_ReviewFields` decodes it."""

    state: str
    step: int | None
    stability: float
    difficulty: float
    due: str
    reps: int
    lapses: int


class _ReviewFields(Struct, forbid_unknown_fields=True):
    """A review line's fields with the types a valid one has; what they may hold is
    checked after. A line with any other field goes to :func:`_parse_any_event` (which
    ignores unknown fields): the decoder would skip their bytes unchecked."""

    ev: str
    id: str
    key: str
    time: str
    grade: int
    after: _StateFields
    duration_ms: Any = None
    correct: Any = None
    prev: Any = None
    override: str | UnsetType = UNSET


_review_fields = msgspec.json.Decoder(_ReviewFields)


def parse_event(line: bytes, device: str, origin: tuple[str, int]) -> Event:
    """One event line; raises :class:`BadLine` with a reason if it is not valid.

    Nearly every line is a valid review, and a log can hold a million of them (an
    imported Anki history, years of study): those are decoded straight into their
    fields and checked. Any other line (another kind of event, or anything wrong with
    it) is read by :func:`_parse_any_event`, which decides what is valid and says why
    not; tests/test_progress_lines.py checks that both read every line alike.
    """
    try:
        fields = _review_fields.decode(line)
    except (msgspec.DecodeError, RecursionError):  # (a ValidationError is a DecodeError)
        return _parse_any_event(line, device, origin)
    after = fields.after
    correct, duration, prev = fields.correct, fields.duration_ms, fields.prev
    override = fields.override
    if (
        fields.ev != "review"
        or not fields.key
        or not 1 <= fields.grade <= 4
        or after.state not in _STATES
        or not (after.step is None or after.step >= 0)
        or not 0.0 < after.stability <= 1e9
        or not 0.0 < after.difficulty <= 10.0
        or after.reps < 0
        or after.lapses < 0
        or not (override is UNSET or (len(override) <= MAX_OVERRIDE_CHARS and correct is True))
    ):
        return _parse_any_event(line, device, origin)
    try:
        time = _time(fields.time, "time").timestamp()
        due = _time(after.due, "after.due").timestamp()
    except BadLine:
        return _parse_any_event(line, device, origin)
    return Event(
        "review",
        fields.id,
        time,
        fields.time,
        device,
        fields.key,
        fields.grade,
        duration if type(duration) is int and duration >= 0 else None,
        correct if isinstance(correct, bool) else None,
        prev if isinstance(prev, str) else None,
        CardState(
            after.state,
            after.step,
            after.stability,
            after.difficulty,
            due,
            time,
            after.reps,
            after.lapses,
        ),
        (),
        None if override is UNSET else override,
        origin,
    )


def _parse_any_event(line: bytes, device: str, origin: tuple[str, int]) -> Event:
    """:func:`parse_event` for any line: what every field may hold, and the reason a
    line is refused."""
    obj = _loads(line)
    if not isinstance(obj, dict):
        raise BadLine("not a JSON object")
    kind = obj.get("ev")
    if kind not in KINDS:
        raise BadLine(f"unknown event {kind!r}")
    event_id, time_text = obj.get("id"), obj.get("time")
    if not isinstance(event_id, str) or not isinstance(time_text, str):
        raise BadLine("event without 'id' or 'time'")
    when = _time(time_text, "time")
    event = Event(kind, event_id, when.timestamp(), time_text, device, origin=origin)
    if kind == "undo":
        targets = obj.get("targets")
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise BadLine("undo without a list of 'targets'")
        event.targets = tuple(targets)
        return event
    key = obj.get("key")
    if not isinstance(key, str) or not key:
        raise BadLine("event without a card 'key'")
    event.key = key
    if kind == "review":
        grade = obj.get("grade")
        if type(grade) is not int or grade not in (1, 2, 3, 4):
            raise BadLine(f"invalid grade {grade!r}")
        event.grade = grade
        duration = obj.get("duration_ms")
        event.duration_ms = duration if type(duration) is int and duration >= 0 else None
        correct = obj.get("correct")
        event.correct = correct if isinstance(correct, bool) else None
        prev = obj.get("prev")
        event.prev = prev if isinstance(prev, str) else None
        after = _state_from_json(obj.get("after"))
        event.after = after._replace(last_review=event.time)
        if "override" in obj:
            override = obj["override"]
            if (
                not isinstance(override, str)
                or len(override) > MAX_OVERRIDE_CHARS
                or event.correct is not True
            ):
                raise BadLine(
                    "invalid 'override' (the text of an answer recorded as "
                    "correct, at most 500 characters)"
                )
            event.override = override
    return event


NEW_STATE = CardState(state=NEW)
