"""The stats screen: the pictures of ``trainer stats`` for one deck or all, scrollable.

The heatmap and the tables are the Rich renderables of :mod:`trainer.tui.widgets.charts`
(shared with the command line); the bar and line charts are ``textual_plotext`` widgets,
which follow the app's theme and redraw at the screen's width.
"""

from __future__ import annotations

from collections.abc import Collection as CollectionOf
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from trainer.tui.footer import KeyBar
from trainer.tui.text import safe
from trainer.tui.widgets import charts

if TYPE_CHECKING:
    from trainer.collection import Collection
    from trainer.stats import Stats


class StatsScreen(Screen[None]):
    """Statistics over ``deck_ids`` (``None``: every loaded deck)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back"),
    ]

    def __init__(
        self, collection: Collection, deck_ids: CollectionOf[str] | None, title: str
    ) -> None:
        super().__init__()
        from trainer.stats import compute_stats

        self.collection = collection
        self.deck_ids = (
            set(deck_ids) if deck_ids is not None else {deck.id for deck in collection.decks}
        )
        self.heading = title
        self.stats: Stats = compute_stats(collection, self.deck_ids)

    def compose(self) -> ComposeResult:
        stats = self.stats
        heading = Text("Statistics: ", style="bold")
        heading.append(safe(self.heading), style="bold")  # deck text: literal
        heading.append(f"   {stats.today:%a %d %b %Y}", style="dim")
        yield Static(heading, id="stats-title", markup=False)
        with VerticalScroll(id="stats-body"):
            yield Static(charts.summary_table(stats), id="stats-summary", markup=False)
            yield Static(
                Text("Reviews per day, last 365 days", style="bold underline"),
                classes="stats-heading",
                markup=False,
            )
            yield Static(
                charts.heatmap(stats.calendar, stats.today), id="stats-heatmap", markup=False
            )
            yield PlotextPlot(id="stats-forecast", classes="stats-chart")
            yield Static(charts.forecast_line(stats.forecast), classes="stats-note", markup=False)
            if any(w.young_reviews or w.mature_reviews for w in stats.retention_weeks):
                yield PlotextPlot(id="stats-retention", classes="stats-chart")
            else:
                yield Static(
                    Text(
                        "Retention: no answers to cards in review yet this year; "
                        "it shows once cards come back for their spaced reviews.",
                        style="italic",
                    ),
                    id="stats-retention",
                    markup=False,
                )
            yield PlotextPlot(id="stats-time", classes="stats-chart")
            yield Static(
                Text("Cards by state", style="bold underline"),
                classes="stats-heading",
                markup=False,
            )
            yield Static(charts.states_table(stats), id="stats-states", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        stats = self.stats
        charts.draw_forecast(self.query_one("#stats-forecast", PlotextPlot).plt, stats.forecast)
        retention = self.query("#stats-retention").first()
        if isinstance(retention, PlotextPlot):
            charts.draw_retention(retention.plt, stats.retention_weeks)
        charts.draw_time(self.query_one("#stats-time", PlotextPlot).plt, charts.time_series(stats))
        self.query_one("#stats-body", VerticalScroll).focus()

    def action_back(self) -> None:
        self.app.pop_screen()
