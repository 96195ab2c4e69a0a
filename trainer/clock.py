"""Time, injected: every time-dependent function takes a :class:`Clock`, so tests can
simulate months of study without sleeping.

A clock also says which time zone the learner lives in (``zone``), so that study days
(:mod:`trainer.studyday`) place past instants with the offset in force then.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    #: The learner's time zone; ``None``: the system's local zone.
    zone: tzinfo | None

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin, for measuring durations."""
        ...


class SystemClock:
    zone: tzinfo | None = None

    def now(self) -> datetime:
        return datetime.now(UTC).astimezone()

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that only moves when told to.

    Attributes:
        zone: the zone of ``start`` (a ``zoneinfo.ZoneInfo`` gives daylight saving).
    """

    def __init__(self, start: datetime, *, tz: tzinfo | None = None) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=tz or UTC)
        self.zone: tzinfo | None = start.tzinfo
        self._now = start
        self._mono = 0.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, delta: timedelta | float) -> None:
        """Move forward by a timedelta, or by a number of seconds."""
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=delta)
        # Elapsed time, not wall-clock arithmetic (which aware datetimes in a zone with
        # daylight saving would do).
        self._now = (self._now.astimezone(UTC) + delta).astimezone(self.zone)
        self._mono += delta.total_seconds()
