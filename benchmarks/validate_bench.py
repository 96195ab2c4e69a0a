"""How much ``trainer validate`` costs compared with merely parsing the same YAML.

Generates (into a temporary directory, with a fixed seed) 50,000 cards in 50 deck files,
using all seven card types with answer-key tests, alternatives, tags and sources, then
measures, alternating the two programs over several repetitions, each in a fresh process:

* (a) ``python -m trainer validate DIR``: every check, near-duplicates included;
* (b) a bare parse: ``yaml.load(f, CSafeLoader)`` of each file, with gc paused.

Prints the median wall time of each and their ratio (goal: <= 1.5x).

Usage: .venv/bin/python benchmarks/validate_bench.py [--repeat N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CARDS = 50_000
FILES = 50
SEED = 20260302

BARE_PARSE = """
import gc, sys, yaml
gc.disable()
for name in sys.argv[1:]:
    with open(name, "rb") as f:
        yaml.load(f, Loader=yaml.CSafeLoader)
"""

# A real collection's vocabulary is large and Zipf-distributed; a few dozen words shared
# by every question would be a pathological input for any near-duplicate index.
_SYLLABLES = [
    "ka",
    "ta",
    "mi",
    "ro",
    "ne",
    "su",
    "li",
    "po",
    "ve",
    "da",
    "gu",
    "ri",
    "sa",
    "to",
    "ne",
    "mo",
]
VOCABULARY = sorted({a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in _SYLLABLES})
_WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]
_CUMULATIVE = list(itertools.accumulate(_WEIGHTS))
WORDS = VOCABULARY[:200]


def _phrase(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(VOCABULARY, cum_weights=_CUMULATIVE, k=rng.randint(low, high)))


def _q(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


def _card(rng: random.Random, number: int, sources: list[str]) -> str:
    kind = ("basic", "cloze", "typed", "choice", "multi", "order", "truefalse")[number % 7]
    # Unique words keep questions distinct, as in a real collection; a few repeat on purpose.
    unique = f"topic{number} item{number // 3}"
    head = (
        f"  - id: card-{number}\n    type: {kind}\n"
        f"    tags: [{rng.choice(WORDS)}, {rng.choice(WORDS)}]\n"
        f"    source: {rng.choice(sources)}\n"
    )
    if kind == "basic":
        return head + (
            f"    front: {_q('What about ' + unique + ' ' + _phrase(rng, 4, 9))}\n"
            f"    back: {_q(_phrase(rng, 1, 4))}\n"
            f"    reverse: {'true' if number % 2 else 'false'}\n"
        )
    if kind == "cloze":
        a, b = _phrase(rng, 1, 2), _phrase(rng, 1, 1)
        text = (
            f"{unique} {_phrase(rng, 3, 6)} {{{{c1::{a}}}}} and {_phrase(rng, 2, 4)} "
            f"{{{{c2::{b}}}}}."
        )
        return head + (
            f"    text: {_q(text)}\n"
            f"    alternatives:\n      c1: [{_q(a + ' x')}]\n"
            f"    tests:\n      c1: {{accept: [{_q(a)}], reject: [zzzzzzzz]}}\n"
            f"      c2: {{accept: [{_q(b)}], reject: [qqqqqqqq]}}\n"
        )
    if kind == "typed":
        answer = _phrase(rng, 1, 2)
        return head + (
            f"    question: {_q('Which ' + unique + ' ' + _phrase(rng, 4, 9) + '?')}\n"
            f"    answer: {_q(answer)}\n"
            f"    alternatives: [{_q(answer + ' alt')}]\n"
            f"    wrong: [wronganswer{number}]\n"
            f"    match: {{max_typos: 1}}\n"
            f"    tests:\n      accept: [{_q(answer.upper())}]\n"
            f"      reject: [{_q('nothing like it ' + str(number))}]\n"
            f"    explanation: {_q(_phrase(rng, 8, 16))}\n"
        )
    if kind in ("choice", "multi"):
        options = [f"option {number} {i} {rng.choice(WORDS)}" for i in range(5)]
        listed = "\n".join(f"      - {_q(o)}" for o in options)
        if kind == "choice":
            body = f"    answer: {_q(options[2])}\n"
        else:
            body = "    answers:\n" + "\n".join(f"      - {_q(o)}" for o in options[:2]) + "\n"
        return head + (
            f"    question: {_q('Pick ' + unique + ' ' + _phrase(rng, 4, 8))}\n"
            + body
            + f"    options:\n{listed}\n"
        )
    if kind == "order":
        items = "\n".join(f"      - {_q(f'step {i} ' + _phrase(rng, 2, 4))}" for i in range(4))
        return head + (
            f"    question: {_q('Order ' + unique + ' ' + _phrase(rng, 2, 5))}\n"
            f"    items:\n{items}\n"
        )
    return head + (
        f"    statement: {_q(unique + ' ' + _phrase(rng, 5, 10))}\n"
        f"    answer: {'true' if number % 2 else 'false'}\n"
    )


def generate(directory: Path) -> list[Path]:
    rng = random.Random(SEED)
    per_file = CARDS // FILES
    paths = []
    for file_number in range(FILES):
        sources = [f"doc-{file_number}-{i}.txt" for i in range(3)]
        parts = [
            f"format: 1\nid: bench-{file_number}\ntitle: Benchmark deck {file_number}\nsources:\n"
        ]
        parts += [f"  - file: {s}\n    title: Document {s}\n" for s in sources]
        parts.append("cards:\n")
        start = file_number * per_file
        parts += [_card(rng, number, sources) for number in range(start, start + per_file)]
        path = directory / f"deck-{file_number:02}.yaml"
        path.write_text("".join(parts), encoding="utf-8")
        paths.append(path)
    return paths


def _time(command: list[str]) -> tuple[float, str]:
    """Wall time of ``command`` and what it printed."""
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if completed.returncode not in (0, 1):
        raise SystemExit(
            f"{command[:4]} failed ({completed.returncode}):\n{completed.stderr[-2000:]}"
        )
    return elapsed, completed.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="repetitions (default 5)")
    parser.add_argument("--keep", type=Path, help="generate into this directory and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        directory = args.keep or Path(temporary)
        directory.mkdir(parents=True, exist_ok=True)
        paths = generate(directory)
        size = sum(p.stat().st_size for p in paths)
        print(f"{CARDS:,} cards in {FILES} files, {size / 1e6:.1f} MB")
        validate = [sys.executable, "-m", "trainer", "validate", str(directory)]
        bare = [sys.executable, "-c", BARE_PARSE, *map(str, paths)]
        # A first run of each warms the disk cache and reports what validate found.
        completed = subprocess.run(validate, cwd=ROOT, capture_output=True, text=True)
        lines = completed.stdout.strip().splitlines()
        print("validate says:", lines[-1])
        for note in (line for line in lines if line.startswith("note:")):
            print("validate", note)
        _time(bare)
        validate_times, bare_times, two_processes = [], [], 0
        for _ in range(args.repeat):
            elapsed, output = _time(validate)
            validate_times.append(elapsed)
            # validate --jobs auto uses a second process only when a CPU is idle.
            two_processes += "checked in 2 processes" in output
            bare_times.append(_time(bare)[0])
        v, b = statistics.median(validate_times), statistics.median(bare_times)
        print(
            f"validate (all checks): median {v:.3f} s  "
            f"[{', '.join(f'{t:.2f}' for t in validate_times)}]  "
            f"({two_processes} of {args.repeat} runs in 2 processes)"
        )
        print(
            f"bare parse (CSafeLoader, gc off): median {b:.3f} s  "
            f"[{', '.join(f'{t:.2f}' for t in bare_times)}]"
        )
        print(f"ratio: {v / b:.2f}x (goal <= 1.5x)")


if __name__ == "__main__":
    main()
