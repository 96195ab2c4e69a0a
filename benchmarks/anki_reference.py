"""Reference intervals from the official Anki library, for tests/test_anki_reference.py.

Drives the real Anki (the ``anki`` package: Rust backend, v3 scheduler) under a faked
clock and records what it schedules for fixed answer sequences, so that the trainer's
scheduler can be checked against Anki itself without needing Anki at test time.

* Schedulers: FSRS (FSRS-6 default weights) at desired retention 0.8, 0.9 and 0.95;
  SM-2 at interval modifier 0.5, 1.0 and 2.0. Anki's default deck options otherwise
  (learning steps 1m 10m, relearning step 10m, rollover at 4 am).
* Sequences: hand-picked ones plus ``--random`` random ones (seeded).
* Timing patterns: each answer is given when the card is due: a learning step at its
  due second; a review ``same-hour`` at 09:00 on its due day, ``evening-morning``
  alternately at 21:00 and 08:00 on its due day, or ``exact`` N x 24 h after the
  previous answer.

The clock: the backend reads the system time, so the generating process runs under
libfaketime (``apt-get install faketime``), with the time read from a file that this
script rewrites before every answer. ``ANKI_TEST_MODE`` turns Anki's fuzz off (as for
Anki's own Python tests); time zone UTC. No answer falls between 2 and 4 am, where that
mode shifts Anki's clock.

``--simulator`` instead compares the scheduler benchmark's simulator with Anki's own
(``simulate_fsrs_review`` in the backend) on the same default FSRS weights and the same
collection (800 cards, 10 new a day, a year, desired retention 0.9, no review limit),
with the simulated learner's memory exactly FSRS-6 with default weights, and writes both
results to tests/fixtures/anki_simulator.json. The two simulators draw answers
differently (Anki's, with no history in the collection, from fsrs-rs's default rating
probabilities; the benchmark's depend on recall), so the check is a sanity check: same order of magnitude, and no systematic
off-by-a-day (that showed as about 30% more reviews).

Usage (writes tests/fixtures/anki_reference.json; needs ``pip install '.[anki]'``)::

    .venv/bin/python benchmarks/anki_reference.py [--random 100] [--seed 10] [--out PATH]
    .venv/bin/python benchmarks/anki_reference.py --simulator
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import random
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "anki_reference.json"
FAKETIME_LIBRARIES = (
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/faketime/libfaketime.so.1",
)
UTC = UTC
#: The collection is created here; the first answer of every sequence is on the next day.
CREATED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIRST_DAY = CREATED.date() + timedelta(days=1)
#: Sequences stop before this: under libfaketime the backend's clock wraps around in
#: 2038 (32-bit seconds), and a few long intervals in a row get there.
LAST_ANSWER = datetime(2038, 1, 1, tzinfo=UTC)

HAND_PICKED = (
    "GGGGGG",
    "GGGGGGGGGG",
    "EEEEEEE",
    "HHHHHHHH",
    "AHAGAE",
    "AAGGAHGEGG",
    "GAGAGAGAGA",
    "EHEHEHEH",
    "GGGGAGGGGG",
    "HGEHGEHGE",
    "AGGAGGAGG",
    "EAEAEAE",
    "GHGHGHGHGH",
    "AAAAGGGG",
    "EGEGEGEG",
    "GGAAGGEE",
    "HAHAHAHA",
    "GEGEGEGEG",
)
CONFIGS = (
    {"scheduler": "fsrs", "desired_retention": 0.8},
    {"scheduler": "fsrs", "desired_retention": 0.9},
    {"scheduler": "fsrs", "desired_retention": 0.95},
    {"scheduler": "sm2", "interval_modifier": 0.5},
    {"scheduler": "sm2", "interval_modifier": 1.0},
    {"scheduler": "sm2", "interval_modifier": 2.0},
)
PATTERNS = ("same-hour", "evening-morning", "exact")
_GRADES = "AHGE"


def random_sequences(count: int, seed: int) -> list[str]:
    """``count`` answer sequences of 6-12 answers, mostly Good (as learners answer)."""
    rng = random.Random(seed)
    return [
        "".join(rng.choices(_GRADES, weights=(20, 15, 45, 20), k=rng.randint(6, 12)))
        for _ in range(count)
    ]


def _first_answer(pattern: str) -> datetime:
    hour = 21 if pattern == "evening-morning" else 9
    return datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, hour, tzinfo=UTC)


def next_review_time(pattern: str, previous: datetime, days: int) -> datetime:
    """When a review due ``days`` after an answer at ``previous`` is answered."""
    if pattern == "exact":
        return previous + timedelta(days=days)
    day = previous.date() + timedelta(days=days)
    hour = 9 if pattern == "same-hour" else (8 if previous.hour >= 12 else 21)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


# -- the child process, under libfaketime ----------------------------------------------


class _FakeTime:
    def __init__(self, path: str) -> None:
        self.path = path

    def set(self, when: datetime) -> None:
        # Replaced whole: libfaketime re-reads the file at every clock read.
        temporary = self.path + ".tmp"
        with open(temporary, "w") as handle:
            handle.write(when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S\n"))
        os.replace(temporary, self.path)


def _configure(col: Any, config: dict[str, Any]) -> int:
    deck_id = col.decks.id("Default")
    deck_config = col.decks.config_dict_for_deck_id(deck_id)
    if config["scheduler"] == "fsrs":
        import fsrs

        col.set_config("fsrs", True)
        deck_config["desiredRetention"] = config["desired_retention"]
        deck_config["fsrsParams6"] = [float(w) for w in fsrs.Scheduler().parameters]
    else:
        col.set_config("fsrs", False)
        deck_config["rev"]["ivlFct"] = config["interval_modifier"]
    col.decks.update_config(deck_config)
    return deck_id


def _run_collection(
    directory: str, clock: _FakeTime, config: dict[str, Any], pattern: str, sequences: list[str]
) -> list[dict[str, Any]]:
    """Every sequence answered in one collection, all cards interleaved in time order."""
    from anki.collection import Collection

    clock.set(CREATED)
    name = f"{config['scheduler']}-{pattern}-{len(os.listdir(directory))}.anki2"
    col = Collection(os.path.join(directory, name))
    try:
        deck_id = _configure(col, config)
        notetype = col.models.by_name("Basic")
        cards = []
        for index in range(len(sequences)):
            note = col.new_note(notetype)
            note["Front"] = f"card {index}"
            col.add_note(note, deck_id)
            cards.append(note.card_ids()[0])
        results: list[dict[str, Any]] = [
            {"grades": grades, "times": [], "outcomes": []} for grades in sequences
        ]
        first = _first_answer(pattern)
        queue = [(first, index, 0) for index in range(len(sequences))]
        heapq.heapify(queue)
        while queue:
            when, index, position = heapq.heappop(queue)
            clock.set(when)
            card = col.get_card(cards[index])
            card.start_timer()
            col.sched.answerCard(card, _GRADES.index(sequences[index][position]) + 1)
            card = col.get_card(cards[index])
            memory = card.memory_state
            stability = None if memory is None else round(float(memory.stability), 6)
            difficulty = None if memory is None else round(float(memory.difficulty), 6)
            now = int(when.timestamp())
            if card.queue == 2:  # review: due is a day number
                kind, value = "review", card.ivl
                following = next_review_time(pattern, when, card.ivl)
            else:  # (re)learning step: due is a POSIX time
                kind = "relearning" if card.type == 3 else "learning"
                value = card.due - now
                following = when + timedelta(seconds=value)
            outcome: list[Any] = [
                kind,
                value,
                stability if config["scheduler"] == "fsrs" else card.factor,
            ]
            if config["scheduler"] == "fsrs":
                outcome.append(difficulty)
            results[index]["times"].append(now - int(CREATED.timestamp()))
            results[index]["outcomes"].append(outcome)
            if position + 1 < len(sequences[index]) and following < LAST_ANSWER:
                heapq.heappush(queue, (following, index, position + 1))
            else:  # the answers given (the clock cannot go much beyond 2200)
                results[index]["grades"] = sequences[index][: position + 1]
        return results
    finally:
        col.close()


def child(arguments: argparse.Namespace) -> int:
    clock = _FakeTime(os.environ["FAKETIME_TIMESTAMP_FILE"])
    sequences = list(HAND_PICKED) + random_sequences(arguments.random, arguments.seed)
    import anki.buildinfo

    fixture: dict[str, Any] = {
        "generator": "benchmarks/anki_reference.py",
        "anki": anki.buildinfo.version,
        "created": CREATED.isoformat(),
        "time_zone": "UTC",
        "rollover_hour": 4,
        "learning_steps_minutes": [1, 10],
        "relearning_steps_minutes": [10],
        "outcome": "[kind, interval (days for review, else seconds), stability (FSRS) or "
        "ease in thousandths (SM-2), difficulty (FSRS)]; times: seconds after "
        "'created'",
        "runs": [],
    }
    # In memory where there is such a file system: Anki commits every answer.
    memory = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(dir=memory) as directory:
        for config in CONFIGS:
            for pattern in PATTERNS:
                cases = _run_collection(directory, clock, config, pattern, sequences)
                fixture["runs"].append({**config, "pattern": pattern, "cases": cases})
                print(f"  {config} {pattern}: {len(cases)} sequences", file=sys.stderr)
    Path(arguments.out).write_text(_dump(fixture))
    return 0


def _dump(fixture: dict[str, Any]) -> str:
    """JSON with one line per case (readable diffs, modest size)."""
    lines = ["{"]
    header = {k: v for k, v in fixture.items() if k != "runs"}
    for key, value in header.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value)},")
    lines.append('  "runs": [')
    for run_index, run in enumerate(fixture["runs"]):
        meta = {k: v for k, v in run.items() if k != "cases"}
        lines.append("    {" + json.dumps(meta)[1:-1] + ', "cases": [')
        for case_index, case in enumerate(run["cases"]):
            comma = "," if case_index + 1 < len(run["cases"]) else ""
            lines.append("      " + json.dumps(case, separators=(",", ":")) + comma)
        lines.append("    ]}" + ("," if run_index + 1 < len(fixture["runs"]) else ""))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- the simulators ---------------------------------------------------------------------

SIMULATOR_FIXTURE = ROOT / "tests" / "fixtures" / "anki_simulator.json"
SIMULATED = {"cards": 800, "new_per_day": 10, "days": 365, "desired_retention": 0.9}


def anki_simulation() -> dict[str, Any]:
    """Anki's ``simulate_fsrs_review`` on an empty collection (all cards new)."""
    import fsrs
    from anki import scheduler_pb2
    from anki.collection import Collection

    with tempfile.TemporaryDirectory() as directory:
        col = Collection(os.path.join(directory, "simulator.anki2"))
        try:
            request = scheduler_pb2.SimulateFsrsReviewRequest(
                params=[float(w) for w in fsrs.Scheduler().parameters],
                desired_retention=SIMULATED["desired_retention"],
                deck_size=SIMULATED["cards"],
                days_to_simulate=SIMULATED["days"],
                new_limit=SIMULATED["new_per_day"],
                review_limit=1_000_000,
                max_interval=36500,
                search="deck:none-of-these",
                new_cards_ignore_review_limit=True,
                easy_days_percentages=[1.0] * 7,
                learning_step_count=2,
                relearning_step_count=1,
                historical_retention=SIMULATED["desired_retention"],
            )
            result = col._backend.simulate_fsrs_review(request)
        finally:
            col.close()
    reviews = list(result.daily_review_count)
    return {
        "reviews": sum(reviews),
        "new": sum(result.daily_new_count),
        "memorized_at_end": round(float(result.accumulated_knowledge_acquisition[-1]), 1),
        "reviews_per_month": _per_month(reviews),
    }


