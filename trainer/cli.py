"""The ``trainer`` command line: parses arguments and hands over to one command module."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from trainer import __version__
from trainer.commands import COMMANDS
from trainer.exitcodes import ExitCode


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trainer",
        description="Study YAML flashcard decks with spaced repetition, in the terminal.",
    )
    parser.add_argument("--version", action="version", version=f"trainer {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"trainer.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0].startswith("-") and args_list[0] not in (
        "-h", "--help", "--version"
    ):
        # No command: study, as `trainer` alone opens the home screen.
        args_list.insert(0, "study")
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exit_:
        return ExitCode.OK if exit_.code == 0 else ExitCode.USAGE
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return ExitCode.USAGE
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # `trainer validate ... | head`: the reader left; not an error of ours.
        sys.stderr.close()
        return ExitCode.OK
