"""``trainer review --jsonl [DECK...]``: a study session driven by JSON lines.

One JSON request per line on stdin, one JSON response per line on stdout; see
docs/headless.md for the protocol and a full transcript. Errors are answered with an
``{"error": {"code": ..., "message": ...}}`` line, never a traceback.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
from typing import TYPE_CHECKING, Any, BinaryIO

from trainer.commands.common import add_collection_arguments, open_collection
from trainer.exitcodes import ExitCode

if TYPE_CHECKING:
    from trainer.commands.common import Subparsers
    from trainer.model import StudyCard
    from trainer.session import Answer, StudySession


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "review",
        help="study headless: a JSON-lines protocol on stdin/stdout",
        description="Drive a real study session with JSON lines (see docs/headless.md).",
    )
    add_collection_arguments(parser, json_flag=False)
    parser.add_argument(
        "--jsonl",
        action="store_true",
        required=True,
        help="speak the JSON-lines protocol (the only mode)",
    )
    parser.set_defaults(handler=run)


#: The longest answer time accepted, in seconds (a day): beyond it a duration is an error
#: of the client, and it would overflow the log's milliseconds.
MAX_DURATION = 86400.0


class ProtocolError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def shuffled(values: tuple[str, ...], key: str, review_number: int) -> list[str]:
    """``values`` in an order fixed per (card, review): the same card shows the same
    order until it is answered, and another order at its next review."""
    seed = hashlib.sha256(f"{key}|{review_number}".encode()).digest()
    items = list(values)
    random.Random(int.from_bytes(seed[:8], "big")).shuffle(items)
    return items


class ReviewProtocol:
    """The request handler, independent of stdin/stdout (tests drive it directly)."""

    def __init__(self, session: StudySession) -> None:
        self.session = session
        self.answer: Answer | None = None
        self.ended = False
        #: An answer (or suspend, flag, undo) could not be saved during the session.
        self.save_failed = False

    # -- describing cards --------------------------------------------------------------

    def card_json(self, card: StudyCard) -> dict[str, Any]:
        """What the learner may see before answering: never the answer."""
        from trainer.model import CardType, cloze_display

        session = self.session
        reps = session.collection.state(card.key).reps
        data: dict[str, Any] = {"key": card.key, "deck": card.deck_id, "type": str(card.type)}
        c = card.card
        if card.type is CardType.BASIC:
            data["prompt"] = c.back if card.variant == "reverse" else c.front
        elif card.type is CardType.CLOZE:
            cloze = card.cloze
            assert cloze is not None
            data["prompt"] = cloze_display(c.question, cloze.number, revealed=False)
            data["blanks"] = len(cloze.answers)
        else:
            data["prompt"] = c.question
        if card.type in (CardType.CHOICE, CardType.MULTI):
            data["options"] = shuffled(c.options, card.key, reps)
        if card.type is CardType.ORDER:
            data["items"] = shuffled(c.items, card.key, reps)
        data["position"] = session.position
        data["total"] = session.total
        return data

    def remaining_json(self) -> dict[str, int]:
        r = self.session.remaining
        return {"new": r.new, "learning": r.learning, "due": r.due}

    # -- requests ----------------------------------------------------------------------

    def handle(self, request: Any) -> dict[str, Any]:
        """One response for one request (already parsed from JSON)."""
        from trainer.session import ProgressError

        request_id = request.get("id") if isinstance(request, dict) else None
        try:
            if not isinstance(request, dict) or not isinstance(request.get("cmd"), str):
                raise ProtocolError("bad-request", 'expected an object like {"cmd": "next"}')
            handler = getattr(self, "cmd_" + request["cmd"], None)
            if handler is None:
                raise ProtocolError(
                    "unknown-command",
                    f"unknown cmd {request['cmd']!r}; known: {', '.join(_COMMANDS)}",
                )
            _check_fields(request)
            response = handler(request)
        except ProtocolError as error:
            response = {"error": {"code": error.code, "message": str(error)}}
        except ProgressError as error:
            self.save_failed = True
            response = {"error": {"code": "progress", "message": str(error)}}
        if request_id is not None:
            response["id"] = request_id
        return response

    def _current(self) -> StudyCard:
        card = self.session.current
        if card is None:
            raise ProtocolError("no-card", "nothing left to study now; send end")
        return card

    def _changed_elsewhere(self) -> ProtocolError:
        self.answer = None
        return ProtocolError(
            "card-changed",
            "another window or device answered this card since it was "
            "shown; nothing was recorded; send next for the next card",
        )

    def cmd_next(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.session.recheck():
            self.answer = None
        card = self.session.next()
        if card is None:
            waiting = self.session.waiting_until
            collection = self.session.collection
            ahead = collection.day_ahead(self.session.deck_ids)
            next_due = ahead.next_due
            return {
                "card": None,
                "done": True,
                "waiting_until": waiting.isoformat(timespec="milliseconds") if waiting else None,
                # What the TUI says as "Done for today. Tomorrow: 21 cards, next in 13 h".
                "tomorrow": ahead.tomorrow,
                "next_due": (
                    next_due.astimezone(collection.clock.now().tzinfo).isoformat(
                        timespec="milliseconds"
                    )
                    if next_due
                    else None
                ),
                "remaining": self.remaining_json(),
            }
        return {"card": self.card_json(card), "remaining": self.remaining_json()}

    def cmd_answer(self, request: dict[str, Any]) -> dict[str, Any]:
        from trainer.model import CardType

        card = self._current_unchanged()
        if self.answer is not None:
            # One answer per card: a second one must not replace a wrong first one.
            raise ProtocolError(
                "already-answered",
                "this card is answered; send grade (the answer stands, undo takes back "
                "graded cards only)",
            )
        duration = request.get("duration")
        if duration is not None and (
            type(duration) not in (int, float) or not 0 <= duration <= MAX_DURATION
        ):
            raise ProtocolError(
                "bad-request", f"duration must be a number of seconds from 0 to {MAX_DURATION:g}"
            )
        response = request.get("response")
        if not card.type.self_graded:
            expected_type: type
            if card.type is CardType.TRUEFALSE:
                expected_type = bool
            elif card.type in (CardType.MULTI, CardType.ORDER):
                expected_type = list
            else:
                expected_type = str
            if not isinstance(response, expected_type) or (
                isinstance(response, list) and not all(isinstance(x, str) for x in response)
            ):
                names: dict[type, str] = {
                    bool: "true or false",
                    list: "a list of strings",
                    str: "a string",
                }
                raise ProtocolError(
                    "bad-response",
                    f'{_article(str(card.type))} {card.type} card needs "response": '
                    f"{names[expected_type]}",
                )
            _check_choices(card, response)
        else:
            self.session.reveal()
        answer = self.session.submit(response, duration=duration)
        self.answer = answer
        data: dict[str, Any] = {"key": card.key, "suggested": int(answer.suggested)}
        if answer.result is None:
            c = card.card
            data["result"] = None
            data["back"] = c.front if card.variant == "reverse" else c.back
        else:
            result = answer.result
            data["result"] = {
                "correct": result.correct,
                "expected": result.expected,
                "typos": result.typos,
                "note": result.note,
            }
        if card.card.explanation:
            data["explanation"] = card.card.explanation
        return data

    def cmd_grade(self, request: dict[str, Any]) -> dict[str, Any]:
        from trainer.scheduling import Grade, to_datetime

        card = self._current()
        if self.answer is None:
            raise ProtocolError(
                "answer-first",
                "send answer before grade (basic cards: "
                'an "answer" without "response" reveals the back)',
            )
        grade = request.get("grade")
        if grade is None:
            grade = int(self.answer.suggested)
        if type(grade) is not int or grade not in (1, 2, 3, 4):
            raise ProtocolError(
                "bad-grade", "grade must be 1 (again), 2 (hard), 3 (good) or 4 (easy)"
            )
        from trainer.session import CardChanged

        try:
            self.session.record(Grade(grade), only_if_unchanged=True)
        except CardChanged:
            raise self._changed_elsewhere() from None
        self.answer = None
        state = self.session.collection.state(card.key)
        due = (
            None
            if state.due is None
            else to_datetime(state.due).astimezone(self.session.collection.clock.now().tzinfo)
        )
        event_id = self.session.collection.store.records[card.key].last_id
        return {
            "recorded": {
                "key": card.key,
                "grade": grade,
                "state": state.state,
                "due": due.isoformat(timespec="milliseconds") if due else None,
                "id": event_id,
            },
            "remaining": self.remaining_json(),
        }

    def cmd_undo(self, request: dict[str, Any]) -> dict[str, Any]:
        card = self.session.undo()
        self.answer = None
        if card is None:
            raise ProtocolError("nothing-to-undo", "nothing to undo in this session")
        return {"undone": card.key, "card": self.card_json(card)}

    def _current_unchanged(self) -> StudyCard:
        """The current card, unless another window or device changed it since it was
        shown (then ``card-changed``: nothing is recorded)."""
        if self.session.recheck():
            raise self._changed_elsewhere()
        return self._current()

    def cmd_suspend(self, request: dict[str, Any]) -> dict[str, Any]:
        card = self._current_unchanged()
        self.session.suspend_current()
        self.answer = None
        return {"suspended": card.key}

    def cmd_bury(self, request: dict[str, Any]) -> dict[str, Any]:
        card = self._current_unchanged()
        self.session.bury_current()
        self.answer = None
        return {"buried": card.key}

    def cmd_flag(self, request: dict[str, Any]) -> dict[str, Any]:
        card = self._current_unchanged()
        return {"key": card.key, "flagged": self.session.flag_current()}

    def cmd_end(self, request: dict[str, Any]) -> dict[str, Any]:
        self.ended = True
        s = self.session.summary()
        return {
            "summary": {
                "studied": s.studied,
                "correct": s.correct,
                "accuracy": s.accuracy,
                "time_spent": round(s.time_spent, 3),
                "missed": [c.key for c in s.missed],
            }
        }


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999: JSON has no infinity to answer it with
        raise ValueError(f"{text} is too large a number")
    return value


#: Fields each request may carry besides ``cmd`` and ``id``: a misspelt one is an error,
#: not a default (``"grdae": 1`` would record the suggested grade).
_FIELDS: dict[str, frozenset[str]] = {
    "answer": frozenset({"response", "duration"}),
    "grade": frozenset({"grade"}),
}


def _check_fields(request: dict[str, Any]) -> None:
    allowed = _FIELDS.get(request["cmd"], frozenset())
    unknown = sorted(set(request) - {"cmd", "id"} - allowed)
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], sorted(allowed), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        takes = ", ".join(repr(name) for name in sorted(allowed)) or "no other fields"
        raise ProtocolError(
            "bad-request",
            f"unknown field {unknown[0]!r} for {request['cmd']}{hint}; it takes {takes}",
        )


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _check_choices(card: StudyCard, response: Any) -> None:
    """A choice, multi or order response names the card's options (items) as shown: each
    once, and for order all of them."""
    from trainer.model import CardType

    c = card.card
    if card.type is CardType.CHOICE and response not in c.options:
        raise ProtocolError("bad-response", "a choice response is one of the card's options")
    if card.type is CardType.MULTI and (
        len(set(response)) != len(response) or not set(response) <= set(c.options)
    ):
        raise ProtocolError(
            "bad-response", "a multi response lists some of the card's options, each once"
        )
    if card.type is CardType.ORDER and sorted(response) != sorted(c.items):
        raise ProtocolError(
            "bad-response", "an order response lists every one of the card's items, each once"
        )


#: The requests the protocol answers: each is a ``cmd_NAME`` method of ReviewProtocol.
_COMMANDS = tuple(name[4:] for name in vars(ReviewProtocol) if name.startswith("cmd_"))


def parse_request(line: bytes) -> Any:
    """One request line as JSON; raises :class:`ProtocolError` (``bad-json``) if it is
    not UTF-8, not JSON, uses NaN or Infinity, or nests too deeply to parse."""
    try:
        text = line.decode("utf-8").removeprefix("\ufeff")  # (a BOM some writers put first)
    except UnicodeDecodeError as error:
        raise ProtocolError("bad-json", f"not UTF-8 text: {error}") from None
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except ValueError as error:
        raise ProtocolError("bad-json", f"not JSON: {error}") from None
    except RecursionError:
        raise ProtocolError("bad-json", "not JSON: nested too deeply") from None


def encode_response(response: dict[str, Any]) -> bytes:
    """One response line in UTF-8. Text that has no UTF-8 form (a lone surrogate sent in
    an ``id``) is written as JSON escapes, which read back as what was sent."""
    try:
        return (json.dumps(response, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(response) + "\n").encode("ascii")


def serve(protocol: ReviewProtocol, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Answer requests from ``stdin`` until ``end`` or end of input (UTF-8 both ways,
    whatever the locale)."""
    for line in stdin:
        if not line.strip():
            continue
        try:
            request = parse_request(line)
        except ProtocolError as error:
            response: dict[str, Any] = {"error": {"code": error.code, "message": str(error)}}
        else:
            response = protocol.handle(request)
        stdout.write(encode_response(response))
        stdout.flush()
        if protocol.ended:
            return


def run(args: argparse.Namespace) -> ExitCode:
    with open_collection(args, records=True) as collection:
        protocol = ReviewProtocol(collection.start_session())
        serve(protocol, sys.stdin.buffer, sys.stdout.buffer)
    return ExitCode.PROGRESS if protocol.save_failed else ExitCode.OK
