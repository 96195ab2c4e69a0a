"""One answer widget per card type: how the learner gives an answer.

Each widget posts :class:`AnswerGiven` with a response in the shape
:func:`trainer.grading.grade` takes, and can be :meth:`~AnswerWidget.mark_answered` once the
answer is graded, which marks the right options. Option texts are deck text, so every
prompt is built with :func:`trainer.tui.text.plain` and never parsed as markup.
"""

from __future__ import annotations

import random
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from trainer.model import CardType, StudyCard
from trainer.tui.text import join, plain


class AnswerGiven(Message):
    """The learner has answered; ``response`` is what the grader takes."""

    def __init__(self, response: Any) -> None:
        super().__init__()
        self.response = response


class AnswerWidget:
    """Mixin of the answer widgets' common interface."""

    is_answered: bool = False

    def pick_number(self, number: int) -> bool:
        """Digit key ``number`` pressed while answering; True when it meant something."""
        return False

    def mark_answered(self, correct_answer: StudyCard) -> None:
        """The answer has been graded: stop taking input and mark what was right."""
        self.is_answered = True


class BasicPrompt(Static, AnswerWidget):
    """``basic`` cards: nothing to type; the screen reveals the back with space."""

    def __init__(self) -> None:
        super().__init__(
            plain("Recall the answer, then press space to show it.", "italic"),
            classes="answer hint",
        )

    def mark_answered(self, correct_answer: StudyCard) -> None:
        super().mark_answered(correct_answer)
        self.display = False  # the answer is shown: the hint has done its work


#: Options with a digit key (1-9); the rest are reached with the arrows and Enter.
_NUMBERED = 9


def option_prefix(index: int) -> str:
    """What stands before option ``index`` (0-based): its digit key, ``"1. "``, up to 9;
    then a dot, as no single key picks option 10 (typing "10" would pick option 1)."""
    return f"{index + 1}. " if index < _NUMBERED else "·  "


class ChoiceAnswer(OptionList, AnswerWidget):
    """``choice`` (and ``truefalse``): pick one option with its number, or arrows + Enter."""

    def __init__(self, options: list[tuple[str, Any]], *, keys: list[str] | None = None) -> None:
        self.values = [value for _, value in options]
        self.labels = [label for label, _ in options]
        self.keys = keys or [option_prefix(i) for i in range(len(options))]
        super().__init__(*self._prompts(), classes="answer")
        self.chosen: int | None = None

    def _prompts(self, correct: set[int] | None = None) -> list[Option]:
        prompts = []
        for index, label in enumerate(self.labels):
            mark = ""
            style = ""
            if correct is not None:
                if index in correct:
                    mark, style = "✓ ", "bold $success"
                elif index == self.chosen:
                    mark, style = "✗ ", "strike $error"
            prompts.append(
                Option(join([(self.keys[index], "bold"), (mark, style), plain(label, style)]))
            )
        return prompts

    def pick_number(self, number: int) -> bool:
        if self.is_answered or not 1 <= number <= min(len(self.values), _NUMBERED):
            return False
        self.highlighted = number - 1
        self._choose(number - 1)
        return True

    def _choose(self, index: int) -> None:
        self.chosen = index
        self.post_message(AnswerGiven(self.values[index]))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if not self.is_answered:
            self._choose(event.option_index)

    def mark_answered(self, correct_answer: StudyCard) -> None:
        super().mark_answered(correct_answer)
        card = correct_answer.card
        if card.type is CardType.TRUEFALSE:
            right = {self.values.index(card.truth)}
        else:
            right = {i for i, v in enumerate(self.values) if v == card.answer}
        self.set_options(self._prompts(right))
        if self.chosen is not None:
            self.highlighted = self.chosen


class TrueFalseAnswer(ChoiceAnswer):
    """``truefalse``: t or f (also 1/2, arrows + Enter, or a click)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "pick(1)", "True"),
        Binding("f", "pick(2)", "False"),
    ]

    def __init__(self) -> None:
        super().__init__([("True", True), ("False", False)], keys=["t. ", "f. "])

    def pick_number(self, number: int) -> bool:
        return super().pick_number(number)

    def action_pick(self, number: int) -> None:
        self.pick_number(number)


class MultiAnswer(OptionList, AnswerWidget):
    """``multi``: toggle options (number, space or click), Enter submits."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_option", "Toggle"),
        Binding("enter", "submit", "Submit"),
    ]

    def __init__(self, options: list[str]) -> None:
        self.labels = options
        self.selected: set[int] = set()
        super().__init__(*self._prompts(), classes="answer")

    def _prompts(self, correct: set[int] | None = None) -> list[Option]:
        prompts = []
        for index, label in enumerate(self.labels):
            box = "[x] " if index in self.selected else "[ ] "
            style = ""
            if correct is not None:
                right = index in correct
                if right:
                    style = "bold $success"
                elif index in self.selected:
                    style = "strike $error"
                box = ("✓ " if right else "  ") + box
            prompts.append(Option(join([(option_prefix(index), "bold"), box, plain(label, style)])))
        return prompts

    def _refresh_prompts(self) -> None:
        highlighted = self.highlighted
        self.set_options(self._prompts())
        self.highlighted = highlighted

    def toggle(self, index: int) -> None:
        if self.is_answered:
            return
        self.selected ^= {index}
        self._refresh_prompts()

    def pick_number(self, number: int) -> bool:
        if self.is_answered or not 1 <= number <= min(len(self.labels), _NUMBERED):
            return False
        self.highlighted = number - 1
        self.toggle(number - 1)
        return True

    def action_select(self) -> None:  # a click or OptionList's own select
        if self.highlighted is not None:
            self.toggle(self.highlighted)

    def action_toggle_option(self) -> None:
        self.action_select()

    def action_submit(self) -> None:
        if not self.is_answered:
            self.post_message(AnswerGiven(tuple(self.labels[i] for i in sorted(self.selected))))

    def mark_answered(self, correct_answer: StudyCard) -> None:
        super().mark_answered(correct_answer)
        right = {i for i, label in enumerate(self.labels) if label in correct_answer.card.answers}
        self.set_options(self._prompts(right))


