"""What the command modules share, so that no command imports another.

* :class:`Subparsers`: the type of what each command's ``register`` adds its parser to;
* the arguments several commands take: :func:`add_deck_arguments` (``DECK...``),
  :func:`add_progress_argument` (``--progress DIR``) and :func:`add_collection_arguments`
  (both, and ``--json``);
* turning those arguments into paths: :func:`resolve_decks`, :func:`resolve_paths`;
* :func:`open_collection`, the loaded collection as a context manager, which raises
  :class:`CommandFailed` (its reason printed) when there is nothing to work on;
* :func:`emit_json`, one JSON document on stdout;
* :func:`step_printer`, what a long command is doing, on stderr.

Like the command modules, this module imports only the standard library at top level: it is
imported on every start, ``trainer`` alone included.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trainer.exitcodes import ExitCode

if TYPE_CHECKING:
    from typing import Protocol

    from trainer.clock import Clock
    from trainer.session import Collection

    class Subparsers(Protocol):
        """What a command's ``register`` adds its parser to: the ``trainer`` parser's
        subparsers (``--help``), or the one-command stand-in of :mod:`trainer.cli` (every
        other start). Both make the parser as ``ArgumentParser(prog="trainer NAME", ...)``.
        """

        def add_parser(
            self, name: str, *, help: str | None = ..., description: str | None = ...
        ) -> argparse.ArgumentParser: ...


__all__ = [
    "CommandFailed",
    "Subparsers",
    "add_collection_arguments",
    "add_common_arguments",
    "add_deck_arguments",
    "add_progress_argument",
    "directory_argument",
    "emit_json",
    "open_collection",
    "resolve_decks",
    "resolve_paths",
    "step_printer",
]


class CommandFailed(Exception):
    """The command cannot go on; what went wrong is already printed on stderr.

    Attributes:
        code: the exit status :func:`trainer.cli.main` returns.
    """

    def __init__(self, code: ExitCode) -> None:
        super().__init__(code)
        self.code = code


def add_deck_arguments(parser: argparse.ArgumentParser) -> None:
    """``DECK...``: deck files, directories or deck ids (read by :func:`resolve_decks`)."""
    parser.add_argument(
        "decks",
        nargs="*",
        type=Path,
        metavar="DECK",
        help="deck files, directories or deck ids (default: the bundled decks, or $TRAINER_DECKS)",
    )


def directory_argument(text: str) -> Path:
    """A ``DIR`` option's value: an empty one (``--progress ''``, an unset variable in a
    script) is refused rather than read as the current directory."""
    if not text.strip():
        raise argparse.ArgumentTypeError("give a directory (the value is empty)")
    return Path(text)


def add_progress_argument(parser: argparse.ArgumentParser) -> None:
    """``--progress DIR``, read with :func:`trainer.locations.progress_dir`."""
    parser.add_argument(
        "--progress",
        type=directory_argument,
        metavar="DIR",
        help="progress directory (default: $TRAINER_PROGRESS_DIR, else "
        "progress/ of a checkout, else your user data directory)",
    )


def add_common_arguments(parser: argparse.ArgumentParser, *, progress: bool = True) -> None:
    """``DECK...`` and, unless ``progress`` is false, ``--progress DIR``."""
    add_deck_arguments(parser)
    if progress:
        add_progress_argument(parser)


def add_collection_arguments(parser: argparse.ArgumentParser, *, json_flag: bool = True) -> None:
    """What :func:`open_collection` reads (``DECK...``, ``--progress DIR``), and
    ``--json`` unless ``json_flag`` is false."""
    add_common_arguments(parser)
    if json_flag:
        parser.add_argument("--json", action="store_true", help="machine-readable output")


def resolve_decks(names: list[Path]) -> list[Path] | None:
    """Deck files or directories for the ``DECK`` arguments, or None (message printed).

    A name that is not a path may be a deck id (or file stem) of the default decks, as
    ``stats --deck ID`` takes: ``trainer due ketamine-mechanism``. No names: the default
    decks.
    """
    from trainer.decksource import default_deck_paths

    if not names:
        decks = default_deck_paths()
        if not decks:
            print(
                "trainer: no decks given and no bundled decks found; "
                "name deck files or directories, or set TRAINER_DECKS",
                file=sys.stderr,
            )
            return None
        return decks
    resolved: list[Path] = []
    unknown: list[Path] = []
    by_id: dict[str, Path] | None = None
    for name in names:
        if name.exists() or name.is_symlink():  # (a broken link or loop: the loader says)
            resolved.append(name)
            continue
        if by_id is None:
            by_id = _default_decks_by_id()
        path = by_id.get(str(name))
        if path is None:
            unknown.append(name)
        else:
            resolved.append(path)
    for name in unknown:
        ids = sorted({path: name for name, path in (by_id or {}).items()}.values())
        hint = f" (deck ids: {', '.join(ids)})" if ids else ""
        print(f"trainer: {name}: no such file, directory or deck id{hint}", file=sys.stderr)
    return None if unknown else resolved


def _default_decks_by_id() -> dict[str, Path]:
    """Deck id and file stem -> file, over the default decks (only for names that are
    not paths: loading every deck is not needed otherwise)."""
    from trainer.decksource import default_deck_paths, find_deck_files
    from trainer.loader import load_deck

    files, _ = find_deck_files(default_deck_paths())
    stems = {path.stem: path for path in files}
    ids: dict[str, Path] = {}
    for path in files:
        deck = load_deck(path).deck
        if deck is not None:
            ids[deck.id] = path
    return {**stems, **ids}  # ids last: the hint lists the last name of each file


def resolve_paths(args: argparse.Namespace) -> tuple[list[Path], Path] | None:
    """Deck paths and progress directory from the command line, or None (message printed)."""
    from trainer.locations import progress_dir

    decks = resolve_decks(list(args.decks))
    if decks is None:
        return None
    # A quiz has no --progress: it never reads or writes progress.
    return decks, progress_dir(getattr(args, "progress", None))


@contextmanager
def open_collection(
    args: argparse.Namespace, clock: Clock | None = None, *, records: bool = False
) -> Iterator[Collection]:
    """The collection named by the command line (:func:`add_collection_arguments`), closed
    when the block ends. A command that only reads (``records`` false) opens a progress
    directory that does not exist read-only: a mistyped ``--progress`` is not created.

    Load errors and warnings are printed. Raises :class:`CommandFailed` if the decks or the
    progress directory cannot be used, or no deck loaded (`trainer due README.md`).
    """
    from trainer.clock import SystemClock
    from trainer.config import ConfigError
    from trainer.diagnostics import Severity
    from trainer.locations import progress_dir
    from trainer.session import Collection, ProgressError

    decks = resolve_decks(list(args.decks))
    if decks is None:
        raise CommandFailed(ExitCode.USAGE)
    progress = progress_dir(args.progress)
    try:
        collection = Collection.open(
            decks,
            progress,
            clock=clock or SystemClock(),
            read_only=not records and _not_made_yet(progress),
        )
    except ProgressError as error:
        print(f"trainer: {error}", file=sys.stderr)
        raise CommandFailed(ExitCode.PROGRESS) from None
    except ConfigError as error:
        print(f"trainer: invalid config: {error}", file=sys.stderr)
        raise CommandFailed(ExitCode.USAGE) from None
    try:
        for diagnostic in collection.load_diagnostics:
            if diagnostic.severity is Severity.ERROR:
                print(f"trainer: {diagnostic}", file=sys.stderr)
        for warning in collection.warnings:
            print(f"trainer: warning: {warning}", file=sys.stderr)
        if not collection.decks:
            # The errors above say why; an empty table after them would read as success.
            if collection.load_diagnostics:
                why = "no deck could be loaded; `trainer validate` explains each problem"
            else:
                why = (
                    f"no deck files (*.yaml, *.yml) in {', '.join(map(str, decks))}; name deck "
                    "files, or directories that hold some"
                )
            print(f"trainer: {why}", file=sys.stderr)
            raise CommandFailed(ExitCode.PROBLEMS)
        yield collection
    finally:
        collection.close()


def _not_made_yet(directory: Path) -> bool:
    """Whether ``directory`` does not exist but could be made (under a directory, not
    under a file: that one is unusable, and opening it says so)."""
    if directory.exists():
        return False
    ancestor = directory.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    return ancestor.is_dir()


def emit_json(data: Any) -> None:
    """``data`` as one line of JSON on stdout (non-ASCII text written as is)."""
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def step_printer() -> Callable[[str], None]:
    """A callback that prints each step of a long command as it starts, with the seconds
    since this call (``[ 12.3 s] fitting to every review...``), on stderr: stdout keeps
    the command's own output (a report, a JSON document)."""
    import time

    started = time.monotonic()

    def show(text: str) -> None:
        print(f"[{time.monotonic() - started:5.1f} s] {text}...", file=sys.stderr, flush=True)

    return show
