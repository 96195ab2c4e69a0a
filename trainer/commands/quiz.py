"""``trainer quiz [DECK...] --count N [--time MINUTES]``: an exam that does not touch the
schedule."""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

from trainer.commands.common import add_common_arguments, resolve_paths
from trainer.exitcodes import ExitCode

if TYPE_CHECKING:
    from trainer.commands.common import Subparsers


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


#: The longest time limit (a day): an exam is not longer, and the clock shows it.
_MAX_MINUTES = 24 * 60


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes")
    if not 0 < value <= _MAX_MINUTES:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most {_MAX_MINUTES} (a day)")
    return value


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "quiz",
        help="an exam of N random questions; does not touch the schedule",
        description="Ask N random questions from the decks, optionally against the clock, "
        "then show a scored report. Nothing is recorded.",
    )
    add_common_arguments(parser, progress=False)
    parser.add_argument(
        "--count",
        "-n",
        type=_positive_int,
        default=10,
        metavar="N",
        help="number of questions (default 10)",
    )
    parser.add_argument(
        "--time",
        type=_minutes,
        metavar="MINUTES",
        help="time limit; unanswered questions count as wrong",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> ExitCode:
    paths = resolve_paths(args)
    if paths is None:
        return ExitCode.USAGE
    from trainer.clock import SystemClock
    from trainer.tui.app import create_app

    app = create_app(
        paths[0],
        paths[1],
        SystemClock(),
        mode="quiz",
        quiz_count=args.count,
        quiz_minutes=args.time,
    )
    code = app.run()
    return ExitCode(code or 0)
