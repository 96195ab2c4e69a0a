"""The card screen's row of buttons: mouse users' way to do what the keys do."""

from __future__ import annotations

from collections.abc import Sequence

from textual import events
from textual.content import Content
from textual.message import Message
from textual.widget import Widget

__all__ = ["ButtonBar"]

_BUTTON_STYLE = "bold $button-foreground on $surface"
#: The suggested grade stands out (Textual's style for a focused button).
_SUGGESTED_STYLE = "bold reverse $button-foreground on $surface"
_HOVER_STYLE = "bold $button-foreground on $surface-darken-1"


class ButtonBar(Widget):
    """Buttons in one line, each ``label`` with a space either side, side by side as
    compact Textual buttons are drawn; a click presses one (:class:`ButtonBar.Pressed`).

    Drawn as one piece of content: a Textual ``Button`` is a widget styled on its own, and
    mounting the card's buttons (before the first card, and again after each answer and
    each card) cost more than the rest of showing a card.

    Attributes:
        buttons: ``(label, name)`` of each button, left to right.
        suggested: the name of the highlighted button ("" for none).
    """

    DEFAULT_CSS = """
    ButtonBar {
        height: 1;
        width: 1fr;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    class Pressed(Message):
        """A button was clicked.

        Attributes:
            name: the button's name.
        """

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.buttons: list[tuple[str, str]] = []
        self.suggested = ""
        self._hovered: str | None = None
        #: Columns [start, end) of each button drawn, with its name.
        self._spans: list[tuple[int, int, str]] = []

    def show(self, buttons: Sequence[tuple[str, str]], suggested: str = "") -> None:
        """Show ``buttons`` (none: the bar is hidden)."""
        self.buttons = list(buttons)
        self.suggested = suggested
        self.display = bool(self.buttons)
        self.refresh()

    @property
    def labels(self) -> list[str]:
        return [label for label, _name in self.buttons]

    def render(self) -> Content:
        pieces: list[Content] = []
        spans: list[tuple[int, int, str]] = []
        x = 0
        for label, name in self.buttons:
            if name == self.suggested:
                style = _SUGGESTED_STYLE
            elif name == self._hovered:
                style = _HOVER_STYLE
            else:
                style = _BUTTON_STYLE
            # Deck text never reaches a button: the labels are the screen's own words.
            piece = Content.styled(f" {label} ", style)
            spans.append((x, x + piece.cell_length, name))
            pieces.append(piece)
            x += piece.cell_length
        self._spans = spans
        return Content("").join(pieces)

    def _name_at(self, x: int) -> str | None:
        for start, end, name in self._spans:
            if start <= x < end:
                return name
        return None

    def on_click(self, event: events.Click) -> None:
        name = self._name_at(event.x - self.styles.padding.left)
        if name is not None:
            event.stop()
            self.post_message(self.Pressed(name))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        hovered = self._name_at(event.x - self.styles.padding.left)
        if hovered != self._hovered:
            self._hovered = hovered
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hovered is not None:
            self._hovered = None
            self.refresh()
