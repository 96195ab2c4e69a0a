"""``trainer stats [--json] [DECK...]``: reviews, retention, streak."""

from __future__ import annotations

import argparse

from trainer.exitcodes import ExitCode


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from trainer.commands.due import add_collection_arguments

    parser = subparsers.add_parser(
        "stats",
        help="show study statistics: reviews, retention, streak",
        description="Statistics over the recorded answers of the loaded decks' cards.",
    )
    add_collection_arguments(parser)
    parser.set_defaults(handler=run)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def run(args: argparse.Namespace) -> ExitCode:
    from trainer.commands.due import emit_json, open_collection
    from trainer.stats import compute_stats

    collection = open_collection(args)
    if isinstance(collection, ExitCode):
        return collection
    try:
        stats = compute_stats(collection, {d.id for d in collection.decks})
        if args.json:
            emit_json(stats.to_json())
        else:
            cards = stats.cards
            print(f"reviews:    {stats.reviews} ({stats.reviews_today} today)")
            print(f"retention:  {_percent(stats.retention)}  (answers to due review cards "
                  "not graded Again)")
            print(f"accuracy:   {_percent(stats.accuracy)}  (auto-graded answers right)")
            print(f"streak:     {stats.streak} day{'s' if stats.streak != 1 else ''} "
                  f"({stats.study_days} study days in all)")
            print(f"time:       {stats.time_spent_seconds / 60:.0f} min")
            print(f"cards:      {cards['new']} new, {cards['learning'] + cards['relearning']} "
                  f"learning, {cards['review']} review, {cards['suspended']} suspended")
    finally:
        collection.close()
    return ExitCode.OK
