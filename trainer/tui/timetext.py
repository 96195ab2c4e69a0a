"""Spans of time as the learner reads them: "10m", "3d", "1.5mo" on the grade buttons
(Anki's abbreviations), "13 h" in "next in 13 h"."""

from __future__ import annotations

__all__ = ["interval_text", "until_text"]

_MINUTE, _HOUR, _DAY = 60.0, 3600.0, 86400.0
_MONTH, _YEAR = 30.0 * _DAY, 365.0 * _DAY


def interval_text(seconds: float) -> str:
    """A grade button's interval: ``<1m``, ``10m``, ``5h``, ``3d``, ``1.5mo``, ``2.1y``."""
    if seconds < _MINUTE:
        return "<1m"
    if seconds < _HOUR:
        return f"{round(seconds / _MINUTE)}m"
    if seconds < _DAY:
        return f"{round(seconds / _HOUR)}h"
    if seconds < _MONTH:
        return f"{round(seconds / _DAY)}d"
    if seconds < _YEAR:
        return f"{seconds / _MONTH:.1f}mo".replace(".0mo", "mo")
    return f"{seconds / _YEAR:.1f}y".replace(".0y", "y")


def until_text(seconds: float) -> str:
    """How long until something, in words: ``5 min``, ``13 h``, ``2 days``."""
    if seconds < _HOUR:
        return f"{max(1, round(seconds / _MINUTE))} min"
    if seconds < 2 * _DAY:
        return f"{round(seconds / _HOUR)} h"
    return f"{round(seconds / _DAY)} days"
