"""Scheduler benchmark: reviews needed for a given level of knowledge, on simulated learners.

Simulated learners (two hidden memory models, docs/scheduling.md) study a collection
for a year under FSRS with default weights, FSRS with weights fitted on the learner's
first months, Anki's SM-2 with default options, and Leitner boxes. Each scheduler's knob
is swept (desired retention; interval modifier; box multiplier). For each hidden model it
prints reviews done against average knowledge per scheduler, then the reviews each
scheduler needs at equal knowledge (piecewise-linear interpolation along each
scheduler's efficient frontier) and the ratio optimized FSRS / SM-2.

Usage: .venv/bin/python benchmarks/scheduler_bench.py [--quick] [--learners N]
       [--cards N] [--new-per-day N] [--days N] [--fit-day N] [--jobs N]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from dataclasses import dataclass
from datetime import UTC
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trainer.simulation.leitner import LeitnerScheduler  # noqa: E402
from trainer.simulation.memory_models import MODELS  # noqa: E402
from trainer.simulation.simulator import (  # noqa: E402
    FsrsAdapter,
    LeitnerAdapter,
    SimConfig,
    Simulation,
    Sm2Adapter,
    to_datetime,
)
from trainer.simulation.sm2 import Sm2Scheduler, Sm2Settings  # noqa: E402
from trainer.studyday import StudyDays  # noqa: E402

#: The simulator's days: whole days from midnight UTC.
SIMULATED_DAYS = StudyDays(0, UTC)

RETENTIONS = (0.70, 0.75, 0.80, 0.85, 0.90, 0.95)
MODIFIERS = (0.5, 0.7, 1.0, 1.4, 2.0)
SCHEDULERS = {
    "FSRS default": ("desired retention", RETENTIONS),
    "FSRS optimized": ("desired retention", RETENTIONS),
    "SM-2": ("interval modifier", MODIFIERS),
    "Leitner": ("box multiplier", MODIFIERS),
}


@dataclass(frozen=True)
class Task:
    model: str
    scheduler: str
    knob: float
    learner: int
    config: SimConfig
    fit_day: int


@dataclass(frozen=True)
class Outcome:
    task: Task
    reviews: int
    knowledge: float
    note: str = ""


def _fit_hook(fit_day: int, adapter: FsrsAdapter, notes: list[str]):  # type: ignore[no-untyped-def]
    """At ``fit_day``, fit weights on the log so far and switch to them if they predict
    the held-out reviews better (what `trainer optimize` does)."""
    from trainer.optimizer import NotEnoughReviews, Review, fit

    def hook(day: int, simulation: Simulation) -> None:
        if day != fit_day:
            return
        reviews = [Review(str(card), to_datetime(t), grade) for card, t, grade in simulation.log]
        try:
            report = fit(reviews, with_retention=False, days=SIMULATED_DAYS)
        except NotEnoughReviews as error:
            notes.append(f"kept defaults: {error}")
            return
        if report.better:
            simulation.reschedule(adapter.set_parameters(report.parameters, simulation.states))
            notes.append(
                f"fitted: log loss {report.default.log_loss:.3f} -> {report.fitted.log_loss:.3f}"
            )
        else:
            notes.append(
                f"kept defaults: fitted log loss {report.fitted.log_loss:.3f} "
                f"not below {report.default.log_loss:.3f}"
            )

    return hook


def run_task(task: Task) -> Outcome:
    learner = MODELS[task.model](seed=1000 + task.learner)
    notes: list[str] = []
    hook = None
    if task.scheduler.startswith("FSRS"):
        adapter = FsrsAdapter(task.knob)
        scheduler = adapter
        if task.scheduler == "FSRS optimized":
            hook = _fit_hook(task.fit_day, adapter, notes)
    elif task.scheduler == "SM-2":
        scheduler = Sm2Adapter(Sm2Scheduler(Sm2Settings(interval_modifier=task.knob)))
    else:
        scheduler = LeitnerAdapter(LeitnerScheduler(base=task.knob))
    result = Simulation(learner, scheduler, task.config, seed=task.learner).run(hook)
    return Outcome(task, result.reviews, result.knowledge, "; ".join(notes))


def frontier(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """(knowledge, reviews) points not beaten by another (more knowledge for fewer
    reviews), by increasing knowledge."""
    best: list[tuple[float, float]] = []
    for knowledge, reviews in sorted(points, key=lambda p: (-p[0], p[1])):
        if not best or reviews < best[-1][1]:
            best.append((knowledge, reviews))
    return sorted(best)


def reviews_at(points: list[tuple[float, float]], level: float) -> tuple[float, bool] | None:
    """Reviews needed for average knowledge ``level``, and whether that is exact.

    Interpolated along the frontier; below its first point the scheduler gets *more*
    knowledge for that point's reviews, so that is an upper bound (``exact`` False);
    above its last point: ``None`` (the sweep does not reach it).
    """
    curve = frontier(points)
    if level < curve[0][0]:
        return curve[0][1], False
    for (k0, r0), (k1, r1) in pairwise(curve):
        if k0 <= level <= k1:
            return (r0 + (r1 - r0) * (level - k0) / (k1 - k0) if k1 > k0 else r0), True
    if abs(curve[-1][0] - level) < 1e-9:
        return curve[-1][1], True
    return None


def _cell(value: tuple[float, bool] | None) -> str:
    if value is None:
        return "-"
    return f"{value[0]:.0f}" if value[1] else f"<={value[0]:.0f}"


def report(model: str, outcomes: list[Outcome], learners: int) -> dict[str, float | None]:
    print(
        f"\n=== hidden model: {model} ({learners} learners; reviews and knowledge are "
        "means per learner over the simulated days) ==="
    )
    curves: dict[str, list[tuple[float, float]]] = {}
    for name, (knob_name, knobs) in SCHEDULERS.items():
        print(f"\n{name}")
        print(f"  {knob_name:>18} {'reviews':>13} {'avg knowledge':>14}")
        points = []
        for knob in knobs:
            mine = [o for o in outcomes if o.task.scheduler == name and o.task.knob == knob]
            reviews = sum(o.reviews for o in mine) / len(mine)
            knowledge = sum(o.knowledge for o in mine) / len(mine)
            points.append((knowledge, reviews))
            print(f"  {knob:18.2f} {reviews:13.0f} {knowledge:14.4f}")
        curves[name] = points
        notes = sorted({o.note for o in outcomes if o.task.scheduler == name and o.note})
        fitted = sum(
            1 for o in outcomes if o.task.scheduler == name and o.note.startswith("fitted")
        )
        if name == "FSRS optimized":
            total = sum(1 for o in outcomes if o.task.scheduler == name)
            print(f"  weights switched to fitted ones in {fitted} of {total} runs")
            for note in notes[:3]:
                print(f"    e.g. {note}")
    # Compare over SM-2's frontier (its useful settings), as far as optimized FSRS
    # reaches; where optimized FSRS's cheapest setting already knows more, its reviews
    # and so the ratio are upper bounds ('<=').
    sm2_curve, opt_curve = frontier(curves["SM-2"]), frontier(curves["FSRS optimized"])
    low, high = sm2_curve[0][0], min(sm2_curve[-1][0], opt_curve[-1][0])
    print(
        "\nreviews needed at equal average knowledge (interpolated; '<=N': that "
        "scheduler's cheapest setting already knows more; '-': not reached)"
    )
    print("  knowledge " + "".join(f"{n:>16}" for n in SCHEDULERS) + f"{'opt FSRS/SM-2':>15}")
    ratios: dict[str, float | None] = {}
    if high < low:
        print(
            f"  optimized FSRS does not reach SM-2's knowledge levels "
            f"(SM-2 {low:.4f}-{sm2_curve[-1][0]:.4f}, optimized FSRS up to {high:.4f})"
        )
        return ratios
    levels = [low] if high - low < 1e-6 else [low + (high - low) * i / 4 for i in range(5)]
    for level in levels:
        row = f"  {level:9.4f} "
        needed = {n: reviews_at(curves[n], level) for n in SCHEDULERS}
        for name in SCHEDULERS:
            row += f"{_cell(needed[name]):>16}"
        opt, sm2 = needed["FSRS optimized"], needed["SM-2"]
        ratio = None if opt is None or sm2 is None else opt[0] / sm2[0]
        ratios[f"{level:.4f}"] = ratio
        bound = "" if opt is None or opt[1] else "<="
        row += f"{'-' if ratio is None else f'{bound}{ratio:.2f}x':>15}"
        print(row)
    return ratios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small, fast run (a smoke test)")
    parser.add_argument("--learners", type=int, help="simulated learners per model")
    parser.add_argument("--cards", type=int, help="cards in the collection")
    parser.add_argument("--new-per-day", type=int, help="new cards per day")
    parser.add_argument("--days", type=int, help="days simulated")
    parser.add_argument("--fit-day", type=int, help="day the optimized FSRS is fitted")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args()
    if args.quick:
        defaults = {"learners": 1, "cards": 300, "new_per_day": 10, "days": 150, "fit_day": 60}
    else:
        defaults = {"learners": 4, "cards": 800, "new_per_day": 10, "days": 365, "fit_day": 90}
    settings = {
        k: getattr(args, k) if getattr(args, k) is not None else v for k, v in defaults.items()
    }
    config = SimConfig(
        cards=settings["cards"], new_per_day=settings["new_per_day"], days=settings["days"]
    )
    print(
        f"collection {config.cards} cards, {config.new_per_day} new/day, {config.days} days; "
        f"{settings['learners']} learners per model; optimized FSRS fitted on day "
        f"{settings['fit_day']}"
    )
    tasks = [
        Task(model, name, knob, learner, config, settings["fit_day"])
        for model in MODELS
        for name, (_, knobs) in SCHEDULERS.items()
        for knob in knobs
        for learner in range(settings["learners"])
    ]
    start = time.perf_counter()
    if args.jobs > 1:
        with multiprocessing.Pool(args.jobs) as pool:
            outcomes = pool.map(run_task, tasks, chunksize=1)
    else:
        outcomes = [run_task(task) for task in tasks]
    for model in MODELS:
        report(model, [o for o in outcomes if o.task.model == model], settings["learners"])
    print(f"\n{len(tasks)} simulations in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
