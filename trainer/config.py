"""The global config file (TOML): scheduling defaults for every deck.

Example ``config.toml``::

    [scheduling]
    desired_retention = 0.85
    learning_steps = [1, 10]      # minutes
    new_per_day = 30
    fast_seconds = 4

Unknown keys under ``[scheduling]`` are errors (a typo must not be silently ignored);
other top-level tables are kept in :attr:`Config.extra` for other parts of the program.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from msgspec import Struct, field
from msgspec.structs import replace

from trainer.scheduling import SchedulerSettings


class ConfigError(Exception):
    """The config file is invalid; the message names the file and the key."""

    def __init__(self, path: Path, key: str | None, message: str) -> None:
        where = f"{path}: {key}" if key else str(path)
        super().__init__(f"{where}: {message}")
        self.path = path
        self.key = key


class Config(Struct, frozen=True):
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    #: Where it was read from (``None``: built-in defaults).
    path: Path | None = None
    #: Top-level tables this module does not own, as read.
    extra: dict[str, Any] = field(default_factory=dict)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check(name: str, value: Any) -> Any:
    """Validated value for setting ``name``, or raise ValueError with what is expected."""
    if name == "desired_retention":
        if not _number(value) or not 0.7 <= value <= 0.99:
            raise ValueError("must be a number from 0.7 to 0.99")
        return float(value)
    if name in ("learning_steps", "relearning_steps"):
        if not isinstance(value, list) or not all(_number(v) and v > 0 for v in value):
            raise ValueError("must be a list of positive numbers of minutes, e.g. [1, 10]")
        return tuple(float(v) for v in value)
    if name in ("maximum_interval", "new_per_day", "reviews_per_day", "leech_lapses"):
        minimum = 1 if name in ("maximum_interval", "leech_lapses") else 0
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise ValueError(f"must be a whole number of at least {minimum}")
        return value
    if name == "enable_fuzzing":
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if name == "day_rollover_hour":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 23:
            raise ValueError("must be a whole hour from 0 to 23")
        return value
    if name in ("fast_seconds", "slow_seconds"):
        if not _number(value) or value < 0:
            raise ValueError("must be a number of seconds, 0 or more")
        return float(value)
    if name == "parameters":
        if not isinstance(value, list) or len(value) != 21 or not all(_number(v) for v in value):
            raise ValueError("must be a list of 21 numbers (fitted FSRS weights)")
        return tuple(float(v) for v in value)
    raise KeyError(name)


_SETTING_NAMES = SchedulerSettings.__struct_fields__


def parse_config(data: dict[str, Any], path: Path) -> Config:
    """Build a :class:`Config` from parsed TOML ``data`` read from ``path``."""
    extra = {k: v for k, v in data.items() if k != "scheduling"}
    section = data.get("scheduling", {})
    if not isinstance(section, dict):
        raise ConfigError(path, "scheduling", "must be a table: write [scheduling] on its own line")
    values: dict[str, Any] = {}
    for name, value in section.items():
        if name not in _SETTING_NAMES:
            known = ", ".join(_SETTING_NAMES)
            raise ConfigError(path, f"scheduling.{name}", f"unknown setting (known: {known})")
        try:
            values[name] = _check(name, value)
        except ValueError as error:
            raise ConfigError(path, f"scheduling.{name}", str(error)) from None
    settings = replace(SchedulerSettings(), **values)
    if settings.fast_seconds > settings.slow_seconds:
        raise ConfigError(
            path, "scheduling.fast_seconds", "must not be more than scheduling.slow_seconds"
        )
    if settings.parameters is not None:
        try:
            from trainer.scheduling import Scheduler

            Scheduler(settings)
        except ValueError as error:
            raise ConfigError(path, "scheduling.parameters", str(error)) from None
    return Config(scheduler=settings, path=path, extra=extra)


def load_config(path: Path | None = None) -> Config:
    """Read the config file (default: :func:`trainer.locations.config_file`).

    A missing file means the defaults. Raises :class:`ConfigError` for an unreadable or
    invalid one.
    """
    from trainer.locations import config_file

    path = config_file() if path is None else path
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as error:
        raise ConfigError(path, None, f"cannot be read: {error.strerror}") from None
    import tomllib  # only when there is a file: most start-ups have none

    try:
        data = tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(path, None, "is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, None, f"is not valid TOML: {error}") from None
    return parse_config(data, path)
