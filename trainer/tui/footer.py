"""The key footer of the card screen, rebuilt at most once per refresh."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    """Textual's :class:`~textual.widgets.Footer`, with bindings changes coalesced.

    Textual's footer rebuilds all its key widgets after every change of the bindings, at
    some 15 ms a time. Showing a card changes them several times in a row (the screen
    mounts, the card is shown, the focus moves): before the first card was drawn the
    footer was built twice. A change that arrives while a rebuild is already waiting now
    joins it; the rebuild reads the bindings when it runs, so it shows exactly what one
    rebuild per change would.
    """

    _rebuild_waiting = False

    def bindings_changed(self, screen: Screen) -> None:  # type: ignore[type-arg]
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_waiting:
            self._rebuild_waiting = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_waiting = False
        await self.recompose()
