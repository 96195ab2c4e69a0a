"""The trainer's app as its screens see it, typed (Textual types ``Screen.app`` as any
:class:`~textual.app.App`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

if TYPE_CHECKING:
    from trainer.tui.app import TrainerApp

__all__ = ["trainer_app"]


def trainer_app(node: DOMNode) -> TrainerApp:
    """The :class:`~trainer.tui.app.TrainerApp` that ``node`` belongs to (every screen of
    this package runs in one; the app module imports the screens, so they cannot import
    it at run time)."""
    return cast("TrainerApp", node.app)
