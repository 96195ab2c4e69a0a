"""``trainer orphans [--json] [DECK...]``: progress kept for cards no longer in any deck."""

from __future__ import annotations

import argparse

from trainer.exitcodes import ExitCode


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from trainer.commands.due import add_collection_arguments

    parser = subparsers.add_parser(
        "orphans",
        help="list progress of cards that are no longer in the decks",
        description="Cards with recorded answers but no longer in the loaded decks. Their "
        "history is kept and applies again if a card with the same deck and card id returns.",
    )
    add_collection_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> ExitCode:
    from trainer.commands.due import emit_json, open_collection

    collection = open_collection(args)
    if isinstance(collection, ExitCode):
        return collection
    try:
        rows = []
        for key in collection.orphans():
            progress = collection.progress(key)
            last = progress.history[-1].time.isoformat() if progress.history else None
            rows.append(
                {
                    "key": key,
                    "reviews": len(progress.history),
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
    finally:
        collection.close()
    return ExitCode.OK
