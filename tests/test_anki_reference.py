"""The trainer's schedulers give the intervals the official Anki library gives.

tests/fixtures/anki_reference.json was written by benchmarks/anki_reference.py, which
drives real Anki (26.9.3, under a faked clock, FSRS-6 default weights, no fuzz) through
hand-picked and random answer sequences, answered at the same hour every day, alternately
in the evening and the morning, and exactly N x 24 h later (docs/scheduling.md says how to
regenerate it). This test needs no Anki: it replays the same answers at the same times
through

* the scheduler the app uses (:class:`trainer.scheduling.Scheduler`),
* the FSRS and the SM-2 of the scheduler benchmark (:mod:`trainer.simulation`),

and requires every interval to be identical, except that an interval may differ by exactly
one day where the stabilities agree within 0.1% (Anki computes in single precision; a
stability on a rounding edge). It reports how many cases needed that.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from trainer.scheduling import (
    LEARNING,
    RELEARNING,
    REVIEW,
    CardState,
    Grade,
    Scheduler,
    SchedulerSettings,
)
from trainer.simulation.simulator import EPOCH, FsrsAdapter
from trainer.simulation.sm2 import Sm2Card, Sm2Scheduler, Sm2Settings

FIXTURE = Path(__file__).parent / "fixtures" / "anki_reference.json"
UTC = UTC
_KINDS = {"learning": LEARNING, "relearning": RELEARNING, "review": REVIEW}
_TOLERANCE = 0.001


def _fixture() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())


def _runs(scheduler: str) -> list[dict[str, Any]]:
    return [run for run in _fixture()["runs"] if run["scheduler"] == scheduler]


def _times(case: dict[str, Any], created: datetime) -> list[datetime]:
    return [created + timedelta(seconds=t) for t in case["times"]]


def _grades(case: dict[str, Any]) -> list[Grade]:
    return [Grade("AHGE".index(letter) + 1) for letter in case["grades"]]


class Tally:
    """Answers compared, and those where a 1-day difference on a stability rounding
    edge was allowed."""

    def __init__(self) -> None:
        self.answers = 0
        self.cases = 0
        self.edge: list[str] = []
        self.failures: list[str] = []

    def check_days(
        self, where: str, ours: int, anki: int, our_s: float | None, anki_s: float | None
    ) -> None:
        self.answers += 1
        if ours == anki:
            return
        close = (
            our_s is not None and anki_s is not None and abs(our_s - anki_s) <= _TOLERANCE * anki_s
        )
        if abs(ours - anki) == 1 and close:
            self.edge.append(where)
        else:
            self.failures.append(
                f"{where}: {ours} days, Anki {anki} (stability {our_s}, Anki {anki_s})"
            )

    def check(self, where: str, ours: Any, anki: Any) -> None:
        self.answers += 1
        if ours != anki:
            self.failures.append(f"{where}: {ours!r}, Anki {anki!r}")

    def report(self, capsys: pytest.CaptureFixture[str], what: str) -> None:
        with capsys.disabled():
            print(
                f"\n{what}: {self.answers} answers in {self.cases} cases; "
                f"{len({w.split(' #')[0] for w in self.edge})} cases "
                f"({len(self.edge)} answers) needed the 1-day single-precision allowance"
            )
        assert not self.failures, f"{len(self.failures)} differ:\n" + "\n".join(self.failures[:20])


def _created() -> datetime:
    return datetime.fromisoformat(_fixture()["created"])


def _fsrs_settings(run: dict[str, Any]) -> SchedulerSettings:
    fixture = _fixture()
    return SchedulerSettings(
        desired_retention=run["desired_retention"],
        enable_fuzzing=False,
        learning_steps=tuple(float(m) for m in fixture["learning_steps_minutes"]),
        relearning_steps=tuple(float(m) for m in fixture["relearning_steps_minutes"]),
        day_rollover_hour=fixture["rollover_hour"],
        maximum_interval=36500,
    )


def _compare_fsrs_state(
    tally: Tally, where: str, state: CardState, days: int, outcome: list[Any]
) -> None:
    kind, value, stability, _difficulty = outcome
    tally.check(f"{where} state", state.state, _KINDS[kind])
    assert state.due is not None and state.last_review is not None
    if kind == "review":
        tally.check_days(where, days, value, state.stability, stability)
    else:
        tally.check(f"{where} step seconds", round(state.due - state.last_review), value)
    tally.answers -= 1  # one answer, however many facts were checked


def test_the_apps_fsrs_gives_ankis_intervals(capsys: pytest.CaptureFixture[str]) -> None:
    tally = Tally()
    created = _created()
    for run in _runs("fsrs"):
        scheduler = Scheduler(_fsrs_settings(run), UTC)
        for case in run["cases"]:
            tally.cases += 1
            state = CardState()
            for position, (grade, when, outcome) in enumerate(
                zip(_grades(case), _times(case, created), case["outcomes"])
            ):
                state = scheduler.review("d/c", state, grade, when)
                assert state.due is not None and state.last_review is not None
                days = scheduler.days.between(state.last_review, state.due)
                where = (
                    f"DR {run['desired_retention']} {run['pattern']} {case['grades']} #{position}"
                )
                _compare_fsrs_state(tally, where, state, days, outcome)
    tally.report(capsys, "app FSRS vs Anki")


def test_the_benchmarks_fsrs_gives_ankis_intervals(capsys: pytest.CaptureFixture[str]) -> None:
    tally = Tally()
    created = _created()
    rollover = _fixture()["rollover_hour"]
    for run in _runs("fsrs"):
        adapter = FsrsAdapter(run["desired_retention"], rollover_hour=rollover)
        for number, case in enumerate(run["cases"]):
            tally.cases += 1
            state = adapter.new_card()
            for position, (grade, when, outcome) in enumerate(
                zip(_grades(case), _times(case, created), case["outcomes"])
            ):
                now = (when - EPOCH).total_seconds() / 86400
                state, due = adapter.answer(number, state, int(grade), now)
                # Simulated days start at the rollover hour: whole days between.
                shift = rollover / 24
                days = int(due - shift) - int(now - shift)
                where = (
                    f"DR {run['desired_retention']} {run['pattern']} {case['grades']} #{position}"
                )
                kind, value, stability, _ = outcome
                if kind == "review":
                    tally.check_days(where, days, value, state.stability, stability)
                else:
                    tally.check(f"{where} step seconds", round((due - now) * 86400), value)
    tally.report(capsys, "benchmark FSRS vs Anki")


def test_the_benchmarks_sm2_gives_ankis_intervals_and_ease(
    capsys: pytest.CaptureFixture[str],
) -> None:
    tally = Tally()
    created = _created()
    rollover = _fixture()["rollover_hour"]
    for run in _runs("sm2"):
        sm2 = Sm2Scheduler(Sm2Settings(interval_modifier=run["interval_modifier"]))
        for case in run["cases"]:
            tally.cases += 1
            card = Sm2Card()
            for position, (grade, when, outcome) in enumerate(
                zip(_grades(case), _times(case, created), case["outcomes"])
            ):
                # SM-2's days are whole from the rollover hour.
                now = (when - EPOCH - timedelta(hours=rollover)).total_seconds() / 86400
                card = sm2.answer(card, int(grade), now)
                kind, value, ease = outcome
                where = (
                    f"IM {run['interval_modifier']} {run['pattern']} {case['grades']} #{position}"
                )
                if kind == "review":
                    tally.check(f"{where} days", (card.phase, card.interval), ("review", value))
                else:
                    tally.check(f"{where} step seconds", round((card.due - now) * 86400), value)
                tally.answers -= 1
                if kind != "learning":  # Anki sets the ease when a card graduates
                    tally.check(f"{where} ease", card.ease, ease)
    tally.report(capsys, "benchmark SM-2 vs Anki")


def test_the_fixture_covers_what_the_issue_asks_for() -> None:
    runs = _fixture()["runs"]
    assert (
        sorted(r["desired_retention"] for r in runs if r["scheduler"] == "fsrs")
        == [0.8] * 3 + [0.9] * 3 + [0.95] * 3
    )
    assert (
        sorted(r["interval_modifier"] for r in runs if r["scheduler"] == "sm2")
        == [0.5] * 3 + [1.0] * 3 + [2.0] * 3
    )
    assert {r["pattern"] for r in runs} == {"same-hour", "evening-morning", "exact"}
    assert all(len(r["cases"]) >= 110 for r in runs)
