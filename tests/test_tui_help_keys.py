"""The `?` list names every key a screen binds (a key missing there is a key users never
find: the footer hides most of them at 80 columns)."""

from __future__ import annotations

import re

import pytest
from textual.binding import Binding

from trainer.tui.app import TrainerApp
from trainer.tui.screens.browse import BrowseScreen
from trainer.tui.screens.card import CardScreen
from trainer.tui.screens.help import KEYS
from trainer.tui.screens.home import HomeScreen
from trainer.tui.screens.stats import StatsScreen
from trainer.tui.screens.summary import SummaryScreen

#: How the list writes a key Textual names otherwise.
_SHOWN = {
    "question_mark": "?",
    "exclamation_mark": "!",
    "at": "@",
    "minus": "-",
    "slash": "/",
    "escape": "Esc",
    "enter": "Enter",
}
#: The screens and the sections of the list that describe them.
_SECTIONS = {
    HomeScreen: ("Home",),
    CardScreen: ("Study: answering", "Study: any card", "Study: after answering"),
    SummaryScreen: ("Summary",),
    BrowseScreen: ("Browse",),
    StatsScreen: ("Stats",),
}


def _listed(sections: tuple[str, ...]) -> set[str]:
    listed = dict(KEYS)
    words: set[str] = set()
    for section in ("Everywhere", *sections):
        for keys, _meaning in listed[section]:
            words.update(w for w in re.split(r"\s*,\s*|\s+/\s+|\s+|[()]", keys) if w)
            # "1-9" and "1 2 3 4" both name the digits in them
            for low, high in re.findall(r"(\d)-(\d)", keys):
                words.update(str(n) for n in range(int(low), int(high) + 1))
    return words


@pytest.mark.parametrize("screen", list(_SECTIONS), ids=lambda s: s.__name__)
def test_help_lists_every_key_the_screen_binds(screen: type) -> None:
    listed = _listed(_SECTIONS[screen])
    missing = [
        (binding.action, key)
        for binding in [*screen.BINDINGS, *TrainerApp.BINDINGS]
        if isinstance(binding, Binding) and binding.action not in ("hide_help_panel",)
        for key in binding.key.split(",")
        if _SHOWN.get(key, key) not in listed
    ]
    assert not missing, f"keys bound but not in the ? list: {missing}"
