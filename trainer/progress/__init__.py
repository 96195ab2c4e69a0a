"""Local progress: append-only JSON Lines review logs, one per device, replayed into state.

See docs/progress.md for the file format and the guarantees.
"""

from trainer.progress.errors import ProgressError
from trainer.progress.events import FORMAT, Event
from trainer.progress.replay import CardRecord, replay
from trainer.progress.store import ProgressStore

__all__ = ["FORMAT", "CardRecord", "Event", "ProgressError", "ProgressStore", "replay"]
