"""Shared fixtures: an injected clock, a private progress directory, and user directories
redirected so no test reads or writes the real home directory."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from trainer.clock import FakeClock

#: A Monday morning, so "today" does not straddle the 4 am day rollover.
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _isolate_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("TRAINER_CACHE_DIR", raising=False)
    monkeypatch.delenv("TRAINER_PROGRESS_DIR", raising=False)
    monkeypatch.delenv("TRAINER_DECKS", raising=False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def progress_dir(tmp_path: Path) -> Path:
    path = tmp_path / "progress"
    path.mkdir()
    return path


# Property-test budgets. CI runs the "ci" profile (a few seconds in all); a deeper local
# search: HYPOTHESIS_PROFILE=deep python -m pytest tests/test_*_properties.py
import os  # noqa: E402

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "deep", max_examples=20_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
