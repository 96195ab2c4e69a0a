"""The card screen: one card at a time, for a study session, a practice round or a quiz.

Phases of one card: *question* (the answer widget takes input; ``basic`` cards wait for
space), then *answered* (the verdict, the explanation and the source are shown and the
learner confirms the suggested grade with Enter or picks one with 1-4). What an answer
changes is the driver's business (:mod:`trainer.tui.drivers`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from trainer.model import CardType, Deck, StudyCard
from trainer.tui.drivers import (
    AGAIN,
    GOOD,
    GRADE_NAMES,
    CardDriver,
    Outcome,
    QuizDriver,
    SessionDriver,
)
from trainer.tui.footer import KeyBar
from trainer.tui.screens.appref import trainer_app
from trainer.tui.text import join, lines, plain, typed_diff
from trainer.tui.timetext import interval_text
from trainer.tui.widgets.answers import (
    AnswerGiven,
    AnyAnswerWidget,
    TextAnswer,
    answer_widget,
    prompt_content,
)
from trainer.tui.widgets.buttonbar import ButtonBar

GRADE_KEYS = "1 Again · 2 Hard · 3 Good · 4 Easy"
#: Lines of a revealed answer that must show under the question, else it scrolls to the answer.
_ANSWER_LINES_SHOWN = 3


class CardScreen(Screen[None]):
    """Shows the driver's cards until it runs out, then calls ``on_finish``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # One binding per key and state: check_action enables one of each pair, so the
        # footer lists only what works now (Textual hides disabled bindings).
        Binding("space", "reveal", "Show answer"),
        Binding("space", "confirm", "Good", show=False),
        # Anki shows the answer with Enter too.
        Binding("enter", "reveal", "Show answer", show=False),
        Binding("enter", "confirm", "Accept"),
        # A quiz's auto-graded answer has nothing to accept: Enter goes on, as its button says.
        Binding("enter", "next", "Next"),
        Binding("space", "next", "Next", show=False),
        # Digits grade after an answer, and pick options while answering a choice or multi
        # card: two bindings per key, only one of them enabled at a time. Neither is in the
        # footer: the grade buttons and the numbered options show their digits already, and
        # at 80 columns the footer has no room to repeat them (the help screen lists them).
        Binding("1", "grade(1)", "Grade", key_display="1-4", show=False),
        *(Binding(str(n), f"grade({n})", show=False) for n in range(2, 5)),
        Binding("1", "pick(1)", "Pick", key_display="1-9", show=False),
        *(Binding(str(n), f"pick({n})", show=False) for n in range(2, 10)),
        # ctrl+z as in Anki works everywhere, also while typing an answer (where u is text),
        # so the footer shows it; u is the one-key alias.
        Binding("ctrl+z", "undo_anywhere", "Undo", key_display="^z", priority=True),
        Binding("u", "undo", "Undo", show=False),
        Binding("tab", "focus_answer", "Type answer", key_display="tab"),
        Binding("escape", "leave_field", "More keys"),
        Binding("escape", "end", "End"),
        # The app's keys, repeated here to come before the card's rarer keys, which a
        # narrow footer cuts first (? lists them all).
        Binding("question_mark", "app.help", "Keys", key_display="?"),
        Binding("q", "app.quit", "Quit"),
        Binding("minus", "bury", "Bury", key_display="-"),
        # Offered on the verdict line (the footer has no room left at 80 columns).
        Binding("i", "override", "I was right", show=False),
        Binding("at", "suspend", "Suspend", key_display="@"),
        Binding("exclamation_mark,ctrl+1", "flag", "Flag", key_display="!"),
        Binding("e", "edit", "Edit"),
    ]

    def __init__(
        self,
        driver: CardDriver,
        decks: dict[str, Deck],
        *,
        rng: random.Random,
        on_finish: Callable[[], None],
        title: str = "",
    ) -> None:
        super().__init__(classes=f"card-screen {driver.kind}")
        self.driver = driver
        self.decks = decks
        self.rng = rng
        self.on_finish = on_finish
        self.round_title = title
        self.phase = "question"
        self.outcome: Outcome | None = None
        self.answer: AnyAnswerWidget | None = None
        self._shown: StudyCard | None = None
        #: A study session's driver (None in a practice round or a quiz): it alone
        #: records, buries, suspends, flags and counts what is left today.
        self.session = driver if isinstance(driver, SessionDriver) else None

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        if self.session is None:
            # A practice round or a quiz has a fixed length: a bar shows how far along it
            # is. A study session shows its counts left instead (and never imports the
            # bar: 4 ms of the first card).
            from textual.widgets import ProgressBar

            yield ProgressBar(show_eta=False, show_percentage=False, id="progress")
        with VerticalScroll(id="body", can_focus=True):
            yield Static(id="prompt")
            yield Static(id="reveal")
            yield Static(id="feedback")
        # Mouse users' way to do what the keys do (their labels name the keys).
        yield ButtonBar(id="buttons")
        # The palette (ctrl+p) is on the help screen: its footer entry cost the room of
        # the keys that matter at 80 columns.
        yield KeyBar(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        if isinstance(self.driver, QuizDriver) and self.driver.time_limit is not None:
            self.set_interval(1.0, self.tick)
        self.show_current()

    # -- showing cards ------------------------------------------------------------------

    def show_current(self) -> None:
        """Show the driver's current card in the question phase (or finish)."""
        card = self.driver.current
        if card is None:
            self.on_finish()
            return
        self._shown = card
        self.phase = "question"
        self.outcome = None
        self.update_status()
        body = self.query_one("#body", VerticalScroll)
        if self.answer is not None:
            self.answer.remove()
        self.query_one("#prompt", Static).update(prompt_content(card))
        self.query_one("#reveal", Static).update("")
        self.query_one("#feedback", Static).update("")
        self.answer = answer_widget(card, self.rng)
        body.mount(self.answer, after="#prompt")
        body.scroll_home(animate=False)
        self._focus_answer()
        buttons: list[tuple[str, str]] = []
        if card.type is CardType.BASIC:
            buttons = [("space Show answer", "reveal")]
        elif card.type is CardType.MULTI:
            buttons = [("⏎ Check", "submit")]
        elif card.type is CardType.ORDER:
            buttons = [("⇧↑ Move up", "up"), ("⇧↓ Move down", "down"), ("⏎ Check", "submit")]
        self.set_buttons(buttons)
        self.refresh_bindings()

    def set_buttons(self, buttons: list[tuple[str, str]], suggested: str = "") -> None:
        """Show ``(label, name)`` buttons; the one named ``suggested`` is highlighted (the
        bar stays below the scrolling body, so the suggestion is always in view)."""
        self.query_one("#buttons", ButtonBar).show(buttons, suggested)

    def on_button_bar_pressed(self, event: ButtonBar.Pressed) -> None:
        event.stop()
        name = event.name
        answer: Any = self.answer
        if name == "reveal":
            self.action_reveal()
        elif name == "submit" and answer is not None:
            answer.action_submit()
        elif name in ("up", "down") and answer is not None:
            answer.action_move(-1 if name == "up" else 1)
        elif name.startswith("grade"):
            self.grade(int(name[-1]))

    def _focus_answer(self) -> None:
        if isinstance(self.answer, Widget) and self.answer.focusable:
            self.answer.focus()
        else:
            self.query_one("#body").focus()

    def update_status(self) -> None:
        card = self._shown
        deck = self.decks.get(card.deck_id) if card else None
        parts: list[Content | str | tuple[str, str]] = []
        label = {"study": "Study", "practice": "Practice (not scheduled)", "quiz": "Quiz"}
        parts.append((label.get(self.driver.kind, ""), "bold"))
        if self.round_title:
            parts += [" · ", plain(self.round_title)]
        elif deck is not None:
            parts += [" · ", plain(deck.title)]
        if self.session is not None:
            # Anki's three counts: what is left never grows back as a "card 3 of 41" total
            # does when a card answered Again comes back.
            new, learning, review = self.session.remaining
            parts += [
                "  ",
                (f"{new} new", "bold $primary"),
                " · ",
                (f"{learning} learning", "bold $error"),
                " · ",
                (f"{review} review", "bold $success"),
                " left",
            ]
        else:
            parts.append(f"  card {self.driver.position} of {self.driver.total}")
            from textual.widgets import ProgressBar

            bar = self.query_one("#progress", ProgressBar)
            bar.update(total=max(self.driver.total, 1), progress=max(self.driver.position - 1, 0))
        if isinstance(self.driver, QuizDriver):
            left = self.driver.seconds_left()
            if left is not None:
                minutes, seconds = divmod(int(left + 0.999), 60)
                parts.append((f"  ⏱ {minutes}:{seconds:02d} left", "bold $warning"))
        if card is not None:
            reverse = " · reverse ⇄" if card.variant == "reverse" else ""
            parts.append((f"  [{card.type.value}{reverse}]", "dim"))
        self.query_one("#status", Static).update(join(parts))

    # -- answering ----------------------------------------------------------------------

    def on_answer_given(self, message: AnswerGiven) -> None:
        message.stop()
        if self.phase != "question":
            return
        self.answered(message.response)

    def answered(self, response: Any) -> None:
        card = self._shown
        assert card is not None
        try:
            self.outcome = self.driver.submit(response, duration=None)
        except (TypeError, ValueError) as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.phase = "answered"
        if self.answer is not None:
            self.answer.mark_answered(card)
        feedback = self.query_one("#feedback", Static)
        feedback.update(self.feedback(card, response, self.outcome))
        if self._quiz_verdict():
            self.set_buttons([("⏎ Next", f"grade{self.outcome.suggested}")])
        else:
            intervals = self.driver.intervals() or {}
            self.set_buttons(
                [
                    (
                        f"{n} {name}"
                        + (f" · {interval_text(intervals[n])}" if n in intervals else ""),
                        f"grade{n}",
                    )
                    for n, name in GRADE_NAMES.items()
                ],
                suggested=f"grade{self.outcome.suggested}",
            )
        body = self.query_one("#body", VerticalScroll)
        body.focus()
        if card.type is CardType.BASIC:
            # The answer matters now: its start in view, under the question when that
            # leaves a few of its lines showing (not the end of a long answer).
            self.call_after_refresh(self._show_answer_start, body)
        else:
            # The verdict and the grade keys matter most now: bring them into view.
            self.call_after_refresh(body.scroll_to_widget, feedback, top=True, animate=False)
        self.refresh_bindings()

    def _show_answer_start(self, body: VerticalScroll) -> None:
        reveal = self.query_one("#reveal", Static)
        if reveal.virtual_region.y + _ANSWER_LINES_SHOWN <= body.scrollable_content_region.height:
            body.scroll_home(animate=False)
        else:
            body.scroll_to_widget(reveal, top=True, animate=False)

    def action_reveal(self) -> None:
        card = self._shown
        if card is None or self.phase != "question" or card.type is not CardType.BASIC:
            if self.phase == "answered":
                self.action_confirm()
            return
        self.driver.reveal()
        answer_text = card.card.front if card.variant == "reverse" else card.card.back
        self.query_one("#reveal", Static).update(join([("Answer: ", "bold"), plain(answer_text)]))
        self.answered(None)

    def action_confirm(self) -> None:
        if self.phase == "answered" and self.outcome is not None:
            self.grade(self.outcome.suggested)

    def action_next(self) -> None:
        self.action_confirm()

    def _quiz_verdict(self) -> bool:
        """A quiz question graded by the program: its one button is "⏎ Next"."""
        card = self._shown
        return self.driver.kind == "quiz" and card is not None and not card.type.self_graded

    def action_pick(self, number: int) -> None:
        if self.phase == "question" and self.answer is not None:
            self.answer.pick_number(number)

    def action_grade(self, number: int) -> None:
        if self.phase == "answered":
            self.grade(number)

    def action_override(self) -> None:
        if self.check_action("override", ()):
            self.grade(GOOD, override=True)

    def grade(self, grade: int, *, override: bool = False) -> None:
        from trainer.progress.errors import ProgressError

        try:
            if override and self.session is not None:
                self.session.record_override()
            else:
                self.driver.record(grade)
        except ProgressError as error:
            self.notify(
                str(error), title="Answer not saved", severity="error", markup=False, timeout=30
            )
            return
        self.show_current()

    def _typing(self) -> bool:
        """Whether keys go into an answer field now (letters, u, @, ! are text there)."""
        answer = self.answer
        return isinstance(answer, TextAnswer) and self.phase == "question" and answer.has_focus

    def _can_undo(self) -> bool:
        if self.driver.kind == "quiz":
            return False  # an exam answer is final
        return self.phase == "answered" or self.driver.can_undo()

    def action_undo_anywhere(self) -> None:
        self.action_undo()

    def action_undo(self) -> None:
        if not self._can_undo():
            return
        if self.phase == "answered":
            # The answer shown is not recorded yet: take it back, not the previous grade.
            self.notify(
                "Answer taken back: answer this card again (undo again for the card before).",
                markup=False,
            )
            self.show_current()
            return
        from trainer.progress.errors import ProgressError

        try:
            card = self.driver.undo()
        except ProgressError as error:
            self.notify(str(error), title="Not undone", severity="error", markup=False)
            return
        if card is None:
            self.notify("Nothing to undo.")
            return
        self.notify("Undone.")
        self.show_current()

    def action_bury(self) -> None:
        card = self._shown
        if card is None or self.session is None:
            return
        self.session.bury_current()
        self.notify(f"Buried {card.key} until tomorrow. ^z undoes.", markup=False)
        self.show_current()

    def action_edit(self) -> None:
        """Open the card's file in $EDITOR at its line; the live reload shows the edit."""
        card = self._shown
        location = card.card.location if card is not None else None
        if location is None:
            return
        trainer_app(self).open_in_editor(location.path, location.line)

    def action_leave_field(self) -> None:
        self.query_one("#body").focus()
        self.refresh_bindings()

    def action_focus_answer(self) -> None:
        self._focus_answer()
        self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def action_suspend(self) -> None:
        from trainer.progress.errors import ProgressError

        card = self._shown
        if card is None or self.session is None:
            return
        try:
            self.session.suspend_current()
        except ProgressError as error:
            self.notify(str(error), title="Not saved", severity="error", markup=False)
            return
        self.notify(f"Suspended {card.key}. ^z undoes; Browse (b) unsuspends.", markup=False)
        self.show_current()

    def action_flag(self) -> None:
        from trainer.progress.errors import ProgressError

        card = self._shown
        if card is None or self.session is None:
            return
        try:
            flagged = self.session.flag_current()
        except ProgressError as error:
            self.notify(str(error), title="Not saved", severity="error", markup=False)
            return
        self.notify(f"{'Flagged' if flagged else 'Unflagged'} {card.key}.", markup=False)

    def action_end(self) -> None:
        if isinstance(self.driver, QuizDriver):
            self.driver.finish()
        self.on_finish()

    def decks_reloaded(self) -> None:
        """A deck file was edited: this card (asked again) and later ones show its new
        text and sources."""
        if self.driver.kind == "quiz":
            return
        self.decks = trainer_app(self).decks_by_id()
        if (
            self.session is not None
            and self._shown is not None
            and self.session.refresh_current() is not self._shown
        ):
            self.show_current()

    def tick(self) -> None:
        """Once a second in a timed quiz: update the countdown, end the quiz at zero."""
        if not isinstance(self.driver, QuizDriver) or self.driver.finished:
            return
        left = self.driver.seconds_left()
        if left is not None and left <= 0:
            self.driver.finish()
            self.notify("Time is up.")
            self.on_finish()
            return
        self.update_status()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        card = self._shown
        typing = self._typing()
        if action == "reveal":
            return card is not None and card.type is CardType.BASIC and self.phase == "question"
        if action == "next":
            return self.phase == "answered" and self._quiz_verdict()
        if action == "confirm":
            return self.phase == "answered" and not self._quiz_verdict()
        if action == "grade":
            return self.phase == "answered"
        if action == "pick":
            return (
                self.phase == "question"
                and card is not None
                and card.type in (CardType.CHOICE, CardType.MULTI)
            )
        if action == "leave_field":
            return typing
        if action == "focus_answer":
            return isinstance(self.answer, TextAnswer) and self.phase == "question" and not typing
        if action == "undo_anywhere":
            return self._can_undo()
        if action == "override":  # study only: typed answers the grader called wrong
            return (
                self.phase == "answered"
                and self.session is not None
                and self.session.can_override()
            )
        if typing:
            return False  # these keys are text in the answer field
        if action in ("suspend", "flag", "bury"):
            return self.session is not None and card is not None
        if action == "edit":
            # A study session picks up the edited card; a quiz asks from its own copy.
            return self.driver.kind == "study" and card is not None
        if action == "undo":
            return self._can_undo()
        return True

    # -- feedback -----------------------------------------------------------------------

    def feedback(self, card: StudyCard, response: Any, outcome: Outcome) -> Content:
        rows: list[Content] = []
        result = outcome.result
        if result is not None:
            if result.correct:
                verdict = join([("✓ Correct", "bold $success")])
                if result.typos:
                    verdict = join(
                        [
                            verdict,
                            f"  (accepted with {result.typos} typo"
                            f"{'s' if result.typos > 1 else ''})",
                        ]
                    )
            else:
                verdict = join([("✗ Not quite", "bold $error")])
                if self.check_action("override", ()):
                    verdict = join([verdict, ("   i", "bold"), " I was right"])
            if result.note:
                verdict = join([verdict, "  ", plain(result.note, "italic")])
            rows.append(verdict)
            if card.type in (CardType.TYPED, CardType.CLOZE) and isinstance(response, str):
                expected = result.matched if result.correct and result.matched else result.expected
                yours, theirs = typed_diff(response, expected)
                rows.append(join([("You typed: ", "bold"), yours]))
                # A right answer typed as accepted needs no second copy of itself.
                if not (result.correct and response.strip() == expected.strip()):
                    rows.append(join([("Expected:  ", "bold"), theirs]))
                if result.correct and result.matched and result.matched != result.expected:
                    rows.append(join([("Main answer: ", "bold"), plain(result.expected)]))
            elif not result.correct:
                rows.append(join([("Correct answer: ", "bold"), plain(result.expected)]))
        if card.type is CardType.CLOZE:
            cloze = card.cloze
            rows.append(plain(""))
            rows.append(plain(self._cloze_full(card, cloze.number if cloze else 1)))
        if card.card.explanation:
            rows += [plain(""), join([("Why: ", "bold"), plain(card.card.explanation)])]
        titles = self.source_titles(card)
        if titles:
            rows.append(join([("Source: ", "bold"), plain("; ".join(titles), "italic")]))
        rows.append(plain(""))
        rows.append(self.grade_prompt(card, outcome))
        return lines(rows)

    @staticmethod
    def _cloze_full(card: StudyCard, number: int) -> str:
        from trainer.model import cloze_display

        return cloze_display(card.card.question, number, revealed=True)

    def source_titles(self, card: StudyCard) -> list[str]:
        deck = self.decks.get(card.deck_id)
        by_file = {source.file: source.title for source in deck.sources} if deck else {}
        return [by_file.get(file, file) for file in card.card.sources]

    def grade_prompt(self, card: StudyCard, outcome: Outcome) -> Content:
        if self.driver.kind == "quiz":
            if card.type.self_graded:
                return plain(
                    "Did you know it? 1 = no (counts as wrong), 2-4 = yes; Enter = yes.", "bold"
                )
            return plain("Enter: next question", "bold")
        name = GRADE_NAMES[outcome.suggested]
        if card.type.self_graded:
            return join(
                [("How well did you recall it? ", "bold"), "Enter or space = Good, or 1-4 (below)"]
            )
        prefix = "Not recorded (practice). " if self.session is None else ""
        return join(
            [
                (prefix, "italic"),
                ("Suggested: ", "bold"),
                (name, "bold $error" if outcome.suggested == AGAIN else "bold $success"),
                f". Enter or space accepts, or {GRADE_KEYS}",
            ]
        )
