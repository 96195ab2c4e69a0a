"""What the command line itself costs a start, measured side by side in one run.

Each measurement is a fresh process (bytecode cached, as benchmarks/child_env.py sets
up), timed from before ``import
argparse`` until the real ``trainer`` command line is parsed (``main(ARGS)`` up to the
namespace its command's ``run`` would get): argparse, ``trainer.cli``, the command module
and its parser. For the study command line, ``textual.app`` is imported first, untimed:
the study command imports it anyway, so what argparse and the parser share with it is not
the command line's cost.

Rows:

* ``trainer`` (the home screen, the default command), ``trainer study --start``,
  ``trainer due``;
* the whole parser (``build_parser()``, every command's module and parser, what ``trainer
  --help`` builds).

With ``--baseline DIR`` (a directory holding another version's ``trainer/`` package, for
example ``git archive main trainer | tar -x -C DIR``) every row is also measured there, in
the same rounds, alternating, and the ratio printed. Medians over the rounds.

Usage: .venv/bin/python benchmarks/cli_bench.py [--runs N] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from child_env import child_environment  # benchmarks/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent

#: Times ``main(ARGS)`` up to the parsed namespace; prints milliseconds and where
#: ``trainer`` came from.
PARSE_PROBE = """
import os, sys, time
if sys.argv[1]:
    __import__(sys.argv[1])
start = time.perf_counter()
import argparse
parse = argparse.ArgumentParser.parse_args
def parse_and_stop(self, *args, **kwargs):
    namespace = parse(self, *args, **kwargs)
    elapsed = time.perf_counter() - start
    import json, trainer
    print(json.dumps({"ms": elapsed * 1000, "trainer": trainer.__file__}), flush=True)
    os._exit(0)  # main() catches SystemExit
argparse.ArgumentParser.parse_args = parse_and_stop
from trainer.cli import main
main(sys.argv[2:])
raise SystemExit("the command line was not parsed")
"""

#: Times importing the CLI and building the whole parser.
WHOLE_PROBE = """
import sys, time
start = time.perf_counter()
from trainer.cli import build_parser
build_parser()
elapsed = time.perf_counter() - start
import json, trainer
print(json.dumps({"ms": elapsed * 1000, "trainer": trainer.__file__}))
"""

#: (label, probe, module imported first, untimed, or "", arguments)
ROWS = [
    ("trainer", PARSE_PROBE, "textual.app", []),
    ("trainer study --start", PARSE_PROBE, "textual.app", ["study", "--start"]),
    ("trainer due", PARSE_PROBE, "", ["due"]),
    ("whole parser (--help)", WHOLE_PROBE, "", []),
]


def measure(tree: Path, probe: str, preload: str, args: list[str]) -> float:
    env = dict(child_environment(), PYTHONPATH=str(tree))
    done = subprocess.run(
        [sys.executable, "-c", probe, preload, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
        check=True,
    )
    result = json.loads(done.stdout)
    where = Path(result["trainer"]).resolve()
    if not where.is_relative_to(tree.resolve()):
        raise SystemExit(f"measured {where}, not the trainer in {tree}")
    return float(result["ms"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=25, help="rounds (default 25)")
    parser.add_argument("--baseline", type=Path, help="directory holding another trainer/")
    options = parser.parse_args()
    trees = {"this": ROOT}
    if options.baseline is not None:
        if not (options.baseline / "trainer" / "cli.py").is_file():
            raise SystemExit(f"{options.baseline}: no trainer/cli.py in it")
        trees["baseline"] = options.baseline
    times: dict[tuple[str, str], list[float]] = {}
    for tree in trees.values():  # untimed: bytecode written, file caches warm
        for _, probe, preload, args in ROWS:
            measure(tree, probe, preload, args)
    for _ in range(options.runs):
        for label, probe, preload, args in ROWS:
            for name, tree in trees.items():
                times.setdefault((label, name), []).append(measure(tree, probe, preload, args))
    print(f"median of {options.runs} interleaved runs, ms (fresh process, bytecode cached)")
    header = f"{'':24} {'this':>8}"
    if "baseline" in trees:
        header += f" {'baseline':>9} {'this/baseline':>14}"
    print(header)
    for label, *_ in ROWS:
        this = statistics.median(times[label, "this"])
        line = f"{label:24} {this:8.2f}"
        if "baseline" in trees:
            baseline = statistics.median(times[label, "baseline"])
            line += f" {baseline:9.2f} {this / baseline:14.2f}"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
