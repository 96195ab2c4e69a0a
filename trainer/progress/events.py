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

from msgspec import Struct

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


def parse_event(line: bytes, device: str, origin: tuple[str, int]) -> Event:
    """One event line; raises :class:`BadLine` with a reason if it is not valid."""
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
