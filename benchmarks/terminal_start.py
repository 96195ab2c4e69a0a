"""Time a program in a real pseudo-terminal, from process start until a text is on the
terminal: what a user waits for. The program's own teardown is not counted (it is killed
once the text shows), so a bare app's interpreter shutdown does not flatter anyone.

Beside the wall-clock time, the CPU time the program used until then (all its threads,
from the kernel's scheduler statistics): on a machine shared with other work the wall
clock also counts the time the program waited for a CPU, the CPU time mostly does not.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

__all__ = ["Startup", "measure_until_text"]

#: Escape sequences (CSI, OSC, two-character ESC codes): what remains is the text drawn.
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
#: A program that never draws the text fails the run instead of hanging it.
_GIVE_UP_SECONDS = 30.0


class Startup(NamedTuple):
    """One start: seconds of wall clock and of CPU (``None``: no scheduler statistics)."""

    wall: float
    cpu: float | None


def _cpu_seconds(pid: int) -> float | None:
    """CPU time of every live thread of ``pid`` (``/proc/PID/task/*/schedstat``)."""
    total = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
    except OSError:
        return None
    return total / 1e9 if total else None


def measure_until_text(
    command: Sequence[str],
    text: str,
    *,
    cwd: Path,
    env: dict[str, str],
    size: tuple[int, int] = (100, 30),
    give_up_seconds: float = _GIVE_UP_SECONDS,
) -> Startup:
    """Seconds from starting ``command`` in a ``size`` (columns, rows) terminal until
    ``text`` appears in what it wrote, escape sequences aside (a run that takes longer
    than ``give_up_seconds`` fails)."""
    master, slave = os.openpty()
    columns, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {**env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)}
    wanted = text.encode()
    start = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 1 << 16)
                except OSError:  # the program exited and closed the terminal
                    chunk = b""
                if not chunk:
                    raise RuntimeError(
                        f"{command[0]} ended before drawing {text!r}: "
                        f"{_ESCAPES.sub(b'', seen)[-300:]!r}"
                    )
                seen += chunk
                if wanted in _ESCAPES.sub(b"", seen):
                    wall = time.perf_counter() - start
                    return Startup(wall, _cpu_seconds(process.pid))
            if time.perf_counter() - start > give_up_seconds:
                raise RuntimeError(f"{text!r} never appeared: {_ESCAPES.sub(b'', seen)[-300:]!r}")
    finally:
        with contextlib.suppress(ProcessLookupError):  # it may have exited already
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        os.close(master)
