"""Spans of time as the learner reads them: "10m", "3d", "1.5mo" on the grade buttons
(Anki's abbreviations), "13 h" in "next in 13 h", and the done-for-today line built from them."""

from __future__ import annotations

from datetime import datetime, timedelta

__all__ = ["done_text", "interval_text", "until_text"]

_MINUTE, _HOUR, _DAY = 60.0, 3600.0, 86400.0
_MONTH, _YEAR = 30.0 * _DAY, 365.0 * _DAY


def interval_text(seconds: float) -> str:
    """A grade button's interval: ``<1m``, ``10m``, ``5h``, ``3d``, ``1.5mo``, ``2.1y``."""
    if seconds < _MINUTE:
        return "<1m"
    # Each unit up to where its rounded count would reach the next unit ("1d", not "24h").
    if round(seconds / _MINUTE) * _MINUTE < _HOUR:
        return f"{round(seconds / _MINUTE)}m"
    if round(seconds / _HOUR) * _HOUR < _DAY:
        return f"{round(seconds / _HOUR)}h"
    if round(seconds / _DAY) * _DAY < _MONTH:
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


def done_text(
    tomorrow: int, next_due: datetime | None, now: datetime, waiting_until: datetime | None = None
) -> str:
    """What the learner reads when nothing is left to study now: "Done for today.
    Tomorrow: 21 cards, next in 13 h" (or when the learning cards come back today)."""
    if waiting_until is not None:
        # The minute they are back in: "09:01 (in 2 min)", never "09:00 (in 2 min)".
        back = waiting_until.replace(second=0, microsecond=0)
        if back < waiting_until:
            back += timedelta(minutes=1)
        return (
            f"Done for now. Learning cards come back at {back:%H:%M} "
            f"(in {until_text((back - now).total_seconds())})."
        )
    cards = f"{tomorrow} card{'' if tomorrow == 1 else 's'}"
    if next_due is None:
        return f"Done for today. Tomorrow: {cards}."
    return (
        f"Done for today. Tomorrow: {cards}, next in "
        f"{until_text((next_due - now).total_seconds())}."
    )
