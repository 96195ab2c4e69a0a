"""Speed of the progress store, measured side by side with a bare Textual start-up.

Prints, in one run:

* time for a fresh process to start a bare Textual app (a Static) to its first frame,
  headless (the yardstick);
* time to load a history of 1,000,000 reviews over 50,000 cards and build today's queue:
  from the snapshot (the normal case; goal: under a third of the Textual start-up), and
  with a full replay of the logs (first start, or after the cache is discarded);
* median and p99 time to record one answer, fsync included (goal: median under 5 ms).

The history is generated once into benchmarks/.cache/progress/ (git-ignored).

Usage: .venv/bin/python benchmarks/progress_bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from child_env import child_environment  # benchmarks/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "benchmarks" / ".cache" / "progress"
CARDS = 50_000
REVIEWS = 1_000_000
DECKS = 50
#: The benchmark's "now": every generated review is before it.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

TEXTUAL_HELLO = """
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("hello")
    def on_mount(self):
        self.call_after_refresh(self.exit)

Hello().run(headless=True)
"""

LOAD = """
import json, sys, time
start = time.perf_counter()
sys.path.insert(0, {root!r})
sys.path.insert(0, {bench!r})
from progress_bench import build_decks, NOW
from trainer.clock import FakeClock
from trainer.session import Collection
from trainer.config import Config
imported = time.perf_counter()
if {discard_snapshot}:
    for snapshot in __import__("pathlib").Path({directory!r}).glob(".snapshot-*"):
        snapshot.unlink()
decks = build_decks()
built = time.perf_counter()
collection = Collection.from_decks(decks, __import__("pathlib").Path({directory!r}),
                                   clock=FakeClock(NOW), config=Config(), device="bench")
loaded = time.perf_counter()
session = collection.start_session()
counts = session.remaining
queued = time.perf_counter()
print(json.dumps({{"import": imported - start, "decks": built - imported,
                   "load": loaded - built, "queue": queued - loaded,
                   "full_replay": collection.store.full_replay,
                   "records": len(collection.store.records),
                   "to_study": counts.new + counts.learning + counts.due}}))
