"""The stats screen: the pictures of ``trainer stats`` for one deck or all, scrollable.

The heatmap and the tables are the Rich renderables of :mod:`trainer.tui.widgets.charts`
(shared with the command line); the bar and line charts are ``textual_plotext`` widgets,
which follow the app's theme and redraw at the screen's width.
"""

from __future__ import annotations

from collections.abc import Collection as CollectionOf
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker, WorkerState
from textual_plotext import PlotextPlot

from trainer.tui.footer import KeyBar
from trainer.tui.text import safe
from trainer.tui.widgets import charts

if TYPE_CHECKING:
    from trainer.collection import Collection
    from trainer.stats import Stats


class StatsScreen(Screen[None]):
    """Statistics over ``deck_ids`` (``None``: every loaded deck)."""

    # Read when the screen is first shown: trainer.tcss, parsed at every start, holds what
    # the home and card screens use.
    CSS = """
    #stats-title {
        padding: 0 1;
        background: $panel;
    }

    #stats-body {
        padding: 0 1;
    }

    #stats-summary {
        margin: 1 0;
    }

    .stats-heading {
        margin-top: 1;
    }

    #stats-heatmap, #stats-states, .stats-note {
        height: auto;
    }

    .stats-chart {
        height: 14;
        margin-top: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back"),
    ]

    def __init__(
        self, collection: Collection, deck_ids: CollectionOf[str] | None, title: str
    ) -> None:
        super().__init__()
        self.collection = collection
        self.deck_ids = (
            set(deck_ids) if deck_ids is not None else {deck.id for deck in collection.decks}
        )
        self.heading = title
        self.stats: Stats | None = None

    def title_text(self) -> Text:
        heading = Text("Statistics: ", style="bold")
        heading.append(safe(self.heading), style="bold")  # deck text: literal
        if self.stats is not None:
            heading.append(f"   {self.stats.today:%a %d %b %Y}", style="dim")
        return heading

    def compose(self) -> ComposeResult:
        yield Static(self.title_text(), id="stats-title", markup=False)
        with VerticalScroll(id="stats-body"):
            yield Static(
                Text("Counting the answers…", style="italic"), id="stats-waiting", markup=False
            )
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#stats-body", VerticalScroll).focus()
        self.count()

    @work(thread=True, exit_on_error=False)
    def count(self) -> Stats:
        """The numbers, worked out in the background: a million answers take seconds,
        and the screen answers its keys meanwhile (Esc goes back)."""
        from trainer.stats import compute_stats

        return compute_stats(self.collection, self.deck_ids)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.SUCCESS and event.worker.result is not None:
            self.show(event.worker.result)
        elif event.state is WorkerState.ERROR:
            self.query_one("#stats-waiting", Static).update(
                Text(f"The statistics could not be worked out: {event.worker.error}")
            )

    def show(self, stats: Stats) -> None:
        self.stats = stats
        self.query_one("#stats-title", Static).update(self.title_text())
        body = self.query_one("#stats-body", VerticalScroll)
        body.remove_children()
        forecast = PlotextPlot(id="stats-forecast", classes="stats-chart")
        charts.draw_forecast(forecast.plt, stats.forecast)
        widgets: list[Widget] = [
            Static(charts.summary_table(stats), id="stats-summary", markup=False),
            Static(
                Text("Reviews per day, last 365 days", style="bold underline"),
                classes="stats-heading",
                markup=False,
            ),
            Static(charts.heatmap(stats.calendar, stats.today), id="stats-heatmap", markup=False),
            forecast,
            Static(charts.forecast_line(stats.forecast), classes="stats-note", markup=False),
        ]
        if any(w.young_reviews or w.mature_reviews for w in stats.retention_weeks):
            retention = PlotextPlot(id="stats-retention", classes="stats-chart")
            charts.draw_retention(retention.plt, stats.retention_weeks)
            widgets.append(retention)
        else:
            widgets.append(
                Static(
                    Text(
                        "Retention: no answers to cards in review yet this year; "
                        "it shows once cards come back for their spaced reviews.",
                        style="italic",
                    ),
                    id="stats-retention",
                    markup=False,
                )
            )
        time_chart = PlotextPlot(id="stats-time", classes="stats-chart")
        widgets += [
            time_chart,
            Static(
                Text("Cards by state", style="bold underline"),
                classes="stats-heading",
                markup=False,
            ),
            Static(charts.states_table(stats), id="stats-states", markup=False),
        ]
        charts.draw_time(time_chart.plt, charts.time_series(stats))
        body.mount_all(widgets)

    def action_back(self) -> None:
        self.app.pop_screen()
