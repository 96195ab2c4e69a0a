"""``trainer stats [--deck ID]... [--json] [DECK...]``: reviews, retention, streak, charts.

Rich output at most 80 columns wide: summary, a calendar heatmap of the last year, the due
forecast, weekly retention (young and mature cards), time spent per day and the cards by
state. ``--json`` gives the same numbers for scripts (see docs/stats.md).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from trainer.commands.common import add_collection_arguments, emit_json, open_collection
from trainer.exitcodes import ExitCode

if TYPE_CHECKING:
    from trainer.commands.common import Subparsers
    from trainer.session import Collection
    from trainer.stats import Stats

#: The output never gets wider than this, whatever the terminal.
MAX_WIDTH = 80
CHART_HEIGHT = 12


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "stats",
        help="show study statistics: reviews, retention, streak, charts",
        description="Statistics over the recorded answers of the loaded decks' cards: "
        "reviews per day (last year), due forecast (30 days), retention of young and "
        "mature cards, streak, time spent and cards by state.",
    )
    add_collection_arguments(parser)
    parser.add_argument(
        "--deck",
        action="append",
        metavar="ID",
        dest="deck_ids",
        help="only this deck (by its id; repeat for several); default: every loaded deck",
    )
    parser.add_argument(
        "--overrides",
        action="store_true",
        help='list the answers learners marked "I was right" after the '
        "grader said wrong, per card: for deck authors",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> ExitCode:
    from trainer.stats import compute_stats

    with open_collection(args) as collection:
        loaded = [d.id for d in collection.decks]
        wanted = list(dict.fromkeys(getattr(args, "deck_ids", None) or loaded))
        unknown = [d for d in wanted if d not in loaded]
        if unknown:
            from trainer.textsafe import sanitize

            names = ", ".join(sanitize(d)[0] for d in unknown)
            print(
                f"trainer: no loaded deck with id {names}; loaded decks: "
                f"{', '.join(loaded) or 'none'}",
                file=sys.stderr,
            )
            return ExitCode.USAGE
        if args.overrides:
            _print_overrides(collection, set(wanted), args.json)
            return ExitCode.OK
        stats = compute_stats(collection, set(wanted))
        if args.json:
            emit_json(dict(stats.to_json(), decks=wanted))
        else:
            _print_report(collection, wanted, stats)
    return ExitCode.OK


def _print_overrides(collection: Collection, deck_ids: set[str], as_json: bool) -> None:
    from trainer.stats import compute_overrides
    from trainer.textsafe import sanitize

    overrides = compute_overrides(collection, deck_ids)
    if as_json:
        emit_json({"overrides": [o.to_json() for o in overrides]})
        return
    if not overrides:
        print('No overridden answers: nobody has pressed "I was right" yet.')
        return
    for override in overrides:
        print(f"{sanitize(override.key)[0]}  ({override.count}×)")
        for answer in override.answers:
            print(f"    {sanitize(answer)[0]!r}")


def _print_report(collection: Collection, deck_ids: list[str], stats: Stats) -> None:
    from rich.console import Console
    from rich.text import Text

    from trainer.textsafe import sanitize
    from trainer.tui.widgets import charts

    console = Console(highlight=False)
    width = min(console.width, MAX_WIDTH)
    console.width = width
    titles = {d.id: d.title for d in collection.decks}
    heading = Text("Statistics: ", style="bold")
    if len(deck_ids) == 1:
        heading.append(sanitize(titles[deck_ids[0]])[0], style="bold")  # literal, never markup
    else:
        heading.append(f"all decks ({len(deck_ids)})", style="bold")
    plot_width = width - 2

    def section(title: str) -> Text:
        return Text(f"\n{title}", style="bold underline")

    parts: list[object] = [
        heading,
        Text(
            f"as of {stats.today:%a %d %b %Y} (study days start at "
            f"{collection.config.scheduler.day_rollover_hour}:00)",
            style="dim",
        ),
        Text(""),
        charts.summary_table(stats),
        section("Reviews per day, last 365 days"),
        charts.heatmap(stats.calendar, stats.today),
        section("Due forecast"),
        charts.plot_text(
            lambda p: charts.draw_forecast(p, stats.forecast), plot_width, CHART_HEIGHT
        ),
        charts.forecast_line(stats.forecast),
        section("Retention"),
    ]
    if any(w.young_reviews or w.mature_reviews for w in stats.retention_weeks):
        parts.append(
            charts.plot_text(
                lambda p: charts.draw_retention(p, stats.retention_weeks), plot_width, CHART_HEIGHT
            )
        )
    else:
        parts.append(
            Text(
                "No answers to cards in review yet this year: retention shows "
                "once cards come back for their spaced reviews.",
                style="italic",
            )
        )
    parts += [
        section("Time spent"),
        charts.plot_text(
            lambda p: charts.draw_time(p, charts.time_series(stats)), plot_width, CHART_HEIGHT
        ),
        section("Cards by state"),
        charts.states_table(stats),
    ]
    for part in parts:
        console.print(part)
