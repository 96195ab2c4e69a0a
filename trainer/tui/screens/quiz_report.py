"""The scored report at the end of a quiz: every question, the answer given and the right one."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from trainer.model import Deck
from trainer.tui.drivers import QuizDriver
from trainer.tui.footer import KeyBar
from trainer.tui.text import join, lines, plain
from trainer.tui.widgets.answers import prompt_content


class QuizReportScreen(Screen[None]):
    # Read when the screen is first shown: trainer.tcss, parsed at every start, holds what
    # the home and card screens use.
    CSS = """
    .quiz-item {
        height: auto;
        margin-top: 1;
    }

    .quiz-number {
        width: 5;
    }

    .quiz-question {
        width: 1fr;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.quit", "Quit", show=False)]

    def __init__(self, quiz: QuizDriver, decks: dict[str, Deck]) -> None:
        super().__init__()
        self.quiz = quiz
        self.decks = decks

    def compose(self) -> ComposeResult:
        quiz = self.quiz
        total = quiz.total
        score = quiz.score
        percent = f"{score / total:.0%}" if total else "–"
        answered = sum(item.given is not None for item in quiz.items)
        rows = [
            join(
                [
                    ("Quiz finished: ", "bold"),
                    (f"{score} of {total} right ({percent})", "bold $accent"),
                ]
            )
        ]
        if answered < total:
            rows.append(plain(f"{total - answered} not answered (counted as wrong).", "italic"))
        rows.append(plain("Your schedule is unchanged: a quiz is not recorded.", "italic"))
        with VerticalScroll(id="report"):
            yield Static(lines(rows), id="report-text")
            for number, item in enumerate(quiz.items, 1):
                mark = ("✓", "bold $success") if item.correct else ("✗", "bold $error")
                given = item.given if item.given is not None else "(not answered)"
                # One widget per question, indented as a block, so a long question wraps
                # under its own text rather than under the mark and number.
                with Horizontal(classes="quiz-item"):
                    yield Static(join([mark, (f" {number}.", "bold")]), classes="quiz-number")
                    yield Static(
                        lines(
                            [
                                plain(" ".join(prompt_content(item.card).plain.split())),
                                join(["Your answer:    ", plain(given)]),
                                join(["Correct answer: ", plain(item.expected)]),
                            ]
                        ),
                        classes="quiz-question",
                    )
        yield KeyBar()
