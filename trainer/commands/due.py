"""``trainer due [--json] [DECK...]``: what is left to study today, per deck."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from trainer.commands.common import add_collection_arguments, emit_json, open_collection
from trainer.exitcodes import ExitCode

if TYPE_CHECKING:
    from trainer.commands.common import Subparsers

#: The numbers given per deck and in total, in the order ``--json`` writes them.
COUNTS = ("new", "learning", "due", "total", "suspended", "reviewed_today")


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "due",
        help="show what is left to study today, per deck",
        description="New, learning and due cards per deck for today (daily limits applied).",
    )
    add_collection_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> ExitCode:
    with open_collection(args) as collection:
        counts = collection.counts()
        numbers: dict[str, dict[str, int]] = {
            deck.id: {name: getattr(counts[deck.id], name) for name in COUNTS}
            for deck in collection.decks
        }
        totals = {name: sum(n[name] for n in numbers.values()) for name in COUNTS}
        if args.json:
            rows = [
                {"id": deck.id, "title": deck.title, "path": str(deck.path), **numbers[deck.id]}
                for deck in collection.decks
            ]
            emit_json({"decks": rows, "total": totals, "warnings": collection.warnings})
        else:
            table = [*numbers.items(), ("total", totals)]
            width = max(len("deck"), *(len(name) for name, _ in table))
            print(f"{'deck':<{width}}  {'new':>5}  {'learning':>8}  {'due':>5}")
            for name, n in table:
                print(f"{name:<{width}}  {n['new']:>5}  {n['learning']:>8}  {n['due']:>5}")
    return ExitCode.OK
