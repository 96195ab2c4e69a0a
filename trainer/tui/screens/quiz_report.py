"""The scored report at the end of a quiz: every question, the answer given and the right one."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from trainer.model import Deck
from trainer.tui.drivers import QuizDriver
from trainer.tui.text import join, lines, plain
from trainer.tui.widgets.answers import prompt_content


class QuizReportScreen(Screen[None]):
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
        rows = [join([("Quiz finished: ", "bold"), (f"{score} of {total} right ({percent})",
                                                    "bold $accent")])]
        if answered < total:
            rows.append(plain(f"{total - answered} not answered (counted as wrong).", "italic"))
        rows.append(plain("Your schedule is unchanged: a quiz is not recorded.", "italic"))
        for number, item in enumerate(quiz.items, 1):
            mark = ("✓", "bold $success") if item.correct else ("✗", "bold $error")
            rows.append(plain(""))
            rows.append(join([mark, (f" {number}. ", "bold"),
                              plain(" ".join(prompt_content(item.card).plain.split()))]))
            given = item.given if item.given is not None else "(not answered)"
            rows.append(join(["     Your answer:    ", plain(given)]))
            rows.append(join(["     Correct answer: ", plain(item.expected)]))
        with VerticalScroll(id="report"):
            yield Static(lines(rows), id="report-text")
        yield Footer()
