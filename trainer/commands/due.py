"""``trainer due [--json] [DECK...]``: what is left to study today, per deck.

Also home of the helpers the other headless commands (stats, review, orphans) share.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from trainer.exitcodes import ExitCode

if TYPE_CHECKING:
    from trainer.clock import Clock
    from trainer.session import Collection


def add_collection_arguments(parser: argparse.ArgumentParser, *, json_flag: bool = True) -> None:
    from trainer.commands.study import add_common_arguments

    add_common_arguments(parser)
    if json_flag:
        parser.add_argument("--json", action="store_true", help="machine-readable output")


def open_collection(args: argparse.Namespace, clock: Clock | None = None) -> Collection | ExitCode:
    """The collection named by the command line, or an exit code (message printed)."""
    from trainer.clock import SystemClock
    from trainer.commands.study import resolve_decks
    from trainer.config import ConfigError
    from trainer.locations import progress_dir
    from trainer.session import Collection, ProgressError

    decks = resolve_decks(list(args.decks))
    if decks is None:
        return ExitCode.USAGE
    try:
        collection = Collection.open(
            decks, progress_dir(args.progress), clock=clock or SystemClock()
        )
    except ProgressError as error:
        print(f"trainer: {error}", file=sys.stderr)
        return ExitCode.PROGRESS
    except ConfigError as error:
        print(f"trainer: invalid config: {error}", file=sys.stderr)
        return ExitCode.USAGE
    from trainer.diagnostics import Severity

    for diagnostic in collection.load_diagnostics:
        if diagnostic.severity is Severity.ERROR:
            print(f"trainer: {diagnostic}", file=sys.stderr)
    for warning in collection.warnings:
        print(f"trainer: warning: {warning}", file=sys.stderr)
    if not collection.decks:
        # Nothing loaded (`trainer due README.md`): the errors above say why; an empty
        # table after them would read as success.
        print(
            "trainer: no deck could be loaded; `trainer validate` explains each problem",
            file=sys.stderr,
        )
        collection.close()
        return ExitCode.PROBLEMS
    return collection


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "due",
        help="show what is left to study today, per deck",
        description="New, learning and due cards per deck for today (daily limits applied).",
    )
    add_collection_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> ExitCode:
    collection = open_collection(args)
    if isinstance(collection, ExitCode):
        return collection
    try:
        counts = collection.counts()
        rows = []
        for deck in collection.decks:
            c = counts[deck.id]
            rows.append(
                {
                    "id": deck.id,
                    "title": deck.title,
                    "path": str(deck.path),
                    "new": c.new,
                    "learning": c.learning,
                    "due": c.due,
                    "total": c.total,
                    "suspended": c.suspended,
                    "reviewed_today": c.reviewed_today,
                }
            )
        totals = {
            name: sum(r[name] for r in rows)
            for name in ("new", "learning", "due", "total", "suspended", "reviewed_today")
        }
        if args.json:
            emit_json({"decks": rows, "total": totals, "warnings": collection.warnings})
        else:
            width = max([len("deck")] + [len(r["id"]) for r in rows] + [len("total")])
            print(f"{'deck':<{width}}  {'new':>5}  {'learning':>8}  {'due':>5}")
            for r in rows + [dict(totals, id="total")]:
                print(f"{r['id']:<{width}}  {r['new']:>5}  {r['learning']:>8}  {r['due']:>5}")
    finally:
        collection.close()
    return ExitCode.OK
