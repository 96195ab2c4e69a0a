"""``trainer orphans [--json] [DECK...]``: progress kept for cards no longer in any deck."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from trainer.commands.common import add_collection_arguments, emit_json, open_collection
from trainer.exitcodes import ExitCode

if TYPE_CHECKING:
    from trainer.commands.common import Subparsers


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "orphans",
        help="list progress of cards that are no longer in the decks",
        description="Cards with recorded answers but no longer in the loaded decks. Their "
        "history is kept and applies again if a card with the same deck and card id returns.",
    )
    add_collection_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> ExitCode:
    with open_collection(args) as collection:
        rows = []
        for key in collection.orphans():
            progress = collection.progress(key)
            history = progress.history or ()
            last = history[-1].time.isoformat(timespec="milliseconds") if history else None
            rows.append(
                {
                    "key": key,
                    "reviews": len(history),
                    "last_review": last,
                    "state": progress.state,
                }
            )
        if args.json:
            emit_json({"orphans": rows})
        elif not rows:
            print("No orphans: every card with progress is in the loaded decks.")
        else:
            for row in rows:
                print(f"{row['key']}  {row['reviews']} reviews, last {row['last_review']}")
    return ExitCode.OK
