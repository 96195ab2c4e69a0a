"""The ``trainer`` command line: parses arguments and hands over to one command module.

A start builds only the parser of the command it runs (:func:`build_command_parser`):
``trainer`` alone, the home screen, imports no other command module and makes no other
parser. Only ``trainer --help`` (and ``-h``/``--version`` before a command) builds the
whole parser (:func:`build_parser`). A command's parser is the same either way: its usage,
help and errors read ``trainer COMMAND``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from trainer import __version__
from trainer.commands import COMMANDS
from trainer.commands.common import CommandFailed
from trainer.exitcodes import ExitCode

__all__ = ["PROG", "build_command_parser", "build_parser", "main", "normalize"]

#: The program's name in usage lines and messages; a command's parser is "PROG COMMAND".
PROG = "trainer"

#: Options that may come before the command (``trainer --progress X due``) and take a value.
_LEADING_OPTIONS_WITH_VALUE = frozenset({"--progress"})


def _command_module(command: str) -> ModuleType:
    return importlib.import_module(f"trainer.commands.{COMMANDS[command]}")


def build_parser() -> argparse.ArgumentParser:
    """The whole parser: every command's module imported and its parser registered (for
    ``trainer --help``, which lists them all)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Study YAML flashcard decks with spaced repetition, in the terminal.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    # No positional argument before the command: each subparser's prog is "PROG COMMAND",
    # as _OneCommand makes it.
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        _command_module(name).register(subparsers)
    return parser


class _OneCommand:
    """What a command's ``register`` adds its parser to when only that command runs: it
    makes the parser as the whole parser's subparsers would (same prog, so the same usage,
    help and errors), without a parser for the other commands."""

    def __init__(self, command: str) -> None:
        self.command = command
        self.parser: argparse.ArgumentParser | None = None

    def add_parser(
        self, name: str, *, help: str | None = None, description: str | None = None
    ) -> argparse.ArgumentParser:
        # ``help`` is the command's line in ``trainer --help``: not shown by its own parser.
        assert name == self.command and self.parser is None, f"{name} registered as {self.command}"
        self.parser = argparse.ArgumentParser(prog=f"{PROG} {name}", description=description)
        return self.parser


def build_command_parser(command: str) -> argparse.ArgumentParser:
    """The parser of ``command`` alone (its arguments after the command name); only its
    module is imported."""
    registry = _OneCommand(command)
    _command_module(command).register(registry)
    assert registry.parser is not None, f"trainer.commands.{COMMANDS[command]} registered nothing"
    return registry.parser


def normalize(args: list[str]) -> list[str] | str:
    """The arguments with the command first, or an error message.

    No command means ``study`` (``trainer`` alone opens the home screen, ``trainer
    decks/`` studies those decks); options given before the command move after it; an
    unknown command gets a did-you-mean. Help or the version asked for before any command
    leaves the arguments as they are (for the whole parser).
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
    later = next((arg for arg in args[index + 1 :] if arg in COMMANDS), None)
    if later is not None and index > 0 and args[index - 1].startswith("-"):
        # `trainer --format json validate`: an option of the command, given before it.
        option = args[index - 1]
        return (
            f"{PROG}: {option} is an option of `{PROG} {later}`: put it after the command "
            f"(`{PROG} {later} {option} {word} ...`)"
        )
    import difflib

    close = difflib.get_close_matches(word, COMMANDS, n=1, cutoff=0.6)
    hint = f"; did you mean `{PROG} {close[0]}`?" if close else ""
    return (
        f"{PROG}: {word!r} is not a command or a deck path{hint} "
        f"(commands: {', '.join(COMMANDS)}; `{PROG} --help` says more)"
    )


def _escape_what_the_terminal_cannot_show() -> None:
    """Text a stream's encoding cannot hold (deck text in a latin-1 terminal) is written as
    ``\\uXXXX`` escapes instead of failing the command with its report unwritten."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) == "strict":
            reconfigure(errors="backslashreplace")


def run() -> NoReturn:
    """The ``trainer`` command: :func:`main`, then exit without tearing the interpreter
    down.

    By then every command has closed what it opened, and each answer was on disk when it
    was given; what is left is freeing memory, which the system takes back at once. After
    Browse or Stats have read a million answers, Python's own teardown took 6 s once the
    screen had closed (``benchmarks/big_collection_bench.py``).
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe, a closed stream
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    _escape_what_the_terminal_cannot_show()
    args_list = normalize(list(sys.argv[1:] if argv is None else argv))
    if isinstance(args_list, str):
        print(args_list, file=sys.stderr)
        return ExitCode.USAGE
    try:
        if args_list[0] in COMMANDS:
            args = build_command_parser(args_list[0]).parse_args(args_list[1:])
        else:  # -h, --help or --version before any command: print, and exit below
            args = build_parser().parse_args(args_list)
    except SystemExit as exit_:
        return ExitCode.OK if exit_.code == 0 else ExitCode.USAGE
    try:
        return int(args.handler(args))
    except CommandFailed as failure:
        return failure.code
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # `trainer validate ... | head`: the reader left; not an error of ours.
        sys.stderr.close()
        return ExitCode.OK
