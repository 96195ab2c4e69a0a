"""Every key, by screen (the same table as docs/tui.md)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from trainer.tui.text import plain

KEYS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Everywhere",
        [
            ("q", "quit (study answers are already saved; a quiz saves nothing)"),
            ("?", "this list of keys"),
            ("ctrl+p", "command palette: themes, keys, screenshot"),
        ],
    ),
    (
        "Home",
        [
            ("↑ ↓, Enter", "choose a deck (or All decks) and study it"),
            ("b", "browse and search cards"),
            ("s", "statistics of the selected deck (or all decks)"),
        ],
    ),
    (
        "Stats",
        [
            ("↑ ↓, PgUp PgDn", "scroll the charts"),
            ("Esc, q", "back"),
        ],
    ),
    (
        "Study: answering",
        [
            ("space, Enter", "basic cards: show the answer"),
            ("1-9", "choice: pick that option; multi: toggle it; past 9: ↑/↓ to it"),
            ("↑ ↓ + Enter", "choice: pick; order: Enter submits the order"),
            ("space / Enter", "multi: toggle the highlighted option / submit"),
            ("shift/ctrl + ↑ ↓", "order: move the highlighted item up or down"),
            ("t, f", "true/false cards"),
            ("typing + Enter", "typed and cloze cards (every printable key is text there)"),
            (
                "Esc / tab",
                "typed and cloze: leave the answer field (the keys below work) / type again",
            ),
        ],
    ),
    (
        "Study: any card",
        [
            ("ctrl+z (or u)", "undo, several levels deep; also while typing an answer"),
            ("-", "bury the card until tomorrow"),
            ("@", "suspend the card (unsuspend it from Browse)"),
            ("! (ctrl+1)", "flag / unflag the card"),
            ("e", "open the card in $EDITOR at its line; saving reloads it"),
            ("Esc", "end the session: summary"),
        ],
    ),
    (
        "Study: after answering",
        [
            ("Enter, space", "accept the suggested grade (basic: Good)"),
            ("1 2 3 4", "grade Again, Hard, Good, Easy instead"),
            ("i", "typed and cloze, graded wrong: I was right (recorded as Good)"),
        ],
    ),
    (
        "Quiz",
        [
            ("keys", "answer as when studying; nothing is scheduled or saved"),
            ("1 / 2-4", "basic cards, once shown: I did not know it / I knew it"),
            ("Esc", "end the quiz early: the report (unanswered count as wrong)"),
        ],
    ),
    (
        "Summary",
        [
            ("r", "go over the missed cards again (not scheduled)"),
            ("Enter, Esc", "back home"),
        ],
    ),
    (
        "Browse",
        [
            ("/", "search: words, tag:NAME, deck:ID"),
            ("↑ ↓", "choose a card: its schedule and history show below"),
            ("s", "suspend / unsuspend"),
            ("e", "open the card in $EDITOR at its line"),
            ("Esc", "back"),
        ],
    ),
]


class HelpScreen(ModalScreen[None]):
    # Read when the screen is first shown: trainer.tcss, parsed at every start, holds what
    # the home and card screens use.
    CSS = """
    HelpScreen {
        align: center middle;
    }

    #help {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }

    .help-keys {
        grid-size: 2;
        grid-columns: 20 1fr;
        height: auto;
    }

    .help-keys > Static {
        height: auto;
    }

    .help-keys > .help-key {
        padding-left: 2;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            for number, (section, keys) in enumerate(KEYS):
                # A blank line above each section but the first.
                heading = section if number == 0 else f"\n{section}"
                yield Static(plain(heading, "bold $accent"))
                # A grid, so a meaning too long for its line wraps under itself.
                with Grid(classes="help-keys"):
                    for key, meaning in keys:
                        yield Static(plain(key, "bold"), classes="help-key")
                        yield Static(plain(meaning))
            yield Static(plain("\nEsc or ? closes this list.", "italic"))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
