"""Anki's review log (revlog) as a progress log of its own.

Each Anki answer becomes a ``review`` event in ``reviews-anki-import.jsonl`` (the device
``anki-import``), written with the progress store's own encoder and log writer (locked,
whole lines, fsynced), so replay, ``trainer stats`` and ``trainer optimize`` read it like
any other device's log.

* ``grade`` is Anki's button (1-4), ``duration_ms`` its answer time, ``time`` its answer
  time stamp. Rows without a button (manual reschedules, "set due date", resets) are
  not answers and are left out (counted).
* ``after`` is the state the answer left: due at Anki's own interval (``ivl``: days, or
  seconds when negative), learning/relearning/review from that interval, and FSRS
  stability and difficulty from the card's whole history, computed by FSRS's reference
  implementation (``fsrs-rs``) with the default weights. So the schedule continues where
  Anki left it, and ``trainer optimize`` can fit on the history at once.
* Event ids are derived from the note GUID, the card and the revlog id, and ``prev``
  chains each card's answers: importing the same package again appends nothing, and a
  later package appends only the answers given since.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from trainer.clock import Clock
from trainer.progress.events import encode_review, header_line, now_text
from trainer.progress.logfile import LogWriter, read_log
from trainer.scheduling import LEARNING, RELEARNING, REVIEW, CardState

__all__ = ["DEVICE", "HistoryResult", "RevlogRow", "write_history"]

DEVICE = "anki-import"
#: Answers written per append (one write and one fsync each).
_BATCH = 20_000
_DAY = 86_400.0


@dataclass(slots=True, frozen=True)
class RevlogRow:
    """One Anki answer of one card.

    Attributes:
        key: the study card's progress key (``deck/card`` or ``deck/card::variant``).
        stable: what the event id is derived from (note GUID and card ordinal).
        revlog_id: Anki's revlog id: the answer time in milliseconds since 1970.
        ease: the button, 1-4; 0 for a row that is not an answer.
        interval: Anki's new interval: days, or seconds when negative.
        taken_ms: time taken to answer.
    """

    key: str
    stable: str
    revlog_id: int
    ease: int
    interval: int
    taken_ms: int


@dataclass(slots=True)
class HistoryResult:
    """What :func:`write_history` did.

    Attributes:
        path: the progress log written to.
        written: answers appended now.
        already: answers already in the log (from an earlier import of the same history).
        not_answers: revlog rows without a button (manual reschedules), left out.
    """

    path: Path
    written: int = 0
    already: int = 0
    not_answers: int = 0


_ZONES: dict[int, timezone] = {}
_ROLLOVER_SECONDS = 4 * 3600  # the study day starts at 4 am, as Anki's does by default


def _time_text(when: float) -> str:
    """``when`` as the log writes it: local time with its offset, to the millisecond."""
    offset = time.localtime(when).tm_gmtoff
    zone = _ZONES.get(offset)
    if zone is None:
        zone = _ZONES[offset] = timezone(timedelta(seconds=offset))
    return now_text(datetime.fromtimestamp(when, zone))


def _study_day(when: float) -> int:
    """The number of the local study day ``when`` falls in."""
    return int((when + time.localtime(when).tm_gmtoff - _ROLLOVER_SECONDS) // _DAY)


def _event_id(row: RevlogRow) -> str:
    return hashlib.sha1(f"{row.stable}|{row.revlog_id}".encode()).hexdigest()[:12]


def _by_card(rows: Iterable[RevlogRow]) -> Iterator[list[RevlogRow]]:
    """``rows`` (sorted by card, then time) grouped per card."""
    group: list[RevlogRow] = []
    for row in rows:
        if group and row.key != group[0].key:
            yield group
            group = []
        group.append(row)
    if group:
        yield group


def _encode_card(
    answers: list[RevlogRow], memory: list[object], known: set[str], result: HistoryResult
) -> list[bytes]:
    lines: list[bytes] = []
    previous: str | None = None
    state_name = ""
    lapses = 0
    for reps, (row, memory_state) in enumerate(zip(answers, memory), 1):
        when = row.revlog_id / 1000.0
        if row.ease == 1 and state_name == REVIEW:
            lapses += 1
        if row.interval > 0:
            state_name, step, due = REVIEW, None, when + row.interval * _DAY
        else:
            relearning = state_name in (REVIEW, RELEARNING)
            state_name, step, due = (RELEARNING if relearning else LEARNING), 0, when - row.interval
        event_id = _event_id(row)
        if event_id in known:
            result.already += 1
        else:
            after = CardState(
                state=state_name,
                step=step,
                stability=round(memory_state.stability, 4),  # type: ignore[attr-defined]
                difficulty=round(memory_state.difficulty, 4),  # type: ignore[attr-defined]
                due=due,
                reps=reps,
                lapses=lapses,
            )
            time_text = _time_text(when)
            lines.append(
                encode_review(
                    event_id, row.key, time_text, row.ease, row.taken_ms, None, previous, after
                )
            )
            known.add(event_id)
        previous = event_id
    return lines


def _memory_states(cards: list[list[RevlogRow]]) -> list[list[object]]:
    """FSRS memory state after each answer of each card (fsrs-rs, default weights)."""
    import fsrs_rs_python as fsrs_rs

    model = fsrs_rs.FSRS(fsrs_rs.DEFAULT_PARAMETERS)
    items = []
    for answers in cards:
        reviews = []
        last_day: int | None = None
        for row in answers:
            day = _study_day(row.revlog_id / 1000.0)
            reviews.append(fsrs_rs.FSRSReview(row.ease, 0 if last_day is None else day - last_day))
            last_day = day
        items.append(fsrs_rs.FSRSItem(reviews))
    return model.historical_memory_state_batch(items)


def write_history(rows: Iterable[RevlogRow], progress_dir: Path, clock: Clock) -> HistoryResult:
    """Append the answers among ``rows`` (sorted by card, then time) to the import log."""
    from trainer.progress.store import clean_device_id

    progress_dir.mkdir(parents=True, exist_ok=True)
    path = progress_dir / f"reviews-{clean_device_id(DEVICE)}.jsonl"
    result = HistoryResult(path)
    known = (
        {event.id for event in read_log(path, None, progress_dir).events}
        if path.exists()
        else set()
    )
    writer = LogWriter(path, header_line(DEVICE, clock.now()))
    writer.lock()
    try:
        pending: list[list[RevlogRow]] = []
        pending_rows = 0

        def flush() -> None:
            lines: list[bytes] = []
            for answers, memory in zip(pending, _memory_states(pending)):
                lines.extend(_encode_card(answers, memory, known, result))
            if lines:
                writer.append(lines)
                result.written += len(lines)
            pending.clear()

        for card_rows in _by_card(rows):
            answers = [row for row in card_rows if 1 <= row.ease <= 4]
            result.not_answers += len(card_rows) - len(answers)
            if answers:
                pending.append(answers)
                pending_rows += len(answers)
            if pending_rows >= _BATCH:
                flush()
                pending_rows = 0
        flush()
    finally:
        writer.unlock()
        writer.close()
    return result