def trainer_simulation() -> dict[str, Any]:
    """The benchmark's simulator: FSRS (the app's scheduler) at the same settings, a
    learner whose memory is FSRS-6 with default weights, seeds 0-3 averaged."""
    sys.path.insert(0, str(ROOT))
    from trainer.simulation.memory_models import FsrsShapedLearner
    from trainer.simulation.simulator import FsrsAdapter, SimConfig, Simulation

    config = SimConfig(
        cards=SIMULATED["cards"], new_per_day=SIMULATED["new_per_day"], days=SIMULATED["days"]
    )
    totals: list[list[int]] = []
    memorized = []
    grades = [0, 0, 0, 0]
    for seed in range(4):
        learner = FsrsShapedLearner(seed, spread=0.0, decay_spread=0.0, card_effect=0.0)
        simulation = Simulation(
            learner, FsrsAdapter(SIMULATED["desired_retention"]), config, seed=seed
        )
        result = simulation.run()
        # What Anki counts as a review: an answer on a later day than the card's last.
        daily = [0] * config.days
        last: dict[int, float] = {}
        for card, now, grade in result.log:
            if card in last and int(now) > int(last[card]):
                daily[int(now)] += 1
                grades[grade - 1] += 1
            last[card] = now
        totals.append(daily)
        end = config.days - 1 / 86400
        memorized.append(
            sum(
                learner.recall_probability(memory, end)
                for memory in simulation.memory
                if memory is not None
            )
        )
    daily_mean = [sum(day) / len(totals) for day in zip(*totals)]
    passed = sum(grades[1:])
    return {
        "reviews": round(sum(daily_mean)),
        "new": config.cards,
        "memorized_at_end": round(sum(memorized) / len(memorized), 1),
        "reviews_per_month": _per_month(daily_mean),
        "review_again_share": round(grades[0] / sum(grades), 3),
        "passed_hard_good_easy_shares": [round(g / passed, 3) for g in grades[1:]],
    }


