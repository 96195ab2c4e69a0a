"""Start-up and answer latency of the TUI, measured side by side in one run.

First, what users run, in a real pseudo-terminal (100x30): from process start until the
text is on the terminal, alternating with a bare Textual app drawn the same way, neither
side's teardown counted (benchmarks/terminal_start.py):

* ``python main.py`` until the home screen shows the bundled decks;
* ``python main.py study --start`` until the first card's header shows;
* the same two for 50,000 cards and 1,000,000 reviews (a mix like an imported Anki
  collection's: reverse sides and cloze deletions, 75,000 study cards);
* the ratios to the bare app (goals: bundled <= 1.2x, big <= 1.5x);
* beside each wall-clock median, the CPU time the program had used when the text showed:
  on a machine shared with other work it moves far less than the wall clock;
* with ``--baseline CHECKOUT`` (another copy of the code, e.g. from ``git archive``), the
  same trainer rows run from there too, interleaved: before and after in one run.

Then, as a second table, the older headless figures, over repeated runs alternating
between the programs:

* time from process start to the first frame of a bare Textual "hello world" app;
* time from process start to the first card drawn (headless) for the bundled decks;
* the same for a generated collection of 50,000 cards with 1,000,000 reviews (generated
  once into benchmarks/.cache/, git-ignored);
* the ratios to hello world (goals: bundled <= 1.15x, big <= 1.5x);
* the median time from a grade keypress to the next card drawn (goal < 16 ms).

The trainer is started as ``trainer study --start`` starts it (straight to the first
card). Every program is run once untimed first, so the times are those of a second start,
the one users have every day: Python bytecode compiled, and for the trainer the deck
cache and the progress snapshot written (a first start parses the YAML and replays the
logs; see docs/tui.md).

Usage: .venv/bin/python benchmarks/startup_bench.py [--runs N] [--skip-big]
       [--baseline CHECKOUT] [--terminal-only]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from child_env import child_environment  # benchmarks/ is on sys.path when run as a script
from terminal_start import Startup, measure_until_text

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache" / "startup"
BIG_CARDS = 50_000
BIG_REVIEWS = 1_000_000
BIG_DECK_FILES = 50
#: Bumped when the generated collection changes, so an old cache is regenerated.
GENERATOR_VERSION = 3

HELLO = """
import time
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("Hello, world")
    def on_mount(self):
        self.call_after_refresh(self.exit)

Hello().run(headless=True)
"""

TRAINER = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from trainer.clock import SystemClock
from trainer.tui.app import create_app
from trainer.tui.app import TrainerApp
from trainer.tui.screens import card

made = TrainerApp.first_screen
def first_or_give_up(self):
    screen = made(self)
    if not isinstance(screen, card.CardScreen):  # nothing to study: say so, do not hang
        self.call_later(self.exit, return_code=5)
    return screen
TrainerApp.first_screen = first_or_give_up
shown = card.CardScreen.show_current
def show_and_exit(self):
    shown(self)
    self.call_after_refresh(self.app.exit)
card.CardScreen.show_current = show_and_exit

app = create_app([Path(p) for p in {decks!r}], Path({progress!r}), SystemClock(),
                 autostart=True, reload_interval=None, device="bench")
app.run(headless=True)
"""


HELLO_TERMINAL = """
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("Hello, world")

Hello().run()
"""
#: A deck title drawn only once home has loaded the decks (not its "Loading" frame).
HOME_TEXT = "Ketamine — history and basics"
#: The first card's header (remaining counts), drawn with the card.
CARD_TEXT = "review left"
#: The big collection's first deck title, drawn once home has loaded the decks.
BIG_HOME_TEXT = "Generated deck 00"


