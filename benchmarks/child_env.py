"""What the benchmarks' timed child processes run with (shared by the start-up benchmarks)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child_environment() -> dict[str, str]:
    """The environment of the timed processes: bytecode cached, as for an installed program.

    With PYTHONDONTWRITEBYTECODE set (as in some shells and CI), every run would compile
    the trainer's modules from source while Textual's come precompiled from site-packages,
    charging the trainer ~40 ms no user pays. The bytecode of *every* module, Textual's
    included, goes to benchmarks/.cache/pycache, so all programs are timed alike.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(ROOT / "benchmarks" / ".cache" / "pycache")
    return env
