"""The learner's study days: what "today", "tomorrow" and "3 days later" mean.

A study day starts at the rollover hour (4 am by default) in the learner's local time
zone, as in Anki: an answer at 1 am belongs to the day before. Scheduling counts elapsed
time in study days (so an interval does not depend on the hour at which one studies),
statistics bin answers by study day, and the optimizer counts elapsed days the same way.

Every past instant is placed with the UTC offset in force *at that instant* (daylight
saving included), never with today's offset.
"""

from __future__ import annotations

import time as _time
from datetime import date, datetime, timedelta, tzinfo
from datetime import time as _clock_time

__all__ = ["StudyDays"]

_DAY = 86400.0
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
#: UTC offsets change on a quarter hour in every zone there is: one offset per bucket.
_BUCKET = 900.0


class StudyDays:
    """Study days starting at ``rollover_hour`` in ``zone`` (``None``: the system's zone).

    Attributes:
        rollover_hour: local hour (0-23) at which a new study day starts.
        zone: a :class:`datetime.tzinfo` (e.g. ``zoneinfo.ZoneInfo("Europe/Berlin")``),
            or ``None`` for the system's local time zone (honours ``TZ``).
    """

    __slots__ = ("_offsets", "rollover_hour", "zone")

    def __init__(self, rollover_hour: int = 4, zone: tzinfo | None = None) -> None:
        self.rollover_hour = rollover_hour
        self.zone = zone
        self._offsets: dict[int, float] = {}

    def _offset(self, timestamp: float) -> float:
        """Seconds east of UTC in force at ``timestamp``."""
        bucket = int(timestamp // _BUCKET)
        offset = self._offsets.get(bucket)
        if offset is None:
            if self.zone is None:
                offset = float(_time.localtime(timestamp).tm_gmtoff)
            else:
                delta = datetime.fromtimestamp(timestamp, self.zone).utcoffset()
                offset = delta.total_seconds() if delta is not None else 0.0
            if len(self._offsets) > 100_000:
                self._offsets.clear()
            self._offsets[bucket] = offset
        return offset

    def number(self, timestamp: float) -> int:
        """Ordinal of the study day containing ``timestamp`` (POSIX seconds)."""
        local = timestamp + self._offset(timestamp) - self.rollover_hour * 3600
        return int(local // _DAY) + _EPOCH_ORDINAL

    def between(self, earlier: float, later: float) -> int:
        """Study days from the day of ``earlier`` to the day of ``later`` (0: same day;
        negative when ``later`` is on an earlier day)."""
        return self.number(later) - self.number(earlier)

    def _wall(self, timestamp: float) -> datetime:
        """Local wall-clock time at ``timestamp``, naive."""
        if self.zone is None:
            return datetime.fromtimestamp(timestamp)
        return datetime.fromtimestamp(timestamp, self.zone).replace(tzinfo=None)

    def _timestamp(self, wall: datetime) -> float:
        """POSIX time of naive local wall-clock time ``wall``."""
        if self.zone is None:
            return wall.timestamp()  # naive: interpreted in the system's zone
        return wall.replace(tzinfo=self.zone).timestamp()

    def start_of(self, day: int) -> float:
        """POSIX time at which study day ``day`` (an ordinal) starts."""
        wall = datetime.combine(date.fromordinal(day), _clock_time(self.rollover_hour))
        return self._timestamp(wall)

    def start(self, timestamp: float) -> float:
        """Start of the study day containing ``timestamp``."""
        return self.start_of(self.number(timestamp))

    def later(self, timestamp: float, days: int) -> float:
        """The same local wall-clock time ``days`` calendar days after ``timestamp`` (so
        ``days`` study days later, whatever daylight saving does in between)."""
        return self._timestamp(self._wall(timestamp) + timedelta(days=days))

    def local(self, timestamp: float) -> datetime:
        """``timestamp`` as an aware local datetime (with the offset of that instant)."""
        return (
            datetime.fromtimestamp(timestamp, self.zone)
            if self.zone is not None
            else (datetime.fromtimestamp(timestamp).astimezone())
        )
