"""``trainer study [DECK...]``: the home screen, then study (the default command)."""

from __future__ import annotations

import argparse
from pathlib import Path

from trainer.exitcodes import ExitCode


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "study",
        help="study what is due today (the default command)",
        description="Open the home screen: every deck with its new, learning and due cards. "
        "Enter studies the selected deck, ? lists every key.",
    )
    add_common_arguments(parser)
    parser.add_argument(
        "--start",
        action="store_true",
        help="skip the home screen: go straight to the first card due in "
        "any deck (the home screen comes after the session)",
    )
    parser.set_defaults(handler=run)


def add_common_arguments(parser: argparse.ArgumentParser, *, progress: bool = True) -> None:
    parser.add_argument(
        "decks",
        nargs="*",
        type=Path,
        metavar="DECK",
        help="deck files, directories or deck ids (default: the bundled decks, or $TRAINER_DECKS)",
    )
    if progress:
        parser.add_argument(
            "--progress",
            type=Path,
            metavar="DIR",
            help="progress directory (default: $TRAINER_PROGRESS_DIR, else "
            "progress/ of a checkout, else your user data directory)",
        )


def resolve_decks(names: list[Path]) -> list[Path] | None:
    """Deck files or directories for the ``DECK`` arguments, or None (message printed).

    A name that is not a path may be a deck id (or file stem) of the default decks, as
    ``stats --deck ID`` takes: ``trainer due ketamine-mechanism``. No names: the default
    decks.
    """
    import sys

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
        if name.exists():
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


def run(args: argparse.Namespace) -> ExitCode:
    paths = resolve_paths(args)
    if paths is None:
        return ExitCode.USAGE
    from trainer.clock import SystemClock
    from trainer.tui.app import create_app

    app = create_app(paths[0], paths[1], SystemClock(), autostart=args.start)
    code = app.run()
    if app.return_code:  # Textual set it: the app crashed (its dump is on the screen)
        return ExitCode.PROBLEMS
    return ExitCode(code or 0)
