"""Browse: search cards by text, tag or deck; see a card's schedule and history; suspend
or unsuspend it; open it in ``$EDITOR``."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker, WorkerState

from trainer.model import StudyCard
from trainer.tui.drivers import GRADE_NAMES
from trainer.tui.footer import KeyBar
from trainer.tui.screens.appref import trainer_app
from trainer.tui.text import cell, join, lines, plain
from trainer.tui.widgets.answers import prompt_content

if TYPE_CHECKING:
    from trainer.collection import Collection

#: Rows shown at once; a search narrows a big collection down.
MAX_ROWS = 500
#: Width of the Card column; longer ids are cut to it by :func:`short_key`.
_CARD_WIDTH = 16
#: The fixed columns (key, label, width) before the text; Type only from
#: :data:`TYPE_COLUMN_FROM` columns on (the details below name the type anyway).
_COLUMNS = (
    ("card", "Card", _CARD_WIDTH),
    ("type", "Type", 9),
    ("state", "State", 10),
    ("due", "Due", 10),
)
TYPE_COLUMN_FROM = 100
#: The text column is never narrower than this (the table scrolls sideways then).
_MIN_TEXT_WIDTH = 12
HISTORY_SHOWN = 8


def searchable_text(card: StudyCard) -> str:
    c = card.card
    parts = [
        card.key,
        c.front,
        c.back,
        c.question,
        c.answer,
        *c.options,
        *c.items,
        *c.alternatives,
        c.explanation or "",
    ]
    return " ".join(parts).casefold()


def matches(card: StudyCard, query: str, text: str | None = None) -> bool:
    """Whether ``card`` matches every term of ``query``: words (in any text of the card),
    ``tag:NAME`` (a tag, exactly) and ``deck:ID`` (the deck id, exactly).

    ``text`` is the card's :func:`searchable_text`, when already known."""
    for term in query.split():
        lowered = term.casefold()
        if lowered.startswith("tag:"):
            if lowered[4:] not in {tag.casefold() for tag in card.card.tags}:
                return False
        elif lowered.startswith("deck:"):
            if lowered[5:] != card.deck_id.casefold():
                return False
        else:
            if text is None:
                text = searchable_text(card)
            if lowered not in text:
                return False
    return True


