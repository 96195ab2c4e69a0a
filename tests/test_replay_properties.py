"""Replay equals history: whatever devices do, the state is answering every review in order.

Hypothesis generates histories of several devices answering overlapping cards, syncing
their logs to each other late and in any order, restarting (loading from the snapshot),
with the clock sometimes stepping backwards. For every device's progress directory, and
for all logs merged, these must agree exactly, card by card:

* the state the running store holds (what it computed as answers and syncs came in),
* a normal load (the snapshot, plus whatever was appended since),
* a full replay (no snapshot),
* the recomputation of every review in time order with the scheduler (the reference).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msgspec.structs import astuple

from trainer.clock import FakeClock
from trainer.progress.events import encode_review, now_text, truncate_to_ms
from trainer.progress.replay import CardRecord, replay
from trainer.progress.store import ProgressStore, new_event_id
from trainer.scheduling import Grade, Scheduler, SchedulerSettings

DEVICES = ("a", "b", "c")
KEYS = ("d/c0", "d/c1", "d/c2")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SCHEDULER = Scheduler(SchedulerSettings(), UTC)  # fuzz on: it must replay too
#: Seconds the clock moves before an answer: learning steps, days, and steps backwards.
STEPS = (-3600, -60, -1, 0, 30, 600, 3 * 3600, 86400, 3 * 86400, 20 * 86400)


def scheduler_for(key: str) -> Scheduler:
    return SCHEDULER


answer = st.tuples(
    st.just("answer"),
    st.sampled_from(DEVICES),
    st.sampled_from(KEYS),
    st.integers(1, 4),
    st.sampled_from(STEPS),
)
sync = st.tuples(st.just("sync"), st.sampled_from(DEVICES), st.sampled_from(DEVICES))
restart = st.tuples(st.just("restart"), st.sampled_from(DEVICES))
histories = st.lists(st.one_of(answer, answer, answer, sync, restart), min_size=1, max_size=24)


def _open(
    directory: Path, device: str, clock: FakeClock, *, snapshot: bool = True
) -> ProgressStore:
    return ProgressStore.open(
        directory, device=device, clock=clock, scheduler_for=scheduler_for, use_snapshot=snapshot
    )


def _record_answer(store: ProgressStore, clock: FakeClock, key: str, grade: int) -> None:
    """What a study session does on an answer (trainer.session.StudySession.record)."""
    with store.transaction():
        before = store.records.get(key) or CardRecord()
        when = truncate_to_ms(clock.now())
        after = SCHEDULER.review(key, before.state, Grade(grade), when)
        store.write(
            [
                encode_review(
                    new_event_id(), key, now_text(when), grade, 1000, None, before.last_id, after
                )
            ]
        )


def _sync(source: Path, target: Path) -> None:
    """Copy every log the source has that the target lacks or has less of (a file sync)."""
    for log in source.glob("*.jsonl"):
        copy = target / log.name
        if not copy.exists() or copy.stat().st_size < log.stat().st_size:
            shutil.copyfile(log, copy)


def _table(store: ProgressStore) -> dict[str, tuple]:
    return {key: astuple(store.records[key]) for key in store.records}


def _check_directory(
    directory: Path, device: str, clock: FakeClock, running: ProgressStore | None
) -> None:
    if running is not None:
        running.refresh()
        live = _table(running)
        running.close()
    loaded = _open(directory, device, clock)
    normal = _table(loaded)
    events = list(loaded.all_events())
    loaded.close(save_snapshot=False)
    full = _table(_open(directory, device, clock, snapshot=False))
    reference = {
        key: astuple(record)
        for key, record in replay(events, scheduler_for, trust_recorded=False).items()
    }
    assert full == reference
    assert normal == reference
    if running is not None:
        assert live == reference


@pytest.fixture(autouse=True)
def _no_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "fsync", lambda fd: None)  # durability is tested elsewhere


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories)
def test_every_load_equals_answering_every_review_in_time_order(history) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        clock = FakeClock(START)
        directories = {device: root / device for device in DEVICES}
        stores = {device: _open(directories[device], device, clock) for device in DEVICES}
        for step in history:
            if step[0] == "answer":
                _, device, key, grade, seconds = step
                clock.advance(timedelta(seconds=seconds))
                _record_answer(stores[device], clock, key, grade)
            elif step[0] == "sync":
                _, source, target = step
                if source != target:
                    _sync(directories[source], directories[target])
                    stores[target].refresh()
            else:
                device = step[1]
                stores[device].close()
                stores[device] = _open(directories[device], device, clock)
        for device in DEVICES:
            _check_directory(directories[device], device, clock, stores[device])
        merged = root / "merged"
        merged.mkdir()
        for device in DEVICES:
            _sync(directories[device], merged)
        _check_directory(merged, "merged", clock, None)


def test_two_devices_on_one_card_merge_to_the_time_ordered_history(tmp_path: Path) -> None:
    # Issue 10: A answers once, then B (not synced) three times. B's later reviews were
    # computed from B's own state; after the merge they are recomputed too.
    clock = FakeClock(START)
    a = _open(tmp_path / "a", "a", clock)
    b = _open(tmp_path / "b", "b", clock)
    _record_answer(a, clock, "d/c0", 3)
    for _ in range(3):
        clock.advance(timedelta(minutes=11))
        _record_answer(b, clock, "d/c0", 3)
    _sync(tmp_path / "a", tmp_path / "b")
    b.refresh()
    record = b.records["d/c0"]
    assert record.state.reps == 4
    reference = replay(list(b.all_events()), scheduler_for, trust_recorded=False)["d/c0"]
    assert record.state == reference.state
