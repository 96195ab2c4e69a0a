"""The TUI on a big collection, in a real terminal: how long each step keeps a user waiting.

The collection is startup_bench.py's (50,000 cards in 50 deck files, 75,000 study cards,
1,000,000 reviews; generated once into benchmarks/.cache/startup). Each run copies its
progress directory, so every run starts alike, then drives ``python main.py`` in tmux
(120x40) and polls the screen until each step's text shows:

* ``home``: process start until the home screen lists the decks;
* ``browse list``: ``b`` until Browse lists its cards, and ``browse history`` until the
  selected card's history shows (both from the key press);
* ``search key``: one more character typed in the search until the count changes;
* ``quit``: ``q`` (after Browse) until the program has exited;
* then a second start: ``stats screen``, ``s`` on home until the Stats screen shows, and
  ``stats numbers`` until its numbers show (the history not read yet); ``quit after
  stats``.

With ``--baseline CHECKOUT`` (another copy of the code, e.g. from ``git worktree``) the
same steps run from there too, alternating run by run, and the ratios are printed. Times
are medians of ``--runs`` runs (default 3); the first start of each checkout is run once
untimed (bytecode, deck cache).

Usage: .venv/bin/python benchmarks/big_collection_bench.py [--runs N] [--baseline CHECKOUT]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from child_env import child_environment  # benchmarks/ is on sys.path when run as a script
from startup_bench import CACHE, generate_big

ROOT = Path(__file__).resolve().parent.parent
SOCKET = ["tmux", "-L", "trainer-big-bench"]
STEPS = [
    "home",
    "browse list",
    "browse history",
    "search key",
    "quit",
    "stats screen",
    "stats numbers",
    "quit after stats",
]
_DONE = "BENCH-EXITED"


def _screen() -> str:
    return subprocess.run(
        [*SOCKET, "capture-pane", "-p", "-t", "bench"], capture_output=True, text=True
    ).stdout


def _keys(*keys: str) -> None:
    subprocess.run([*SOCKET, "send-keys", "-t", "bench", *keys], check=True)


def _wait(text: str, since: float, timeout: float = 300.0) -> float:
    """Seconds from ``since`` until ``text`` is on the screen."""
    while text not in _screen():
        if time.perf_counter() - since > timeout:
            raise SystemExit(f"gave up waiting for {text!r}:\n{_screen()}")
        time.sleep(0.01)
    return time.perf_counter() - since


def _start(checkout: Path, decks: Path, progress: Path, scratch: Path) -> float:
    """Start the trainer in tmux on a fresh copy of ``progress``; returns the start time."""
    copy = scratch / "progress"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(progress, copy)
    env = child_environment()
    env.update(
        TRAINER_DEVICE="bench",
        TRAINER_CONFIG=str(scratch / "config.toml"),
        TRAINER_CACHE_DIR=str(scratch / f"cache-{checkout.name}"),
    )
    settings = " ".join(
        f"{name}={env[name]}"
        for name in ("TRAINER_DEVICE", "TRAINER_CONFIG", "TRAINER_CACHE_DIR", "PYTHONPYCACHEPREFIX")
    )
    python = checkout / ".venv" / "bin" / "python"
    if not python.exists():
        python = Path(sys.executable)
    command = (
        f"cd {checkout} && env {settings} {python} main.py --progress {copy} {decks}; "
        f"echo {_DONE}; sleep 600"
    )
    subprocess.run([*SOCKET, "kill-server"], capture_output=True)
    time.sleep(0.5)  # the old server's socket goes away
    start = time.perf_counter()
    subprocess.run(
        [*SOCKET, "new-session", "-d", "-s", "bench", "-x", "120", "-y", "40", command],
        check=True,
        env=env,
    )
    return start


def _on_home_press(key: str, since: float) -> tuple[float, float]:
    """Once home shows (seconds from ``since``), and a moment more: press ``key``.
    Returns those seconds and the time of the key press."""
    shown = _wait("50 decks", since)
    time.sleep(0.5)
    pressed = time.perf_counter()
    _keys(key)
    return shown, pressed


def _back_home_then_quit(since: float) -> float:
    """Once home shows again: ``q``, and the seconds until the program has exited."""
    return _wait(_DONE, _on_home_press("q", since)[1])


def one_run(checkout: Path, decks: Path, progress: Path, scratch: Path) -> dict[str, float]:
    """Two starts: Browse then quit, and Stats (a history not read yet) then quit."""
    times: dict[str, float] = {}
    try:
        times["home"], start = _on_home_press("b", _start(checkout, decks, progress, scratch))
        times["browse list"] = _wait("of 75000 cards", start)
        times["browse history"] = _wait("History (", start)
        _keys("/")
        time.sleep(0.3)  # the search field takes the focus
        _keys("card-0001")
        _wait("750 of 75000", start)
        time.sleep(0.3)
        start = time.perf_counter()
        _keys("5")
        times["search key"] = _wait("100 of 75000", start)
        _keys("Escape")
        _keys("Escape")
        times["quit"] = _back_home_then_quit(start)

        start = _on_home_press("s", _start(checkout, decks, progress, scratch))[1]
        times["stats screen"] = _wait("Statistics:", start)
        times["stats numbers"] = _wait("Reviews per day", start)
        _keys("Escape")
        times["quit after stats"] = _back_home_then_quit(start)
    finally:
        subprocess.run([*SOCKET, "kill-server"], capture_output=True)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("big_collection_bench: needs tmux")
    decks, progress = generate_big(CACHE)
    checkouts = [ROOT] + ([args.baseline.resolve()] if args.baseline else [])
    results: dict[Path, list[dict[str, float]]] = {checkout: [] for checkout in checkouts}
    with tempfile.TemporaryDirectory(prefix="trainer-big-bench-") as scratch_name:
        scratch = Path(scratch_name)
        for checkout in checkouts:
            one_run(checkout, decks, progress, scratch)  # untimed: bytecode, deck cache
        for run in range(args.runs):
            for checkout in checkouts if run % 2 == 0 else reversed(checkouts):
                results[checkout].append(one_run(checkout, decks, progress, scratch))
    header = f"{'step':16} {'this checkout':>14}"
    if args.baseline:
        header += f" {'baseline':>10} {'ratio':>7}"
    print(f"medians of {args.runs} runs, seconds, tmux 120x40, 50k cards, 1M reviews")
    print(header)
    for step in STEPS:
        ours = statistics.median(r[step] for r in results[ROOT])
        line = f"{step:16} {ours:14.3f}"
        if args.baseline:
            theirs = statistics.median(r[step] for r in results[checkouts[1]])
            line += f" {theirs:10.3f} {ours / theirs:6.2f}x"
        print(line)


if __name__ == "__main__":
    main()
