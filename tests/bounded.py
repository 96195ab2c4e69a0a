"""Run a probe in a fresh interpreter with a memory cap and a hang bound, for input that
could crash a C parser or exhaust memory: a crash then fails one test instead of the run."""

from __future__ import annotations

import resource
import subprocess
import sys

#: Address space a probe may use: far above what a deck load needs, far below the machine.
MEMORY_LIMIT_BYTES = 2 * 1024**3
#: A hang bound, not a speed assertion: a correct refusal takes a fraction of this.
HANG_BOUND_SECONDS = 120

__all__ = ["run_probe"]


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


def run_probe(code: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``python -c code args`` with ``stdin``, under the memory cap and hang bound."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=HANG_BOUND_SECONDS,
        preexec_fn=_limit_memory,
    )
