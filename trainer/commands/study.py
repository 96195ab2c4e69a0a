"""``trainer study [DECK...]``: the home screen, then study (the default command)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from trainer.commands.common import add_common_arguments, resolve_paths
from trainer.exitcodes import ExitCode

if TYPE_CHECKING:
    from trainer.commands.common import Subparsers


def register(subparsers: Subparsers) -> None:
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


def run(args: argparse.Namespace) -> ExitCode:
    paths = resolve_paths(args)
    if paths is None:
        return ExitCode.USAGE
    from trainer.collector import StartupCollectorPause

    # Importing Textual and the trainer makes ~100,000 long-lived objects and no garbage:
    # the collector walked them some 80 times (trainer.collector).
    with StartupCollectorPause().during():
        from trainer.clock import SystemClock
        from trainer.tui.app import create_app

        app = create_app(paths[0], paths[1], SystemClock(), autostart=args.start)
    code = app.run()
    if app.return_code:  # Textual set it: the app crashed (its dump is on the screen)
        return ExitCode.PROBLEMS
    return ExitCode(code or 0)
