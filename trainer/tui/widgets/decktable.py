"""The home screen's deck list: a header, one row per deck, a row cursor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal

from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget

__all__ = ["Column", "DeckTable"]

Align = Literal["left", "right"]
Column = tuple[str, Align]

_HEADER_STYLE = "bold $foreground on $panel"
_EVEN_ROW_STYLE = "on $surface-lighten-1"
_CURSOR_STYLE = "bold $block-cursor-foreground on $block-cursor-background"
_BLURRED_CURSOR_STYLE = "$block-cursor-blurred-foreground on $block-cursor-blurred-background"
#: The first column never gets narrower than this, however narrow the terminal.
_NARROWEST_FIRST_COLUMN = 12


class DeckTable(Widget, can_focus=True):
    """Rows of cells under a header, one row under the cursor; up/down (and page up/down,
    home, end, the mouse wheel) move it, a click selects a row (Enter is the screen's).

    Drawn as one piece of content: Textual's ``DataTable`` cost some 20 ms of CPU before
    the home screen's first frame (its styles, and a Rich render of every cell), for the
    handful of rows a home screen has.

    Attributes:
        columns: ``(title, alignment)`` of each column.
        cursor_row: index of the row under the cursor (0 when there are no rows).
    """

    DEFAULT_CSS = """
    DeckTable {
        height: auto;
        width: auto;
        max-width: 100%;
        background: $surface;
        color: $foreground;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    DeckTable:focus {
        background-tint: $foreground 5%;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("home", "move(-1000000)", "First", show=False),
        Binding("end", "move(1000000)", "Last", show=False),
    ]

    class Selected(Message):
        """A row was chosen with the mouse.

        Attributes:
            key: the row's key.
        """

        def __init__(self, key: str | None) -> None:
            super().__init__()
            self.key = key

    def __init__(self, columns: Sequence[Column], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = list(columns)
        self.cursor_row = 0
        self._rows: list[tuple[str | None, list[Content]]] = []
        #: Index of the first row shown (when the rows do not all fit).
        self._top = 0

    # -- rows -------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def clear(self) -> None:
        self._rows.clear()
        self.refresh(layout=True)

    def add_row(self, *cells: Content | str, key: str | None = None) -> None:
        self._rows.append((key, [c if isinstance(c, Content) else Content(c) for c in cells]))
        self.refresh(layout=True)

    def row_key(self, row: int) -> str | None:
        return self._rows[row][0]

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor (``None`` without rows)."""
        return self._rows[self.cursor_row][0] if self._rows else None

    def move_cursor(self, *, row: int) -> None:
        self.cursor_row = max(0, min(row, len(self._rows) - 1))
        self.refresh()

    def action_move(self, rows: int) -> None:
        self.move_cursor(row=self.cursor_row + rows)

    # -- drawing ----------------------------------------------------------------------

    def _widths(self) -> list[int]:
        widths = [Content(title).cell_length for title, _ in self.columns]
        for _key, cells in self._rows:
            for index, value in enumerate(cells[: len(widths)]):
                widths[index] = max(widths[index], value.cell_length)
        return widths

    def _fitted_widths(self, room: int) -> list[int]:
        """The column widths within ``room`` cells: when the table is wider, the first
        column (the deck titles) gives way, its texts cut with an ellipsis, so every
        number stays in view."""
        widths = self._widths()
        excess = sum(width + 2 for width in widths) - room
        if excess > 0 and room > 0:
            widths[0] = max(_NARROWEST_FIRST_COLUMN, widths[0] - excess)
        return widths

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return sum(width + 2 for width in self._widths())

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1 + len(self._rows)

    def _line(self, cells: Sequence[Content], widths: list[int]) -> Content:
        pieces: list[Content] = []
        for (_, align), width, value in zip(self.columns, widths, cells, strict=False):
            if value.cell_length > width:
                value = value.truncate(width, ellipsis=True)
            room = width - value.cell_length
            padded = value.pad_left(room) if align == "right" else value.pad_right(room)
            pieces.append(Content.assemble(" ", padded, " "))
        return Content("").join(pieces)

    def render(self) -> Content:
        widths = self._fitted_widths(self.size.width)
        width = max(self.size.width, sum(w + 2 for w in widths))
        header = self._line([Content(title) for title, _ in self.columns], widths)
        lines = [header.pad_right(width - header.cell_length).stylize(_HEADER_STYLE)]
        shown = max(self.size.height - 1, 1)
        if self.cursor_row < self._top:
            self._top = self.cursor_row
        elif self.cursor_row >= self._top + shown:
            self._top = self.cursor_row - shown + 1
        self._top = max(0, min(self._top, len(self._rows) - shown))
        for index in range(self._top, min(self._top + shown, len(self._rows))):
            line = self._line(self._rows[index][1], widths)
            line = line.pad_right(width - line.cell_length)
            if index == self.cursor_row:
                line = line.stylize(_CURSOR_STYLE if self.has_focus else _BLURRED_CURSOR_STYLE)
            elif index % 2:
                line = line.stylize_before(_EVEN_ROW_STYLE)
            lines.append(line)
        return Content("\n").join(lines)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- mouse ------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        row = self._top + event.y - 1
        if event.y >= 1 and 0 <= row < len(self._rows):
            self.move_cursor(row=row)
            self.post_message(self.Selected(self._rows[row][0]))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.action_move(1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.action_move(-1)