def _per_month(daily: list[float]) -> list[int]:
    return [round(sum(daily[start : start + 30])) for start in range(0, len(daily), 30)]


def simulators() -> int:
    anki = anki_simulation()
    ours = trainer_simulation()
    ratio = ours["reviews"] / anki["reviews"]
    figure = {
        "generator": "benchmarks/anki_reference.py --simulator",
        "settings": SIMULATED,
        "anki": anki,
        "trainer": ours,
        "reviews_ratio": round(ratio, 3),
    }
    SIMULATOR_FIXTURE.write_text(json.dumps(figure, indent=1) + "\n")
    print(f"{'':22}{'reviews':>9}{'memorized at end':>18}")
    for name, result in (("Anki simulate_fsrs_review", anki), ("trainer simulator", ours)):
        print(f"{name:26}{result['reviews']:>5}{result['memorized_at_end']:>18}")
    print(
        f"trainer's learner: {ours['review_again_share']:.1%} of reviews Again; passed "
        f"ones Hard/Good/Easy {ours['passed_hard_good_easy_shares']}"
    )
    print(f"reviews, trainer / Anki: {ratio:.2f}x; wrote {SIMULATOR_FIXTURE}")
    return 0


# -- the parent: start the child under libfaketime -------------------------------------


def _faketime_library() -> str:
    for path in FAKETIME_LIBRARIES:
        if os.path.exists(path):
            return path
    raise SystemExit("libfaketime not found: install it (apt-get install faketime)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--random", type=int, default=100, help="random sequences (100)")
    parser.add_argument("--seed", type=int, default=10, help="seed of the random sequences")
    parser.add_argument("--out", default=str(FIXTURE), help="fixture to write")
    parser.add_argument(
        "--simulator",
        action="store_true",
        help="compare the benchmark's simulator with Anki's instead",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        return child(arguments)
    try:
        import anki  # noqa: F401
    except ImportError:
        raise SystemExit("the anki package is missing: pip install '.[anki]'") from None
    if arguments.simulator:
        return simulators()
    with tempfile.TemporaryDirectory() as directory:
        time_file = os.path.join(directory, "faketime")
        _FakeTime(time_file).set(CREATED)
        env = dict(
            os.environ,
            TZ="UTC",
            ANKI_TEST_MODE="1",
            LD_PRELOAD=_faketime_library(),
            FAKETIME_NO_CACHE="1",
            FAKETIME_TIMESTAMP_FILE=time_file,
        )
        command = [
            sys.executable,
            __file__,
            "--child",
            "--random",
            str(arguments.random),
            "--seed",
            str(arguments.seed),
            "--out",
            arguments.out,
        ]
        result = subprocess.run(command, env=env)
    if result.returncode == 0:
        print(f"wrote {arguments.out}")
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
