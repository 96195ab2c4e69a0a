"""The Anki history import writes the progress store's own lines, byte for byte.

The import encodes half a million answers with its own fast path (one format string,
time texts from tables); these tests hold it to the store's reference encoder
(``encode_review`` with ``now_text`` times), in a time zone with daylight saving."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainer.clock import SystemClock
from trainer.interop.history import CardHistory, _TimeTexts, write_history
from trainer.progress import ProgressStore
from trainer.progress.events import encode_bulk_review, encode_review, now_text
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


@given(
    key=st.text(min_size=1, max_size=30),
    grade=st.integers(1, 4),
    duration=st.integers(0, 10**7),
    prev=st.none() | st.from_regex(r"[0-9a-f]{12}", fullmatch=True),
    state=st.sampled_from(["learning", "review", "relearning"]),
    step=st.none() | st.integers(0, 10),
    stability=_FINITE,
    difficulty=_FINITE,
    reps=st.integers(1, 10**5),
    lapses=st.integers(0, 10**4),
    answered=_MS,
    due=_MS,
)
def test_bulk_lines_are_the_bytes_the_store_writes(
    key, grade, duration, prev, state, step, stability, difficulty, reps, lapses, answered, due
):
    zone = timezone(timedelta(minutes=90))
    times = _TimeTexts()
    time_text = times.text(answered, 5400)
    due_text = times.text(due, 0)
    # Exact: a float of seconds since 1970 loses the millisecond after about 2100.
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert time_text == now_text((epoch + timedelta(milliseconds=answered)).astimezone(zone))
    assert due_text == now_text(epoch + timedelta(milliseconds=due))
    # The store's encoder takes the due time as float seconds, exact to the millisecond
    # until about 2100: the line is compared there.
    due = 86_400_000 + due % 4_000_000_000_000
    due_text = times.text(due, 0)
    after = CardState(
        state=state,
        step=step,
        stability=stability,
        difficulty=difficulty,
        due=due / 1000,
        reps=reps,
        lapses=lapses,
    )
    reference = encode_review("0123456789ab", key, time_text, grade, duration, None, prev, after)
    fast = encode_bulk_review(
        json.dumps(key, ensure_ascii=False),
        "0123456789ab",
        time_text,
        grade,
        duration,
        prev,
        state,
        step,
        stability,
        difficulty,
        due_text,
        reps,
        lapses,
    )
    assert fast.encode() == reference


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
