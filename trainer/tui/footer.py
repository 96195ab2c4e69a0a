"""The key bar at the bottom of every screen: the keys that work now, drawn as one line."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.content import Content
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.binding import Binding
    from textual.screen import Screen

__all__ = ["KeyBar"]

_KEY_STYLE = "bold $footer-key-foreground on $footer-key-background"
_DESCRIPTION_STYLE = "$footer-description-foreground on $footer-description-background"


class KeyBar(Widget, can_focus=False):
    """The screen's shown bindings, one per action, as Textual's ``Footer`` lists them:
    key then description, disabled ones dimmed, the command palette's key on the right;
    a click on a key presses it.

    Textual's ``Footer`` builds one widget per key, each styled on its own, and rebuilds
    them all after every change of the bindings: on the home screen that was some 70 ms
    of the first frame (measured in a real terminal, benchmarks/startup_bench.py), four
    rebuilds before the decks showed. This bar is one widget whose line is computed when
    it is drawn, so any number of changes between two frames cost one line.

    Attributes:
        compact: no padding around the keys (the card screen's narrow layout).
        show_command_palette: list the palette's key (ctrl+p) on the right.
    """

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """
    ALLOW_SELECT: ClassVar[bool] = False

    def __init__(
        self, *, compact: bool = False, show_command_palette: bool = True, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.compact = compact
        self.show_command_palette = show_command_palette
        #: Columns [start, end) of each key drawn, with its key and whether it is enabled.
        self._spans: list[tuple[int, int, str, bool]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if screen is self.screen:
            self.refresh()

    def keys(self) -> list[tuple[Binding, bool]]:
        """``(binding, enabled)`` for each action shown, in the screen's order (the first
        binding of an action stands for it, as in Textual's footer)."""
        shown: dict[str, tuple[Binding, bool]] = {}
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in shown:
                shown[binding.action] = (binding, enabled)
        return list(shown.values())

    def _palette(self) -> tuple[Binding, bool] | None:
        if not (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE):
            return None
        found = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        return None if found is None else (found[1], found[2])

    def _piece(self, binding: Binding, enabled: bool) -> Content:
        key = self.app.get_key_display(binding)
        if self.compact:
            key_text, description = key, f" {binding.description}"
        else:
            key_text, description = f" {key} ", f"{binding.description} "
        piece = Content.assemble(
            Content.styled(key_text, _KEY_STYLE),
            Content.styled(description, _DESCRIPTION_STYLE) if binding.description else "",
        )
        return piece if enabled else piece.stylize("dim")

    def render(self) -> Content:
        width = self.size.width
        palette = self._palette()
        right = Content("")
        if palette is not None:
            # The divider takes the place of the key's left padding, as in Textual's footer.
            piece = self._piece(*palette)
            right = Content.assemble(
                Content.styled("▏", "$foreground 20%"),
                piece if self.compact else piece[1:],
            )
        room = width - right.cell_length
        gap = " " if self.compact else ""
        spans: list[tuple[int, int, str, bool]] = []
        pieces: list[Content] = []
        x = 0
        for binding, enabled in self.keys():
            piece = self._piece(binding, enabled)
            if x + piece.cell_length > room:
                break  # a key cut in half ("! Fl") helps no one: `?` lists the rest
            spans.append((x, x + piece.cell_length, binding.key, enabled))
            pieces.append(piece)
            x += piece.cell_length + len(gap)
        left = Content(gap).join(pieces).truncate(max(room, 0), pad=True)
        if palette is not None:
            spans.append((room, width, palette[0].key, palette[1]))
        self._spans = [span for span in spans if span[0] < span[1]]
        return Content.assemble(left, right)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        for start, end, key, enabled in self._spans:
            if start <= event.x < end:
                if enabled:
                    self.app.simulate_key(key)
                else:
                    self.app.bell()
                return
