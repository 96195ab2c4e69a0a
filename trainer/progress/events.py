"""The lines of a progress log: a header, then one JSON object per event.

Header: ``{"format": 1, "kind": "trainer-progress", "device": "...", "created": "..."}``.

Events (``ev``): ``review`` (an answer, with the scheduler state after it), ``suspend``,
``unsuspend``, ``flag``, ``unflag``, ``leech`` and ``undo`` (cancels earlier events by
id). Times are ISO 8601 with the local UTC offset, to the millisecond.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from trainer.scheduling import LEARNING, NEW, RELEARNING, REVIEW, CardState, to_datetime


class _JSONOnFirstUse:
    """Stands for the :mod:`json` module until first used, then replaces itself with it:
    a start-up from the snapshot (the usual case) neither reads nor writes a log line."""

    def __getattr__(self, name: str) -> Any:
        import json as module

        globals()["json"] = module
        return getattr(module, name)


json: Any = _JSONOnFirstUse()

#: The log format this version reads and writes. Logs with a higher number are refused
#: for writing (never downgraded).
FORMAT = 1
HEADER_KIND = "trainer-progress"

#: Longest typed answer kept with an override (a deck author needs the gist, not a page).
MAX_OVERRIDE_CHARS = 500
MARK_KINDS = ("suspend", "unsuspend", "flag", "unflag", "leech")
KINDS = ("review", "undo") + MARK_KINDS
_STATES = (LEARNING, REVIEW, RELEARNING)


class BadLine(ValueError):
    """A complete line that is not a valid event (corruption, or a foreign edit)."""


@dataclass(slots=True)
class Event:
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
        now = now.replace(tzinfo=timezone.utc)
    return now.isoformat(timespec="milliseconds")


def truncate_to_ms(now: datetime) -> datetime:
    return datetime.fromisoformat(now_text(now))


def header_line(device: str, now: datetime) -> bytes:
    header = {"format": FORMAT, "kind": HEADER_KIND, "device": device, "created": now_text(now)}
    return (json.dumps(header, ensure_ascii=False) + "\n").encode()


def parse_header(line: bytes) -> dict[str, Any]:
    """The header object; raises :class:`BadLine` if ``line`` is not a header."""
    try:
        obj = json.loads(line)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadLine(f"not JSON ({error})") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("format"), int):
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
        due = obj["due"]
        return CardState(
            state=obj["state"],
            step=None if obj["step"] is None else int(obj["step"]),
            stability=float(obj["stability"]),
            difficulty=float(obj["difficulty"]),
            due=datetime.fromisoformat(due).timestamp(),
            last_review=None,  # filled in from the event time
            reps=int(obj["reps"]),
            lapses=int(obj["lapses"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise BadLine(f"review has an invalid 'after' state ({error})") from None


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
    try:
        obj = json.loads(line)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadLine(f"not JSON ({error})") from None
    if not isinstance(obj, dict):
        raise BadLine("not a JSON object")
    kind = obj.get("ev")
    if kind not in KINDS:
        raise BadLine(f"unknown event {kind!r}")
    event_id, time_text = obj.get("id"), obj.get("time")
    if not isinstance(event_id, str) or not isinstance(time_text, str):
        raise BadLine("event without 'id' or 'time'")
    try:
        when = datetime.fromisoformat(time_text)
    except ValueError:
        raise BadLine(f"invalid time {time_text!r}") from None
    if when.tzinfo is None:
        raise BadLine(f"time without UTC offset {time_text!r}")
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
        if grade not in (1, 2, 3, 4):
            raise BadLine(f"invalid grade {grade!r}")
        event.grade = grade
        duration = obj.get("duration_ms")
        event.duration_ms = duration if isinstance(duration, int) else None
        correct = obj.get("correct")
        event.correct = correct if isinstance(correct, bool) else None
        prev = obj.get("prev")
        event.prev = prev if isinstance(prev, str) else None
        after = _state_from_json(obj.get("after"))
        event.after = after._replace(last_review=event.time)
        if "override" in obj:
            override = obj["override"]
            if not isinstance(override, str) or len(override) > MAX_OVERRIDE_CHARS or \
                    event.correct is not True:
                raise BadLine("invalid 'override' (the text of an answer recorded as "
                              "correct, at most 500 characters)")
            event.override = override
    return event


NEW_STATE = CardState(state=NEW)