def terminal_table(runs: int, big: tuple[Path, Path] | None, baseline: Path | None) -> None:
    """The real commands in a real pty, alternating with the bare app (and, with
    ``baseline``, with the same commands run from that other checkout)."""
    # Caches of this benchmark's own, one per checkout: the user's deck cache
    # (~/.cache/trainer) is shared with every checkout on the machine, and two versions of
    # the code may write the deck cache or the progress snapshot in different formats. A
    # run that finds the other's format is a first start (parsing 50,000 cards, replaying
    # 1,000,000 reviews: half a minute), not the second start measured here.
    checkouts = {ROOT: "current", **({baseline: "baseline"} if baseline is not None else {})}
    base_env = child_environment()
    with tempfile.TemporaryDirectory() as tmp:
        # name -> (command, text, working directory, environment)
        programs: dict[str, tuple[list[str], str, Path, dict[str, str]]] = {
            "bare Textual app": (
                [sys.executable, "-c", HELLO_TERMINAL],
                "Hello, world",
                ROOT,
                base_env,
            )
        }
        rows: dict[str, list[tuple[list[str], str, Path, dict[str, str]]]] = {}
        for checkout, label in checkouts.items():
            env = {**base_env, "TRAINER_CACHE_DIR": str(CACHE.parent / f"deck-cache-{label}")}
            progress = Path(tmp) / f"progress-{label}"
            main = [sys.executable, "main.py"]
            for name, args, text in [
                ("home, bundled decks", ["--progress", str(progress)], HOME_TEXT),
                (
                    "first card, bundled",
                    ["--progress", str(progress), "study", "--start"],
                    CARD_TEXT,
                ),
            ]:
                rows.setdefault(name, []).append(([*main, *args], text, checkout, env))
            if big is not None:
                decks, big_progress = big
                # The review log is only read: each checkout reads it through hard links
                # in a directory of its own, where it writes its own snapshot.
                own = CACHE.parent / f"progress-{label}"
                shutil.rmtree(own, ignore_errors=True)
                own.mkdir(parents=True)
                for log in big_progress.glob("reviews-*.jsonl"):
                    os.link(log, own / log.name)
                for name, args, text in [
                    ("home, 50k/1M", ["--progress", str(own), str(decks)], BIG_HOME_TEXT),
                    (
                        "first card, 50k/1M",
                        ["--progress", str(own), "study", "--start", str(decks)],
                        CARD_TEXT,
                    ),
                ]:
                    rows.setdefault(name, []).append(([*main, *args], text, checkout, env))
        for name, variants in rows.items():
            for variant, label in zip(variants, checkouts.values(), strict=True):
                programs[name if label == "current" else f"{name} (baseline)"] = variant
        # Warm: bytecode, deck cache, progress snapshot (a first start of the big collection
        # parses 50,000 cards and replays 1,000,000 reviews: it may take a minute).
        for command, text, cwd, env in programs.values():
            measure_until_text(command, text, cwd=cwd, env=env, give_up_seconds=600)
        starts: dict[str, list[Startup]] = {name: [] for name in programs}
        for _ in range(runs):
            for name, (command, text, cwd, env) in programs.items():
                starts[name].append(measure_until_text(command, text, cwd=cwd, env=env))
    print(
        f"\nreal terminal (pty 100x30), process start until the text shows, median of {runs} "
        "interleaved runs, warm; wall clock [min-max], and the CPU time the program used "
        "until then (less sensitive to other load on the machine); 'paired': the median of "
        "each run's ratio to the bare app's run of the same round:"
    )
    bare_wall = statistics.median(s.wall for s in starts["bare Textual app"])
    bare_cpus = [s.cpu for s in starts["bare Textual app"] if s.cpu is not None]
    bare_cpu = statistics.median(bare_cpus) if bare_cpus else None
    for name, samples in starts.items():
        walls = [s.wall for s in samples]
        wall = statistics.median(walls)
        line = f"  {name:<30} {wall * 1000:5.0f} ms [{min(walls) * 1000:4.0f}-{max(walls) * 1000:4.0f}]"
        cpus = [s.cpu for s in samples if s.cpu is not None]
        cpu = statistics.median(cpus) if cpus else None
        line += f"  cpu {cpu * 1000:4.0f} ms" if cpu is not None else "  cpu    - "
        if name != "bare Textual app":
            goal = 1.5 if "50k" in name else 1.2
            ratio = wall / bare_wall
            line += f"   {ratio:.2f}x bare"
            if cpu is not None and bare_cpu:
                line += f" (cpu {cpu / bare_cpu:.2f}x)"
            # Each run's ratio to the bare app of the same round: the machine's own speed
            # drifts over a run (another tenant's load), and a round takes a few seconds.
            paired = statistics.median(
                s.wall / b.wall for s, b in zip(samples, starts["bare Textual app"], strict=True)
            )
            line += f" paired {paired:.2f}x"
            line += f"  goal <= {goal}x: {'ok' if ratio <= goal else 'MISSED'}"
        print(line)