"""


def build_decks():
    """50 decks of 1,000 basic cards, built in memory (deck loading is not measured here)."""
    from trainer.model import Card, CardType, Deck, Location

    decks = []
    per_deck = CARDS // DECKS
    for d in range(DECKS):
        path = Path(f"deck{d}.yaml")
        cards = [
            Card(
                id=f"c{i}",
                type=CardType.BASIC,
                location=Location(path, i + 1, 1),
                front=f"front {d}/{i}",
                back=f"back {d}/{i}",
            )
            for i in range(per_deck)
        ]
        decks.append(Deck(id=f"deck{d}", title=f"Deck {d}", path=path, cards=cards))
    return decks


def generate(directory: Path) -> None:
    """Write a log of REVIEWS answers over CARDS cards (20 each), all before NOW."""
    from trainer.progress.events import encode_review, header_line, now_text
    from trainer.progress.store import new_event_id
    from trainer.scheduling import CardState, Grade, Scheduler, SchedulerSettings

    directory.mkdir(parents=True, exist_ok=True)
    scheduler = Scheduler(SchedulerSettings())
    rng = random.Random(42)
    per_card = REVIEWS // CARDS
    temporary = directory / "reviews-bench.jsonl.tmp"
    started = time.perf_counter()
    with open(temporary, "wb") as out:
        out.write(header_line("bench", NOW - timedelta(days=800)))
        for d in range(DECKS):
            for i in range(CARDS // DECKS):
                key = f"deck{d}/c{i}"
                state, prev = CardState(), None
                when = NOW - timedelta(days=700, minutes=rng.randint(0, 60 * 24 * 30))
                for _ in range(per_card):
                    grade = Grade(rng.choice((1, 3, 3, 3, 3, 4)))
                    state = scheduler.review(key, state, grade, when)
                    event_id = new_event_id()
                    out.write(
                        encode_review(
                            event_id,
                            key,
                            now_text(when),
                            int(grade),
                            rng.randint(1500, 15000),
                            None,
                            prev,
                            state,
                        )
                    )
                    prev = event_id
                    gap = min(state.due - when.timestamp(), rng.uniform(60, 30 * 86400))
                    when += timedelta(seconds=max(60, round(gap)))
            print(
                f"  generated deck {d + 1}/{DECKS} ({time.perf_counter() - started:.0f} s)",
                end="\r",
                flush=True,
            )
    temporary.rename(directory / "reviews-bench.jsonl")
    print()


def fresh_process(code: str) -> tuple[float, str]:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        env=child_environment(),
    )
    return time.perf_counter() - started, completed.stdout


def load_run(directory: Path, *, discard_snapshot: bool) -> tuple[float, dict]:
    code = LOAD.format(
        root=str(ROOT),
        bench=str(Path(__file__).parent),
        directory=str(directory),
        discard_snapshot=discard_snapshot,
    )
    wall, out = fresh_process(code)
    return wall, json.loads(out)


def record_latency(count: int) -> list[float]:
    """Seconds per record() on a real directory, fsync included."""
    from trainer.clock import SystemClock
    from trainer.config import Config
    from trainer.scheduling import Grade
    from trainer.session import Collection

    directory = CACHE / "record"
    shutil.rmtree(directory, ignore_errors=True)
    decks = build_decks()[:2]
    from trainer.scheduling import SchedulerSettings

    settings = SchedulerSettings(new_per_day=1_000_000, reviews_per_day=1_000_000)
    collection = Collection.from_decks(
        decks, directory, clock=SystemClock(), config=Config(scheduler=settings), device="bench"
    )
    session = collection.start_session()
    timings = []
    grades = [Grade.AGAIN, Grade.GOOD, Grade.GOOD, Grade.EASY]
    for n in range(count):
        if session.current is None:
            session = collection.start_session()
        started = time.perf_counter()
        session.record(grades[n % 4])
        timings.append(time.perf_counter() - started)
    collection.close()
    shutil.rmtree(directory, ignore_errors=True)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each timing")
    parser.add_argument("--answers", type=int, default=500, help="answers to time")
    args = parser.parse_args()

    history = CACHE / "history"
    if not (history / "reviews-bench.jsonl").exists():
        print(f"Generating {REVIEWS:,} reviews over {CARDS:,} cards into {history} (once)...")
        generate(history)

    print("Full replay (no snapshot), first start...")
    _, full = load_run(history, discard_snapshot=True)
    # The first open above also wrote the snapshot (it replayed everything) and the
    # bytecode of the trainer; this one does the same for Textual's.
    fresh_process(TEXTUAL_HELLO)
    textual, cached = [], []
    for _ in range(args.runs):
        textual.append(fresh_process(TEXTUAL_HELLO)[0])
        cached.append(load_run(history, discard_snapshot=False))
    assert not any(run[1]["full_replay"] for run in cached), "the snapshot was not used"
    hello = statistics.median(textual)
    load_queue = statistics.median(r["load"] + r["queue"] for _, r in cached)
    process = statistics.median(wall for wall, _ in cached)
    imports = statistics.median(r["import"] for _, r in cached)
    sample = cached[0][1]
    print()
    print(
        f"history: {REVIEWS:,} reviews, {sample['records']:,} cards with progress; "
        f"{sample['to_study']:,} to study today"
    )
    print(
        f"bare Textual app, fresh process to first frame:  {hello * 1000:7.0f} ms "
        f"(median of {args.runs})"
    )
    print(
        f"load progress + build today's queue (snapshot):   {load_queue * 1000:7.0f} ms "
        f"= {load_queue / hello:.2f}x Textual (goal < 0.33x)"
    )
    print(
        f"  whole fresh process incl. imports and decks:    {process * 1000:7.0f} ms "
        f"(imports {imports * 1000:.0f} ms)"
    )
    print(
        f"load + queue with a full replay of the logs:      "
        f"{(full['load'] + full['queue']) * 1000:7.0f} ms"
    )

    timings = sorted(record_latency(args.answers))
    median = statistics.median(timings)
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(
        f"record one answer, fsync included ({args.answers} answers): "
        f"median {median * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms (goal: median < 5 ms)"
    )


if __name__ == "__main__":
    main()
