"""``trainer validate``: check deck files and report every problem with its location."""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import sys
import traceback
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from trainer.exitcodes import ExitCode

if TYPE_CHECKING:
    from trainer.commands.common import Subparsers

FORMATS = ("text", "json", "github", "junit")
DEFAULT_DIRECTORY = "decks"


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check deck files and report problems as file:line:column",
        description="Check deck files: YAML syntax, the deck format, answers against "
        "options, unique ids, answer-key tests through the real grader, quality warnings "
        "and, with --sources, that answers occur in the cited documents. Exit status: 0 "
        "clean, 1 problems found, 2 bad command line or unusable path. See docs/validate.md.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="deck files or directories to search for *.yaml/*.yml "
        f"(default: ./{DEFAULT_DIRECTORY})",
    )
    parser.add_argument(
        "--strict", action="store_true", help="treat warnings as errors (exit status 1)"
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )
    parser.add_argument(
        "--sources",
        type=Path,
        metavar="DIR",
        help="directory of the documents cards cite; checks that each "
        "answer's key terms occur in them",
    )
    parser.add_argument(
        "--jobs",
        choices=("auto", "1", "2"),
        default="auto",
        help="processes checking the cards: 2 runs a share of a large collection's card "
        "checks in a second process; auto (the default) does so on Linux when a CPU is idle",
    )
    parser.set_defaults(handler=run)


def _usage_error(message: str) -> ExitCode:
    sys.stderr.write(f"trainer validate: error: {message}\n")
    return ExitCode.USAGE


def run(args: argparse.Namespace) -> ExitCode:
    paths: list[Path] = list(args.paths)
    if not paths:
        default = Path.cwd() / DEFAULT_DIRECTORY
        if not default.is_dir():
            return _usage_error(
                f"no PATH given and there is no {DEFAULT_DIRECTORY}/ "
                "directory here; name the deck files or directories to check"
            )
        paths = [Path(DEFAULT_DIRECTORY)]
    if args.sources is not None and not args.sources.is_dir():
        return _usage_error(
            f"--sources {args.sources}: not a directory; give the directory "
            "holding the documents cards cite"
        )
    try:
        return _validate(paths, args)
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as problem:
        sys.stderr.write(
            f"trainer validate: internal error: {_located(problem)}; this is a "
            "bug in trainer, please report it\n"
        )
        return ExitCode.PROBLEMS


def _validate(paths: list[Path], args: argparse.Namespace) -> ExitCode:
    from trainer.collector import collector_paused
    from trainer.validation import validate
    from trainer.validation.reporters import RENDERERS

    # The loaded decks are millions of small objects without cycles: a cyclic collection
    # over them while the report is rendered (the first one after validate() turned the
    # collector back on) would only cost time, up to half a second (trainer.collector).
    with collector_paused():
        with _worker_pool(getattr(args, "jobs", "auto")) as executor:
            report = validate(paths, sources=args.sources, executor=executor)
        strict: bool = args.strict
        sys.stdout.write(RENDERERS[args.format](report, strict))
        sys.stdout.flush()
    if report.bad_paths:  # (a directory without deck files included: no-deck-files)
        return ExitCode.USAGE
    if report.errors or (strict and report.warnings):
        return ExitCode.PROBLEMS
    return ExitCode.OK


def _worker_pool(jobs: str) -> contextlib.AbstractContextManager[Executor | None]:
    """A pool of one worker process for :func:`trainer.validation.validate`, or none.

    ``auto``: only on Linux with a CPU to spare (nothing else running on it right now):
    sharing a CPU, the second process makes the run slower. The worker is forked (it
    starts with the trainer imported) and only when ``validate`` hands it work.
    """
    if jobs == "1" or (jobs == "auto" and not _cpu_to_spare()):
        return contextlib.nullcontext()
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=1, mp_context=context)


def _cpu_to_spare() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    cpus = len(os.sched_getaffinity(0))
    return cpus >= 2 and _others_running() <= cpus - 2


def _others_running() -> float:
    """How many other processes are running or waiting for a CPU now. The kernel's count
    of runnable tasks, not the load average: that is a minute's average and lags, so a
    build or test run that has just ended kept validation in one process."""
    try:
        with open("/proc/loadavg", encoding="ascii") as loadavg:
            runnable = int(loadavg.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return os.getloadavg()[0]
    return runnable - 1  # this process is one of them


def _located(problem: Exception) -> str:
    """``Type: message (at file.py:line in function)`` for the innermost frame."""
    frames = traceback.extract_tb(problem.__traceback__)
    where = (
        f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno} in {frames[-1].name})"
        if frames
        else ""
    )
    return f"{type(problem).__name__}: {problem}{where}"
