"""The ``trainer`` command line: parses arguments and hands over to one command module.

Only the module of the command being run is imported (``--help`` imports them all): the
study command's start-up does not pay for the parsers of the other eight.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from trainer import __version__
from trainer.commands import COMMANDS
from trainer.exitcodes import ExitCode

#: Options that may come before the command (``trainer --progress X due``) and take a value.
_LEADING_OPTIONS_WITH_VALUE = frozenset({"--progress"})


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``command``, only that command's module is imported and registered
    (the others are listed by name, enough to reject or suggest a mistyped one)."""
    parser = argparse.ArgumentParser(
        prog="trainer",
        description="Study YAML flashcard decks with spaced repetition, in the terminal.",
    )
    parser.add_argument("--version", action="version", version=f"trainer {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        if command is None or name == command:
            importlib.import_module(f"trainer.commands.{module}").register(subparsers)
        else:
            subparsers.add_parser(name)
    return parser


def normalize(args: list[str]) -> list[str] | str:
    """The arguments with the command first, or an error message.

    No command means ``study`` (``trainer`` alone opens the home screen, ``trainer
    decks/`` studies those decks); options given before the command move after it; an
    unknown command gets a did-you-mean.
    """
    index = 0
    while index < len(args) and args[index].startswith("-"):
        if args[index] in ("-h", "--help", "--version"):
            return args
        index += 2 if args[index] in _LEADING_OPTIONS_WITH_VALUE else 1
    if index >= len(args):
        return ["study", *args]
    word = args[index]
    if word in COMMANDS:
        return [word, *args[:index], *args[index + 1 :]]
    from pathlib import Path

    if Path(word).exists() or "/" in word or word.endswith((".yaml", ".yml")):
        return ["study", *args]
    import difflib

    close = difflib.get_close_matches(word, COMMANDS, n=1, cutoff=0.6)
    hint = f"; did you mean `trainer {close[0]}`?" if close else ""
    return (
        f"trainer: {word!r} is not a command or a deck path{hint} "
        f"(commands: {', '.join(COMMANDS)}; `trainer --help` says more)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args_list = normalize(list(sys.argv[1:] if argv is None else argv))
    if isinstance(args_list, str):
        print(args_list, file=sys.stderr)
        return ExitCode.USAGE
    command = args_list[0] if args_list and args_list[0] in COMMANDS else None
    parser = build_parser(command)
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
