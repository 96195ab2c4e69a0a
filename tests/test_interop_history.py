"""The Anki history import writes the progress store's own lines, byte for byte.

The import encodes half a million answers with its own fast path (one format string,
time texts from tables); these tests hold it to the store's reference encoder
(``encode_review`` with ``now_text`` times), in a time zone with daylight saving."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainer.clock import SystemClock
from trainer.interop.history import (
    AnsweredCard,
    CardHistory,
    HistoryResult,
    _encode_card,
    _TimeTexts,
    encode_ahead,
    encode_answered,
    write_history,
)
from trainer.progress import ProgressStore
from trainer.progress.events import encode_review, now_text
from trainer.scheduling import CardState, Scheduler

_FINITE = st.floats(min_value=0.0001, max_value=1e6, allow_nan=False, allow_infinity=False)
_MS = st.integers(min_value=86_400_000, max_value=253_000_000_000_000)  # 1970 to ~9900


@pytest.fixture
def zone_with_daylight_saving(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@given(answered=_MS, offset=st.integers(-14 * 3600, 14 * 3600))
def test_time_texts_are_the_stores_time_texts_from_1970_to_9900(answered, offset):
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    zone = timezone(timedelta(seconds=offset))
    expected = now_text((epoch + timedelta(milliseconds=answered)).astimezone(zone))
    assert _TimeTexts().text(answered, offset) == expected


class _Memory(NamedTuple):
    """An FSRS memory state as fsrs-rs gives it."""

    stability: float
    difficulty: float


@given(
    key=st.text(min_size=1, max_size=30),
    answers=st.lists(
        st.tuples(
            st.integers(1, 4),  # grade
            st.integers(-86_400, 36_500).filter(bool),  # Anki interval: seconds if negative
            st.integers(0, 10**7),  # duration
            _FINITE,  # stability
            _FINITE,  # difficulty
        ),
        min_size=1,
        max_size=4,
    ),
    # Answers until about 2050: the store's encoder takes the due time as float
    # seconds, exact to the millisecond until about 2100.
    answered=st.integers(min_value=86_400_000, max_value=2_500_000_000_000),
)
def test_imported_lines_are_the_bytes_the_store_writes(key, answers, answered):
    offset = 5400
    rows = [
        (answered + n * 1000, grade, interval, duration, offset)
        for n, (grade, interval, duration, _, _) in enumerate(answers)
    ]
    memory = [_Memory(stability, difficulty) for *_, stability, difficulty in answers]
    lines = _encode_card(
        json.dumps(key, ensure_ascii=False),
        "guid|0",
        rows,
        memory,
        set(),
        _TimeTexts(),
        HistoryResult(Path()),
    )
    assert len(lines) == len(rows)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    zone = timezone(timedelta(seconds=offset))
    for line, row, state in zip(lines, rows, memory):
        logged = json.loads(line)
        after = logged["after"]
        assert logged["key"] == key
        # The id every earlier import wrote for this answer: a re-import must find it.
        assert logged["id"] == hashlib.sha1(f"guid|0|{row[0]}".encode()).hexdigest()[:12]
        assert logged["time"] == now_text((epoch + timedelta(milliseconds=row[0])).astimezone(zone))
        assert (after["stability"], after["difficulty"]) == (
            round(state.stability, 4),
            round(state.difficulty, 4),
        )
        reference = encode_review(
            logged["id"],
            key,
            logged["time"],
            logged["grade"],
            logged["duration_ms"],
            None,
            logged["prev"],
            CardState(
                state=after["state"],
                step=after["step"],
                stability=after["stability"],
                difficulty=after["difficulty"],
                due=datetime.fromisoformat(after["due"]).timestamp(),
                reps=after["reps"],
                lapses=after["lapses"],
            ),
        )
        assert line.encode() == reference


def test_imported_lines_replay_with_local_times_across_daylight_saving(
    tmp_path, zone_with_daylight_saving
):
    # Answers on both sides of the change to summer time in Berlin (2024-03-31 01:00 UTC).
    change_ms = 1_711_846_800_000
    rows = [
        (7, change_ms - 3_600_000, 3, -600, 4000),
        (7, change_ms + 3_600_000, 3, 1, 5000),
        (7, change_ms + 86_400_000 * 3, 1, -600, 6000),
        (7, change_ms + 86_400_000 * 3 + 1, 0, 0, 0),  # a manual reschedule: left out
    ]
    result = write_history([CardHistory("deck/card", "guid|0", rows)], tmp_path, SystemClock())
    assert (result.written, result.not_answers) == (3, 1)
    lines = [json.loads(line) for line in result.path.read_text().splitlines()[1:]]
    assert [line["time"][-6:] for line in lines] == ["+01:00", "+02:00", "+02:00"]
    assert [line["after"]["state"] for line in lines] == ["learning", "review", "relearning"]
    assert lines[2]["after"]["lapses"] == 1 and lines[2]["prev"] == lines[1]["id"]
    store = ProgressStore.open(
        tmp_path,
        device="here",
        clock=SystemClock(),
        scheduler_for=lambda key: Scheduler(),
        use_snapshot=False,
    )
    assert not store.warnings
    state = store.records["deck/card"].state
    assert (state.state, state.reps, state.lapses) == ("relearning", 3, 1)
    assert state.due == (change_ms + 86_400_000 * 3) / 1000 + 600
    # Importing again appends nothing; a later package appends only what is new.
    again = write_history([CardHistory("deck/card", "guid|0", rows)], tmp_path, SystemClock())
    assert (again.written, again.already) == (0, 3)
    later = rows + [(7, change_ms + 86_400_000 * 4, 3, 2, 3000)]
    more = write_history([CardHistory("deck/card", "guid|0", later)], tmp_path, SystemClock())
    assert (more.written, more.already) == (1, 3)
    assert len(result.path.read_text().splitlines()) == 1 + 4


def test_answers_at_impossible_dates_are_left_out_and_counted(tmp_path):
    rows = [
        (1, 5_000, 3, 1, 1000),  # 1970-01-01: before the first day the log holds
        (1, 1_700_000_000_000, 3, 1, 1000),
        (1, 1_700_000_100_000, 3, 10**9, 1000),  # due in the year 2.7 million
    ]
    result = write_history([CardHistory("d/c", "g|0", rows)], tmp_path, SystemClock())
    assert (result.written, result.bad_times) == (1, 2)


def _answered(card_id: int, answers: int) -> AnsweredCard:
    day = 86_400_000
    rows = [
        (1_700_000_000_000 + n * day, 1 + n % 4, n - 1 if n else -600, 1000 + n, 3600)
        for n in range(answers)
    ]
    memory = [_Memory(1.5 + n, 5.0 + n / 7) for n in range(answers)]
    return AnsweredCard(card_id, rows, memory, not_answers=card_id % 2, bad_times=0)


def test_lines_encoded_before_the_keys_came_are_the_lines_encoded_after():
    keys = {
        1: ("deck/plain", "guid-a|0"),
        2: ("déck/ünïcode::reverse", "guid-b|1"),
        3: ('deck/a "quoted" \x00 key', "guid-c|0"),  # JSON escapes the NUL
        4: ("deck/moved", "guid-d|0"),
    }
    # The worker's sources: card 4's differs from the key's (it must be encoded again),
    # card 5 has no key (left out), card 6 no source (encoded once the key comes).
    sources = {1: "guid-a|0", 2: "guid-b|1", 3: "guid-c|0", 4: "guid-x|0", 5: "guid-e|0"}
    keys[6] = ("deck/late", "guid-f|0")

    def cards() -> list[AnsweredCard]:
        return [_answered(card_id, 3 + card_id) for card_id in range(1, 7)]

    after = HistoryResult(Path())
    expected = b"".join(encode_answered(cards(), keys, after))
    early, ahead = cards(), HistoryResult(Path())
    encode_ahead(early, sources)
    assert early[0].lines and not early[5].lines
    assert b"".join(encode_answered(early, keys, ahead)) == expected
    assert (ahead.written, ahead.not_answers) == (after.written, after.not_answers) == (31, 2)
    lines = [json.loads(line) for line in expected.splitlines()]
    assert {line["key"] for line in lines} == {key for key, _ in keys.values()}