def time_process(code: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        env=child_environment(),
    )
    return time.perf_counter() - start


# -- the big collection -----------------------------------------------------------------


def generate_big(directory: Path) -> tuple[Path, Path]:
    """50,000 cards in 50 deck files and 1,000,000 reviews, written once and reused."""
    decks, progress = directory / "decks", directory / "progress"
    marker = directory / "complete.json"
    if marker.exists() and json.loads(marker.read_text()).get("version") == GENERATOR_VERSION:
        return decks, progress
    from trainer.progress.events import encode_review, header_line, now_text
    from trainer.scheduling import REVIEW, CardState

    shutil.rmtree(directory, ignore_errors=True)
    decks.mkdir(parents=True)
    progress.mkdir()
    per_file = BIG_CARDS // BIG_DECK_FILES
    keys: list[str] = []
    # A mix like an imported Anki collection's: a quarter each of basic cards, basic
    # cards with a reverse side, typed cards and cloze cards with two deletions (75,000
    # study cards in all, half of them with a sibling).
    for f in range(BIG_DECK_FILES):
        lines = ["format: 1", f"id: big-{f:02d}", f"title: Generated deck {f:02d}", "cards:"]
        for c in range(per_file):
            card_id = f"card-{c:05d}"
            base = f"big-{f:02d}/{card_id}"
            kind = c % 4
            lines.append(f"  - id: {card_id}")
            if kind in (0, 1):
                lines += [
                    "    type: basic",
                    f"    front: Question number {c} of deck {f}",
                    f"    back: Answer number {c}",
                    "    tags: [generated]",
                ]
                keys.append(base)
                if kind == 1:
                    lines.append("    reverse: true")
                    keys.append(f"{base}::reverse")
            elif kind == 2:
                lines += [
                    "    type: typed",
                    f"    question: Type the word for item {c} of deck {f}",
                    f"    answer: word{c}",
                ]
                keys.append(base)
            else:
                lines += [
                    "    type: cloze",
                    f'    text: "Item {{{{c1::{c}}}}} of deck {{{{c2::{f}}}}}"',
                ]
                keys += [f"{base}::c1", f"{base}::c2"]
        (decks / f"big-{f:02d}.yaml").write_text("\n".join(lines) + "\n")
    rng = random.Random(42)
    # Twenty reviews a card, a day apart, ending a year ago: the scheduler (which rebuilds
    # each card's state from its reviews) finds most of them due, so a session has cards.
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=400)
    per_card = -(-BIG_REVIEWS // len(keys))
    previous: dict[str, str] = {}  # each answer names the one before it, as a real log's do
    with open(progress / "reviews-bench.jsonl", "wb") as log:
        log.write(header_line("bench", start))
        events = 0
        for round_ in range(per_card):
            for index, key in enumerate(keys):
                if events == BIG_REVIEWS:
                    break
                when = start + timedelta(days=round_, seconds=index)
                grade = 1 if rng.random() < 0.1 else 3
                state = CardState(
                    state=REVIEW,
                    step=None,
                    stability=1.0 + round_,
                    difficulty=5.0,
                    due=(when + timedelta(days=1)).timestamp(),
                    last_review=when.timestamp(),
                    reps=round_ + 1,
                    lapses=0,
                )
                event_id = f"b{events:07d}"
                log.write(
                    encode_review(
                        event_id,
                        key,
                        now_text(when),
                        grade,
                        4000,
                        grade > 1,
                        previous.get(key),
                        state,
                    )
                )
                previous[key] = event_id
                events += 1
    marker.write_text(
        json.dumps({"version": GENERATOR_VERSION, "cards": len(keys), "reviews": events})
    )
    return decks, progress


# -- grade keypress to next card ------------------------------------------------------


async def answer_latency(presses: int) -> list[float]:
    """Seconds from a grade keypress to the next card drawn, real session, fsync included.

    The clock stops when the screen update that follows the new card is composed (in
    headless mode that is the frame the terminal would receive), not when the test pilot
    notices, so the pilot's own waiting is not counted.
    """
    sys.path.insert(0, str(ROOT))
    from textual.screen import Screen

    from trainer.clock import FakeClock
    from trainer.tui.app import create_app
    from trainer.tui.screens.card import CardScreen

    drawn: list[float] = []
    pending = {"card": False}
    shown = CardScreen.show_current
    refresh = Screen._compositor_refresh

    def show_current(self: CardScreen) -> None:
        shown(self)
        pending["card"] = True

    def compositor_refresh(self: Screen[Any]) -> None:
        refresh(self)
        if pending["card"]:
            pending["card"] = False
            drawn.append(time.perf_counter())

    CardScreen.show_current = show_current  # type: ignore[method-assign]
    Screen._compositor_refresh = compositor_refresh  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp:
        deck = Path(tmp) / "latency.yaml"
        cards = "\n".join(
            f"  - id: c{i}\n    type: basic\n    front: Front {i}\n    back: Back {i}"
            for i in range(presses + 5)
        )
        deck.write_text(
            f"format: 1\nid: latency\ntitle: Latency\n"
            f"scheduling: {{new_per_day: {presses + 5}}}\ncards:\n{cards}\n"
        )
        clock = FakeClock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
        app = create_app(
            [deck],
            Path(tmp) / "progress",
            clock,
            autostart=True,
            reload_interval=None,
            device="bench",
        )
        timings: list[float] = []
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            for _ in range(presses):
                await pilot.press("space")
                await pilot.pause()
                drawn.clear()
                start = time.perf_counter()
                await pilot.press("3")
                await pilot.pause()
                assert drawn, "no frame drawn after the grade"
                timings.append(drawn[0] - start)
    CardScreen.show_current = shown  # type: ignore[method-assign]
    Screen._compositor_refresh = refresh  # type: ignore[method-assign]
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--presses", type=int, default=40)
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="CHECKOUT",
        help="also run the trainer rows from this other checkout (e.g. the code before a "
        "change, from `git archive`), interleaved with these",
    )
    parser.add_argument("--terminal-only", action="store_true", help="only the real-terminal table")
    args = parser.parse_args()

    big = None
    if not args.skip_big:
        started = time.perf_counter()
        big = generate_big(CACHE)
        print(
            f"big collection ready in {time.perf_counter() - started:.1f} s "
            f"({CACHE.relative_to(ROOT)})"
        )
    terminal_table(args.runs, big, args.baseline)
    if args.terminal_only:
        return

    programs = {"hello world": HELLO}
    with tempfile.TemporaryDirectory() as tmp:
        empty_progress = Path(tmp) / "progress"
        programs["bundled decks"] = TRAINER.format(
            root=str(ROOT), decks=[str(ROOT / "decks")], progress=str(empty_progress)
        )
        if big is not None:
            decks, progress = big
            programs["50k cards, 1M reviews"] = TRAINER.format(
                root=str(ROOT), decks=[str(decks)], progress=str(progress)
            )
        # Warm-up: bytecode, the deck cache, the progress snapshot, the OS disk cache.
        for code in programs.values():
            time_process(code)
        times: dict[str, list[float]] = {name: [] for name in programs}
        for _ in range(args.runs):
            for name, code in programs.items():
                times[name].append(time_process(code))

    hello = statistics.median(times["hello world"])
    goals = {"bundled decks": 1.15, "50k cards, 1M reviews": 1.5}
    print(
        f"\nheadless (second table): process start to first frame / first card drawn "
        f"(median of {args.runs} runs; warm bytecode, deck cache and progress snapshot; "
        "the trainer exits from inside, so this is a proxy, not what users see):"
    )
    for name, samples in times.items():
        median = statistics.median(samples)
        line = f"  {name:<24} {median * 1000:7.0f} ms"
        if name in goals:
            ratio = median / hello
            verdict = "ok" if ratio <= goals[name] else "MISSED"
            line += f"   {ratio:.2f}x hello world (goal <= {goals[name]}x: {verdict})"
        print(line)

    timings = asyncio.run(answer_latency(args.presses))
    median = statistics.median(timings) * 1000
    print(
        f"\ngrade keypress to next card drawn (median of {len(timings)}): {median:.1f} ms "
        f"(goal < 16 ms: {'ok' if median < 16 else 'MISSED'}); "
        f"p90 {statistics.quantiles(timings, n=10)[-1] * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
