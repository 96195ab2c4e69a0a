"""Where the trainer keeps things: progress files, the config file, this device's id,
caches.

Every location can be overridden (flag or environment variable) so tests never touch the
real home directory.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "trainer"


def checkout_root() -> Path | None:
    """The source checkout the package runs from, or ``None`` when installed.

    A checkout is recognised by ``pyproject.toml`` and ``decks/`` next to the package.
    """
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "decks").is_dir():
        return root
    return None


def progress_dir(override: Path | None = None) -> Path:
    """The progress directory: ``--progress DIR``, else ``$TRAINER_PROGRESS_DIR``, else
    ``progress/`` of the checkout when running from one, else the user data directory."""
    if override is not None:
        return Path(override).expanduser()
    env = os.environ.get("TRAINER_PROGRESS_DIR")
    if env:
        return Path(env).expanduser()
    root = checkout_root()
    if root is not None:
        return root / "progress"
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / "progress"


def config_dir() -> Path:
    """The user config directory (holds config.toml and the device id)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    """The global config file: ``$TRAINER_CONFIG``, else ``config.toml`` in the config dir."""
    env = os.environ.get("TRAINER_CONFIG")
    if env:
        return Path(env).expanduser()
    return config_dir() / "config.toml"


def theme_file() -> Path:
    """Where the colour theme chosen last is kept: ``theme`` beside the config file (so
    ``$TRAINER_CONFIG`` moves it too)."""
    return config_file().parent / "theme"


def cache_dir() -> Path:
    """The user cache directory (derived files only: safe to delete, never synced):
    ``$TRAINER_CACHE_DIR``, else the platform's (``~/.cache/trainer`` on Linux)."""
    env = os.environ.get("TRAINER_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP_NAME, appauthor=False))


def device_id_file() -> Path:
    """Where this machine's random device id is stored, once (never in the progress dir,
    which may be synced to other machines)."""
    return config_dir() / "device-id"
