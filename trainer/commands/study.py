"""``trainer study [DECK...]``: the home screen, then study (the default command)."""

from __future__ import annotations

import argparse
from pathlib import Path

from trainer.exitcodes import ExitCode


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "study",
        help="study what is due today (the default command)",
        description="Open the home screen: every deck with its new, learning and due cards. "
        "Enter studies the selected deck, ? lists every key.",
    )
    add_common_arguments(parser)
    parser.add_argument("--start", action="store_true",
                        help="skip the home screen: go straight to the first card due in "
                        "any deck (the home screen comes after the session)")
    parser.set_defaults(handler=run)


def add_common_arguments(parser: argparse.ArgumentParser, *, progress: bool = True) -> None:
    parser.add_argument("decks", nargs="*", type=Path, metavar="DECK",
                        help="deck files or directories (default: the bundled decks, or "
                        "$TRAINER_DECKS)")
    if progress:
        parser.add_argument("--progress", type=Path, metavar="DIR",
                            help="progress directory (default: $TRAINER_PROGRESS_DIR, else "
                            "progress/ of a checkout, else your user data directory)")


def resolve_paths(args: argparse.Namespace) -> tuple[list[Path], Path] | None:
    """Deck paths and progress directory from the command line, or None (message printed)."""
    import sys

    from trainer.decksource import default_deck_paths
    from trainer.locations import progress_dir

    decks = list(args.decks) or default_deck_paths()
    if not decks:
        print("trainer: no decks given and no bundled decks found; "
              "name deck files or directories, or set TRAINER_DECKS", file=sys.stderr)
        return None
    missing = [path for path in decks if not path.exists()]
    if missing:
        for path in missing:
            print(f"trainer: {path}: no such file or directory", file=sys.stderr)
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
