"""``trainer validate``: check deck files and report every problem with its location."""

from __future__ import annotations

import argparse
import gc
import sys
import traceback
from pathlib import Path

from trainer.exitcodes import ExitCode

FORMATS = ("text", "json", "github", "junit")
DEFAULT_DIRECTORY = "decks"


def register(subparsers: argparse._SubParsersAction) -> None:
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
    from trainer.validation import validate
    from trainer.validation.reporters import RENDERERS

    # The loaded decks are millions of small objects without cycles: a cyclic collection
    # over them while the report is rendered (the first one after validate() turned the
    # collector back on) would only cost time, up to half a second. The caller's setting
    # comes back afterwards (the command also runs in-process, from tests and scripts).
    collecting = gc.isenabled()
    gc.disable()
    try:
        report = validate(paths, sources=args.sources)
        strict: bool = args.strict
        sys.stdout.write(RENDERERS[args.format](report, strict))
        sys.stdout.flush()
    finally:
        if collecting:
            gc.enable()
    if report.bad_paths:
        return ExitCode.USAGE
    if not report.files:
        sys.stderr.write(
            "trainer validate: error: no deck files (*.yaml, *.yml) found in "
            f"{', '.join(str(p) for p in paths)}\n"
        )
        return ExitCode.USAGE
    if report.errors or (strict and report.warnings):
        return ExitCode.PROBLEMS
    return ExitCode.OK


def _located(problem: Exception) -> str:
    """``Type: message (at file.py:line in function)`` for the innermost frame."""
    frames = traceback.extract_tb(problem.__traceback__)
    where = (
        f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno} in {frames[-1].name})"
        if frames
        else ""
    )
    return f"{type(problem).__name__}: {problem}{where}"