class BrowseScreen(Screen[None]):
    # Read when the screen is first shown: trainer.tcss, parsed at every start, holds what
    # the home and card screens use.
    CSS = """
    #search {
        margin: 0 0;
        border: none;
        height: 1;
        padding: 0 1;
    }

    #cards {
        height: 1fr;
    }

    #details {
        height: auto;
        max-height: 50%;
        padding: 0 1;
        border-top: solid $primary;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        # Short labels, and Back and the app's keys early: a narrow footer cuts the last
        # (at 60 columns it still has Back, ? and q).
        Binding("slash", "search", "Search", key_display="/"),
        Binding("escape", "back", "Back"),
        Binding("question_mark", "app.help", "Keys", key_display="?"),
        Binding("q", "app.quit", "Quit"),
        Binding("s", "toggle_suspend", "(Un)suspend"),
        Binding("e", "edit", "Edit"),
    ]

    def __init__(self, collection: Collection) -> None:
        super().__init__()
        self.collection = collection
        self.cards: list[StudyCard] = []
        self.shown: list[StudyCard] = []
        # Searching a big collection at every keystroke: build each card's text once.
        self._texts: dict[str, str] = {}
        self._history_reader: Worker[None] | None = None
        #: (type column shown, text column width) the table's columns are made for.
        self._layout: tuple[bool, int] | None = None

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="Search: words, tag:NAME, deck:ID (Enter goes to the list)", id="search"
        )
        yield Static(id="count")
        table: DataTable[Text] = DataTable(id="cards", cursor_type="row")
        yield table
        yield Static(id="details")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#cards", DataTable)
        self.cards = self.collection.study_cards()
        self.lay_out_columns(self.app.size.width)
        table.focus()

    def on_resize(self, event: events.Resize) -> None:
        self.lay_out_columns(event.size.width)

    def lay_out_columns(self, width: int) -> None:
        """Columns for a screen ``width`` wide: the text takes what the fixed columns
        leave (cut with an ellipsis; the full text shows below the list), and from
        :data:`TYPE_COLUMN_FROM` columns on a Type column comes before the state."""
        show_type = width >= TYPE_COLUMN_FROM
        fixed = [column for column in _COLUMNS if show_type or column[0] != "type"]
        table = self.query_one("#cards", DataTable)
        # Each column has a cell's padding either side; the vertical scrollbar takes 2.
        used = sum(size for _, _, size in fixed) + 2 * table.cell_padding * (len(fixed) + 1) + 2
        layout = (show_type, max(_MIN_TEXT_WIDTH, width - used))
        if layout == self._layout:
            return
        self._layout = layout
        table.clear(columns=True)
        for key, label, size in fixed:
            table.add_column(label, key=key, width=size)
        table.add_column("Text", key="text", width=layout[1])
        self.refresh_rows()

    def decks_reloaded(self) -> None:
        self.cards = self.collection.study_cards()
        self._texts.clear()
        self.refresh_rows()

    def refresh_rows(self) -> None:
        query = self.query_one("#search", Input).value
        table = self.query_one("#cards", DataTable)
        selected = self.selected
        found = (
            [card for card in self.cards if matches(card, query, self._text(card))]
            if query
            else self.cards
        )
        self.shown = found[:MAX_ROWS]
        table.clear()
        show_type, text_width = self._layout or (True, _MIN_TEXT_WIDTH)
        for card in self.shown:
            progress = self.collection.progress(card.key, history=False)
            state = "suspended" if progress.suspended else progress.state
            due = f"{progress.due:%Y-%m-%d}" if progress.due else "–"
            flag = "⚑ " if progress.flagged else ""
            # The deck part of the key would fill the narrow column (deck ids are long); the
            # details below name the deck, and `deck:ID` searches by it.
            within_deck = card.key.split("/", 1)[-1]
            text = cell(" ".join(prompt_content(card).plain.split()))
            text.truncate(text_width, overflow="ellipsis")  # by cells: wide characters too
            cells = [cell(short_key(flag + within_deck, _CARD_WIDTH))]
            if show_type:
                cells.append(cell(card.type.value))
            cells += [cell(state), cell(due), text]
            table.add_row(*cells, key=card.key)
        more = (
            f" (showing the first {MAX_ROWS}: narrow the search)" if len(found) > MAX_ROWS else ""
        )
        self.query_one("#count", Static).update(
            plain(f"{len(found)} of {len(self.cards)} cards{more}", "dim")
        )
        # By key: after an edit the reloaded card is a new one (its text changed).
        keys = [card.key for card in self.shown]
        if selected is not None and selected.key in keys:
            table.move_cursor(row=keys.index(selected.key))
        self.show_details()

    def _text(self, card: StudyCard) -> str:
        text = self._texts.get(card.key)
        if text is None:
            text = self._texts[card.key] = searchable_text(card)
        return text

    @property
    def selected(self) -> StudyCard | None:
        table = self.query_one("#cards", DataTable)
        row = table.cursor_row
        if not self.shown or row is None or not 0 <= row < len(self.shown):
            return None
        return self.shown[row]

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refresh_rows()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#cards", DataTable).focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_details()

    def show_details(self) -> None:
        widget = self.query_one("#details", Static)
        card = self.selected
        if card is None:
            widget.update(plain("No card matches.", "italic"))
            return
        widget.update(self.details(card))

    def details(self, card: StudyCard) -> Content:
        loaded = self.collection.history_loaded
        if not loaded and self._history_reader is None:
            self._history_reader = self.load_history()
        p = self.collection.progress(card.key, history=loaded)
        c = card.card
        status = [
            label
            for label, on in (
                ("suspended", p.suspended),
                ("flagged", p.flagged),
                ("leech", p.leech),
            )
            if on
        ]
        rows = [
            join(
                [
                    (card.key, "bold"),
                    f"  {c.type.value}  ",
                    plain(f"{c.location.path}:{c.location.line}", "dim"),
                ]
            ),
            join([("Tags: ", "bold"), plain(", ".join(c.tags) or "–")]),
            join([("Text: ", "bold"), plain(" ".join(prompt_content(card).plain.split()))]),
            join(
                [
                    ("State: ", "bold"),
                    p.state + (f" ({', '.join(status)})" if status else ""),
                    ("  Due: ", "bold"),
                    f"{p.due:%Y-%m-%d %H:%M}" if p.due else "–",
                ]
            ),
            join(
                [
                    ("Stability: ", "bold"),
                    _number(p.stability, " days"),
                    ("  Difficulty: ", "bold"),
                    _number(p.difficulty),
                    ("  Retrievability: ", "bold"),
                    f"{p.retrievability:.0%}" if p.retrievability is not None else "–",
                ]
            ),
            join([("Reviews: ", "bold"), str(p.reps), ("  Lapses: ", "bold"), str(p.lapses)]),
        ]
        if p.history is None:
            rows.append(plain("History: reading the review logs…", "italic"))
        elif p.history:
            rows.append(
                plain(
                    f"History ({len(p.history)} review{'' if len(p.history) == 1 else 's'}, "
                    "latest first):",
                    "bold",
                )
            )
            for event in reversed(p.history[-HISTORY_SHOWN:]):
                right = "" if event.correct is None else ("  right" if event.correct else "  wrong")
                seconds = f"  {event.duration_ms / 1000:.1f} s" if event.duration_ms else ""
                rows.append(
                    plain(
                        f"  {event.time:%Y-%m-%d %H:%M}  "
                        f"{GRADE_NAMES.get(int(event.grade), str(event.grade))}"
                        f"{right}{seconds}"
                    )
                )
        else:
            rows.append(plain("Never reviewed.", "italic"))
        return lines(rows)

    @work(thread=True, group="history", exit_on_error=False)
    def load_history(self) -> None:
        """Every card's history, read in the background: on a big collection (a million
        answers) that takes seconds, and the list stays usable meanwhile."""
        self.collection.load_history()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._history_reader:
            return
        if event.state is WorkerState.SUCCESS:
            self.show_details()
        elif event.state is WorkerState.ERROR:
            self._history_reader = None  # the next card shown tries again
            self.notify(
                f"Cannot read the history: {event.worker.error}",
                title="History",
                severity="error",
                markup=False,
            )

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_back(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_focus:
            self.query_one("#cards", DataTable).focus()
            return
        self.app.pop_screen()

    def action_toggle_suspend(self) -> None:
        from trainer.progress.errors import ProgressError

        card = self.selected
        if card is None:
            return
        suspended = self.collection.progress(card.key, history=False).suspended
        try:
            if suspended:
                self.collection.unsuspend(card.key)
            else:
                self.collection.suspend(card.key)
        except ProgressError as error:
            self.notify(str(error), title="Not saved", severity="error", markup=False)
            return
        self.notify(f"{'Unsuspended' if suspended else 'Suspended'} {card.key}.", markup=False)
        self.refresh_rows()

    def action_edit(self) -> None:
        card = self.selected
        if card is None:
            return
        location = card.card.location
        trainer_app(self).open_in_editor(location.path, location.line)


def _number(value: float | None, unit: str = "") -> str:
    return "–" if value is None else f"{value:.1f}{unit}"


def short_key(key: str, width: int) -> str:
    """``key`` in ``width`` columns, cut with an ellipsis before its variant (``::c2``,
    ``::reverse``), which tells a note's cards apart and so must stay in view."""
    if len(key) <= width:
        return key
    base, sep, variant = key.partition("::")
    suffix = sep + variant
    room = width - 1 - len(suffix)
    if room < 3:  # a long variant: the start of the id tells more
        return key[: width - 1] + "…"
    return base[:room] + "…" + suffix
