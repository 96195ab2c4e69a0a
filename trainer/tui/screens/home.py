"""The home screen: every deck with what is left to study today, and load problems."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from trainer.tui.footer import KeyBar
from trainer.tui.screens.appref import trainer_app
from trainer.tui.text import join, lines, plain
from trainer.tui.timetext import done_text
from trainer.tui.widgets.decktable import DeckTable

if TYPE_CHECKING:
    from trainer.collection import Collection

ALL_DECKS = "*all*"
#: The count columns, after the deck's title: what the learner studies now, and in all.
COUNT_COLUMNS = ("New", "Learn", "Due", "Total")
#: Load problems listed on the home screen; `trainer validate` lists them all.
MAX_PROBLEMS_SHOWN = 12
#: Seconds between looks at the clock, and between refreshes while learning cards due
#: later today are waiting (each one comes in at its minute, give or take these).
CLOCK_LOOK_SECONDS = 5.0
LEARNING_LOOK_SECONDS = 30.0


class HomeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "study", "Study", priority=True),
        Binding("b", "browse", "Browse"),
        Binding("s", "stats", "Stats"),
    ]
    #: When the counts next change by the clock alone (POSIX time; None: not filled yet).
    refresh_at: float | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="summary-line")
        with VerticalScroll(id="home-body"):
            yield DeckTable(
                [("Deck", "left"), *((label, "right") for label in COUNT_COLUMNS)], id="decks"
            )
            yield Static(id="problems")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#decks", DeckTable).focus()
        self.set_interval(CLOCK_LOOK_SECONDS, self.tick)

    def tick(self) -> None:
        """Fill the counts in again once the clock has moved them: a learning step fell
        due, or the study day rolled over (a screen left open overnight)."""
        collection = trainer_app(self).collection
        if collection is None or self.refresh_at is None or not self.is_current:
            return
        if collection.clock.now().timestamp() >= self.refresh_at:
            self.populate(collection)

    def on_screen_resume(self) -> None:
        collection = trainer_app(self).collection
        if collection is not None:
            self.populate(collection)

    def decks_reloaded(self) -> None:
        self.on_screen_resume()

    def populate(self, collection: Collection) -> None:
        """Fill the table from ``collection``: one row per deck, then All decks and the
        broken files."""
        table = self.query_one("#decks", DeckTable)
        selected = table.cursor_row
        table.clear()
        counts = collection.counts()
        totals = [0, 0, 0, 0]
        reviewed = 0
        now = collection.clock.now().timestamp()
        self.refresh_at = collection.day_bounds()[1]
        if any(c.learning > c.learning_now for c in counts.values()):
            self.refresh_at = min(self.refresh_at, now + LEARNING_LOOK_SECONDS)
        for deck in collection.decks:
            c = counts.get(deck.id)
            if c is None:
                continue
            # Learning cards due later today are not counted: Enter could not show them.
            row = (c.new, c.learning_now, c.due, c.total)
            totals = [a + b for a, b in zip(totals, row)]
            reviewed += c.reviewed_today
            table.add_row(plain(deck.title), *(str(n) for n in row), key=deck.id)
        if len(collection.decks) > 1:
            table.add_row(
                plain("All decks", "bold"),
                *(plain(str(n), "bold") for n in totals),
                key=ALL_DECKS,
            )
        errors = [d for d in collection.load_diagnostics if d.severity == "error"]
        loaded = {deck.path.resolve() for deck in collection.decks}
        broken = sorted({d.path for d in errors if d.path.resolve() not in loaded})
        for path in broken:
            table.add_row(
                plain(f"{path.name}: broken, see below", "italic"),
                *("–" for _ in range(4)),
                key=f"broken:{path}",
            )
        if selected is not None and 0 <= selected < table.row_count:
            table.move_cursor(row=selected)
        to_study = totals[0] + totals[1] + totals[2]
        decks = (f"{len(collection.decks)} deck{'s' if len(collection.decks) != 1 else ''}", "bold")
        left: list[str | tuple[str, str]] = [" · "]
        if to_study or not collection.decks:
            left.append(f"{to_study} to study now")
        else:
            left.append((done_for_today(collection, None), "bold $success"))
        self.query_one("#summary-line", Static).update(
            join(
                [
                    decks,
                    *left,
                    f" · {reviewed} reviewed today",
                ]
            )
        )
        self.show_problems(collection)

    def show_problems(self, collection: Collection) -> None:
        problems = [d for d in collection.load_diagnostics if d.severity != "note"]
        widget = self.query_one("#problems", Static)
        if not problems:
            widget.update("")
            widget.display = False
            return
        widget.display = True
        errors = sum(1 for d in problems if d.severity == "error")
        rows = [
            join(
                [
                    (
                        f"Problems in the deck files: {errors} error(s), "
                        f"{len(problems) - errors} warning(s)",
                        "bold $warning",
                    ),
                    " (cards with errors are left out; `trainer validate` lists all)",
                ]
            )
        ]
        for problem in problems[:MAX_PROBLEMS_SHOWN]:
            style = "$error" if problem.severity == "error" else "$warning"
            rows.append(
                join(
                    [
                        (f"{problem.path}:{problem.line}:{problem.column}: ", "bold"),
                        (f"{problem.severity} ", style),
                        plain(problem.message),
                    ]
                )
            )
        if len(problems) > MAX_PROBLEMS_SHOWN:
            rows.append(plain(f"… and {len(problems) - MAX_PROBLEMS_SHOWN} more", "italic"))
        widget.update(lines(rows))

    def selected_deck_ids(self) -> list[str] | Literal[False] | None:
        """Deck ids of the selected row; ``None`` for All decks; ``False`` for a broken
        file or nothing."""
        table = self.query_one("#decks", DeckTable)
        if table.row_count == 0:
            return False
        key = table.cursor_key
        if key == ALL_DECKS:
            return None
        if key is None or key.startswith("broken:"):
            return False
        return [key]

    def on_deck_table_selected(self, event: DeckTable.Selected) -> None:
        event.stop()
        self.action_study()

    def action_study(self) -> None:
        if trainer_app(self).collection is None:
            return
        selected = self.selected_deck_ids()
        if selected is False:
            self.notify(
                "This deck file has errors: fix them (see below) and it reloads.",
                severity="warning",
                markup=False,
            )
            return
        trainer_app(self).start_study(selected)

    def action_browse(self) -> None:
        trainer_app(self).browse()

    def action_stats(self) -> None:
        """Statistics of the selected deck, or of all decks on the All decks row."""
        if trainer_app(self).collection is None:
            return
        selected = self.selected_deck_ids()
        trainer_app(self).show_stats(None if selected is False else selected)


def done_for_today(collection: Collection, deck_ids: list[str] | None) -> str:
    """ "Done for today. Tomorrow: 21 cards, next in 13 h" for ``deck_ids`` (None: all)."""
    ahead = collection.day_ahead(deck_ids)
    now = collection.clock.now()
    end = collection.day_bounds()[1]
    today = ahead.next_due is not None and ahead.next_due.timestamp() < end
    return done_text(ahead.tomorrow, ahead.next_due, now, ahead.next_due if today else None)


class FatalScreen(Screen[None]):
    """Shown instead of the home screen when the trainer cannot go on; q quits."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.heading = title
        self.message = message

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="fatal"):
            yield Static(
                lines(
                    [
                        plain(self.heading, "bold $error"),
                        plain(""),
                        plain(self.message),
                        plain(""),
                        plain("Press q to quit."),
                    ]
                )
            )
        yield KeyBar()
