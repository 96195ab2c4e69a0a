"""``trainer sync [--init URL]``: sync the progress directory through a git remote.

A thin front of :mod:`trainer.sync` (see docs/sync.md): prints what was sent and what came
in, then reloads the collection (replaying what arrived, refreshing the snapshot).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from trainer.commands.common import add_collection_arguments, open_collection
from trainer.exitcodes import ExitCode

if TYPE_CHECKING:
    from trainer.commands.common import Subparsers


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "sync",
        help="sync your answers with your other devices through a git remote",
        description="Commit this device's answers, merge the other devices' and push, "
        "through any git remote (see docs/sync.md).",
    )
    add_collection_arguments(parser, json_flag=False)
    parser.add_argument(
        "--init",
        metavar="URL",
        help="set the progress directory up to sync with this git remote "
        "(an empty repository, or one your other devices sync with)",
    )
    parser.set_defaults(handler=run)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def run(args: argparse.Namespace) -> ExitCode:
    from trainer.locations import progress_dir
    from trainer.progress.errors import ProgressError
    from trainer.progress.store import this_device
    from trainer.sync import SyncError, init, sync

    directory = progress_dir(args.progress)
    try:
        device = this_device()
        report = init(directory, args.init, device) if args.init else sync(directory, device)
    except ProgressError as error:
        print(f"trainer: {error}", file=sys.stderr)
        return ExitCode.PROGRESS
    except SyncError as error:
        print(f"trainer sync: {error}", file=sys.stderr)
        return ExitCode.SYNC
    for name in report.untracked:
        print(f"trainer sync: {name} is not progress data: no longer synced (the file is kept)")
    print(f"trainer sync: sent {_plural(report.sent, 'answer')} from this device ({device})")
    if report.received:
        for other, count in sorted(report.received.items()):
            print(f"trainer sync: received {_plural(count, 'answer')} from {other}")
    else:
        print("trainer sync: nothing new from other devices")
    if not report.pushed:
        print("trainer sync: nothing to push yet (no answers on any device)")
    with open_collection(args):  # replays what came in; the snapshot follows
        pass
    return ExitCode.OK