class OrderAnswer(OptionList, AnswerWidget):
    """``order``: arrows move the cursor, shift/ctrl + arrows move the item, Enter submits."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("shift+up,ctrl+up", "move(-1)", "Move up"),
        Binding("shift+down,ctrl+down", "move(1)", "Move down"),
        Binding("enter", "submit", "Submit"),
    ]

    def __init__(self, items: list[str]) -> None:
        self.items = items
        super().__init__(*self._prompts(), classes="answer")

    def _prompts(self, correct: list[str] | None = None) -> list[Option]:
        prompts = []
        for index, item in enumerate(self.items):
            if correct is None:
                prompts.append(Option(join([(f"{index + 1}. ", "bold"), plain(item)])))
            elif correct[index] == item:
                prompts.append(
                    Option(
                        join(
                            [
                                (f"{index + 1}. ", "bold"),
                                plain(item, "bold $success"),
                                ("  ✓", "$success"),
                            ]
                        )
                    )
                )
            else:  # marked in words too, not by colour alone
                place = correct.index(item) + 1 if item in correct else "?"
                prompts.append(
                    Option(
                        join(
                            [
                                (f"{index + 1}. ", "bold"),
                                plain(item, "$error"),
                                (f"  ✗ belongs at {place}", "$error"),
                            ]
                        )
                    )
                )
        return prompts

    def action_move(self, step: int) -> None:
        index = self.highlighted
        if self.is_answered or index is None or not 0 <= index + step < len(self.items):
            return
        self.items[index], self.items[index + step] = self.items[index + step], self.items[index]
        self.set_options(self._prompts())
        self.highlighted = index + step

    def action_select(self) -> None:  # clicks only highlight: Enter submits
        pass

    def action_submit(self) -> None:
        if not self.is_answered:
            self.post_message(AnswerGiven(list(self.items)))

    def mark_answered(self, correct_answer: StudyCard) -> None:
        super().mark_answered(correct_answer)
        self.set_options(self._prompts(list(correct_answer.card.items)))


class TextAnswer(Input, AnswerWidget):
    """``typed`` and ``cloze``: type, then Enter."""

    def __init__(self, placeholder: str) -> None:
        super().__init__(placeholder=placeholder, classes="answer", select_on_focus=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.is_answered:
            self.post_message(AnswerGiven(event.value))

    def mark_answered(self, correct_answer: StudyCard) -> None:
        super().mark_answered(correct_answer)
        self.disabled = True


#: Any of the answer widgets: a Textual widget with :class:`AnswerWidget`'s interface.
AnyAnswerWidget = BasicPrompt | ChoiceAnswer | MultiAnswer | OrderAnswer | TextAnswer


def answer_widget(card: StudyCard, rng: random.Random) -> AnyAnswerWidget:
    """The widget that takes an answer to ``card``; options are shuffled with ``rng``."""
    c = card.card
    match c.type:
        case CardType.BASIC:
            return BasicPrompt()
        case CardType.CHOICE:
            options = list(c.options)
            rng.shuffle(options)
            return ChoiceAnswer([(option, option) for option in options])
        case CardType.MULTI:
            options = list(c.options)
            rng.shuffle(options)
            return MultiAnswer(options)
        case CardType.ORDER:
            items = list(c.items)
            # Shuffled, but never already in order (nothing to do would give it away).
            for _ in range(10):
                rng.shuffle(items)
                if items != list(c.items):
                    break
            return OrderAnswer(items)
        case CardType.TRUEFALSE:
            return TrueFalseAnswer()
        case CardType.TYPED:
            return TextAnswer("Type your answer, then Enter")
        case CardType.CLOZE:
            cloze = card.cloze
            count = len(cloze.answers) if cloze else 1
            hint = (
                f"{count} answers in order, separated by commas; Enter"
                if count > 1
                else ("Type the missing text, then Enter")
            )
            return TextAnswer(hint)
    raise AssertionError(f"unhandled card type {c.type}")  # pragma: no cover


def prompt_content(card: StudyCard, *, revealed: bool = False) -> Content:
    """The question side of ``card`` (the cloze text with its deletion hidden or shown)."""
    from trainer.model import cloze_display

    c = card.card
    match c.type:
        case CardType.BASIC:
            return plain(c.back if card.variant == "reverse" else c.front)
        case CardType.CLOZE:
            cloze = card.cloze
            number = cloze.number if cloze else 1
            return plain(cloze_display(c.question, number, revealed=revealed))
        case CardType.TRUEFALSE:
            return join([("True or false? ", "bold"), plain(c.question)])
    return plain(c.question)
