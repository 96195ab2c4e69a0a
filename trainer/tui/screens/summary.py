"""End of a study session: what was done, and the missed cards to go over again."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from trainer.tui.footer import KeyBar
from trainer.tui.screens.appref import trainer_app
from trainer.tui.text import join, lines, plain
from trainer.tui.widgets.answers import prompt_content

if TYPE_CHECKING:
    from trainer.session import SessionSummary


def duration_text(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


class SummaryScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "practice", "Go over missed"),
        Binding("escape,enter", "home", "Home"),
    ]

    def __init__(self, summary: SessionSummary, done: str | None = None) -> None:
        """``done``: the done-for-today line when the session ran out of cards (``None``
        when the learner ended it early)."""
        super().__init__()
        self.summary = summary
        self.done = done

    def compose(self) -> ComposeResult:
        s = self.summary
        accuracy = "–" if s.accuracy is None else f"{s.accuracy:.0%}"
        rows = [
            plain("Session finished", "bold"),
            plain(""),
            # A card answered Again and then again counts once, its answers each.
            join(
                [
                    ("Cards studied: ", "bold"),
                    str(s.cards) + (f" ({s.studied} answers)" if s.studied != s.cards else ""),
                ]
            ),
            join(
                [
                    ("Accuracy:      ", "bold"),
                    f"{accuracy} ({s.correct} of {s.studied} not graded Again)",
                ]
            ),
            join([("Time spent:    ", "bold"), duration_text(s.time_spent)]),
        ]
        if self.done is not None:
            rows += [plain(""), plain(self.done, "bold $success")]
        rows.append(plain(""))
        if s.missed:
            rows.append(
                plain(
                    f"Missed ({len(s.missed)}): press r to go over them again now "
                    "(their schedule does not change)",
                    "bold $warning",
                )
            )
            for card in s.missed:
                rows.append(join(["• ", plain(_one_line(prompt_content(card).plain))]))
        else:
            rows.append(plain("Nothing missed.", "bold $success"))
        with VerticalScroll(id="summary"):
            yield Static(lines(rows), id="summary-text")
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "practice":
            return bool(self.summary.missed)
        return True

    def action_practice(self) -> None:
        if self.summary.missed:
            trainer_app(self).practice(list(self.summary.missed))

    def action_home(self) -> None:
        self.app.pop_screen()


def _one_line(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
