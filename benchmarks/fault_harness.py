"""Fault harness: drive the real ``trainer review --jsonl`` through faults, count losses.

Each round runs every fault kind once, with parameters drawn from a seeded generator, in
fresh progress directories:

* ``kill -9``: a session killed (SIGKILL) at a random instant after its first answer,
  then a new one goes on (the instants are wall-clock: a seed fixes the parameters, not
  the timing);
* ``replace while running``: a sync tool's rename-over of the live log with a stale copy,
  or its deletion (and a stale copy put back), between answers;
* ``truncation``: the log ends in a torn line (a prefix of a real one, as a crash in the
  middle of a write leaves) before and while sessions run;
* ``full disk``: the progress directory on a 64 KiB tmpfs mounted for the run (root
  only), filled up while answering, then freed; without root, the session runs under
  ``RLIMIT_FSIZE`` instead (writes beyond the limit fail with EFBIG, not ENOSPC: the
  table says which one ran);
* ``several instances``: three sessions of one device answering at once;
* ``damaged files``: garbage lines, bad values, an empty log and a dangling symlink
  among the logs before a session;
* ``protocol garbage``: random bytes, deep nesting, NaN, lone surrogates, wrong types
  between the real requests;
* ``two-device sync``: two devices study overlapping cards and ``trainer sync`` through
  a local bare git repository, in random order.

An answer is *acknowledged* when its ``grade`` response was read. After each round every
acknowledged answer must be in the log file of its device (on every device, for sync),
no complete line written by trainer may fail to parse (*corrupt files*), and no process
may print a traceback or a line that is not JSON. Exit status 1 if any check failed.

    python benchmarks/fault_harness.py --rounds 20 --seed 7
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trainer.progress.events import BadLine, parse_event, parse_header  # noqa: E402

CARDS = 40
DECK = "format: 1\nid: f\ntitle: Faults\ncards:\n" + "".join(
    f"  - {{id: c{i}, type: basic, front: F{i}, back: B{i}}}\n" for i in range(CARDS)
)
GARBAGE = [
    b"\xff\xfe\x00garbage",
    b"[" * 50_000,
    b'{"cmd": "answer", "duration": NaN}',
    b'{"cmd": "next", "id": "\\ud800"}',
    b'{"cmd": "grade", "grade": true}',
    b"null",
    b'{"cmd": 7}',
    b'{"cmd": "answer", "duration": 1e308}',
    b'"next"',
    b"{}",
    b'{"cmd": "grade", "grade": 9}',
    b'{"cmd": "undo", "extra": [1, 2, {"x": null}]}',
]
DAMAGE = [
    b"{garbage}\n",
    b'{"ev": "review", "id": "x1", "key": "f/c1", "time": "9999-12-31T00:00:00+00:00"}\n',
    b'{"ev": "review", "id": "x2", "key": "f/c2", "time": "2026-03-02T09:00:00+00:00", '
    b'"grade": true, "after": {"state": "review", "stability": 0}}\n',
    b"\x00\x01\x02\n",
    b'{"ev": "review", "id": "x3", "key": "f/c3", "time": "2026-03-02T09:00:00+00:00", '
    b'"grade": 3, "after": {"state": "review", "step": null, "stability": NaN, '
    b'"difficulty": 5, "due": "2026-03-05T09:00:00+00:00", "reps": 1, "lapses": 0}}\n',
]


@dataclass
class Tally:
    """One fault kind's totals over the rounds."""

    rounds: int = 0
    seconds: float = 0.0
    acknowledged: int = 0
    found: int = 0
    corrupt_files: int = 0
    tracebacks: int = 0
    notes: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return self.found == self.acknowledged and not self.corrupt_files and not self.tracebacks


class Client:
    """One ``trainer review --jsonl`` process; collects acknowledged event ids."""

    def __init__(
        self, work: Path, progress: Path, device: str, preexec: Callable[[], None] | None = None
    ) -> None:
        # Held open for the child's whole life and read in finish(): no `with` block.
        self.stderr = tempfile.TemporaryFile(dir=work)  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "trainer",
                "review",
                "--jsonl",
                str(work / "deck.yaml"),
                "--progress",
                str(progress),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            cwd=ROOT,
            env=dict(
                os.environ,
                TRAINER_DEVICE=device,
                TRAINER_CACHE_DIR=str(work / "cache"),
                TRAINER_CONFIG=str(work / "config.toml"),
            ),
            preexec_fn=preexec,
        )
        self.acked: list[str] = []
        self.bad_output = 0
        self.alive = True

    def send(self, raw: bytes) -> dict | None:
        """One request line, one response (``None`` once the process is gone)."""
        if not self.alive:
            return None
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(raw + b"\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        except (BrokenPipeError, OSError):
            line = b""
        if not line:
            self.alive = False
            return None
        try:
            response = json.loads(line)
        except ValueError:
            self.bad_output += 1
            return None
        recorded = response.get("recorded") if isinstance(response, dict) else None
        if recorded:
            self.acked.append(recorded["id"])
        return response

    def answer(
        self,
        count: int,
        rng: random.Random,
        between: Callable[[], None] = lambda: None,
        garbage: bool = False,
    ) -> None:
        for _ in range(count):
            card = self.send(b'{"cmd": "next"}')
            if not card or not card.get("card"):
                return
            if garbage:
                for raw in rng.sample(GARBAGE, 2):
                    self.send(raw)
            self.send(b'{"cmd": "answer"}')
            self.send(json.dumps({"cmd": "grade", "grade": rng.choice([1, 3, 4])}).encode())
            between()

    def finish(self) -> int:
        """End the session; returns how many tracebacks or non-JSON lines it produced."""
        if self.alive:
            self.send(b'{"cmd": "end"}')
        with contextlib.suppress(OSError):
            self.process.stdin.close()  # type: ignore[union-attr]
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.seek(0)
        errors = self.stderr.read().count(b"Traceback")
        return errors + self.bad_output


# -- checks ---------------------------------------------------------------------------------


def logged_ids(progress: Path) -> set[str]:
    ids: set[str] = set()
    for log in progress.glob("reviews-*.jsonl"):
        try:
            data = log.read_bytes()
        except OSError:
            continue
        for line in data.split(b"\n"):
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and isinstance(event.get("id"), str):
                ids.add(event["id"])
    return ids


def corrupt_files(progress: Path, injected: set[bytes]) -> int:
    """Logs with a complete line that trainer wrote and that does not parse."""
    count = 0
    for log in progress.glob("reviews-*.jsonl"):
        try:
            data = log.read_bytes()
        except OSError:
            continue
        lines = data[: data.rfind(b"\n") + 1].split(b"\n")[:-1]
        for number, line in enumerate(lines, 1):
            if line + b"\n" in injected or not line.strip():
                continue
            try:
                if number == 1:
                    parse_header(line)
                else:
                    parse_event(line, "x", (log.name, number))
            except BadLine:
                if number == 1:
                    try:
                        parse_event(line, "x", (log.name, 1))
                        continue
                    except BadLine:
                        pass
                count += 1
                break
    return count


# -- the fault kinds ------------------------------------------------------------------------


def kill_9(
    work: Path, rng: random.Random, tally: Tally
) -> tuple[list[Path], list[str], set[bytes], int]:
    progress, acked, problems = work / "p", [], 0
    for _ in range(2):
        client = Client(work, progress, "dev")
        client.answer(1, rng)  # started (however loaded the machine): now kill among answers
        timer = threading.Timer(rng.uniform(0.0, 0.5), client.process.kill)
        timer.start()
        client.answer(60, rng)
        timer.cancel()
        problems += client.finish()
        acked += client.acked
    return [progress], acked, set(), problems


def replace_while_running(work: Path, rng: random.Random, tally: Tally):
    progress = work / "p"
    client = Client(work, progress, "dev")
    log = progress / "reviews-dev.jsonl"
    stale: list[bytes] = []

    def fault() -> None:
        if not log.exists():
            return
        roll = rng.random()
        if roll < 0.3:
            stale.append(log.read_bytes())
        elif roll < 0.6 and stale:
            temporary = progress / ".sync-tool.tmp"
            temporary.write_bytes(rng.choice(stale))
            os.replace(temporary, log)
        elif roll < 0.75:
            log.unlink()
            if stale and rng.random() < 0.5:
                log.write_bytes(rng.choice(stale))

    client.answer(rng.randint(8, 20), rng, between=fault)
    problems = client.finish()
    return [progress], client.acked, set(), problems


def truncation(work: Path, rng: random.Random, tally: Tally):
    progress, acked, problems = work / "p", [], 0
    log = progress / "reviews-dev.jsonl"
    for _ in range(2):
        client = Client(work, progress, "dev")

        def tear() -> None:
            if rng.random() < 0.3 and log.exists():
                lines = log.read_bytes().splitlines(keepends=True)
                if len(lines) > 1:
                    torn = rng.choice(lines[1:])
                    with open(log, "ab") as handle:
                        handle.write(torn[: rng.randint(1, len(torn) - 2)])

        client.answer(rng.randint(4, 10), rng, between=tear)
        problems += client.finish()
        acked += client.acked
        tear()
    return [progress], acked, set(), problems


def _tmpfs(path: Path) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(path)], capture_output=True
    )
    return done.returncode == 0


def full_disk(work: Path, rng: random.Random, tally: Tally):
    mount = work / "small"
    mounted = _tmpfs(mount)
    progress = mount / "p"
    progress.mkdir(parents=True)
    try:
        if mounted:
            tally.notes.add("64 KiB tmpfs")
            filler = mount / "filler"
            filler.write_bytes(b"x" * rng.randint(40_000, 56_000))
            client = Client(work, progress, "dev")

            def fill() -> None:
                if rng.random() < 0.3:
                    try:
                        with open(filler, "ab") as handle:
                            handle.write(b"x" * 8192)
                    except OSError:
                        pass

            client.answer(rng.randint(10, 25), rng, between=fill)
            filler.unlink()  # space again: the same session goes on
            client.answer(3, rng)
        else:
            tally.notes.add("RLIMIT_FSIZE (EFBIG)")
            limit = rng.randint(3000, 6000)

            def limit_file_size() -> None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

            client = Client(work, progress, "dev", preexec=limit_file_size)
            client.answer(rng.randint(15, 30), rng)
        problems = client.finish()
        leftovers = sorted(p.name for p in progress.rglob("*.tmp"))
        if leftovers:  # a full disk must not be filled further by our own litter
            tally.notes.add("temporary files left: " + ", ".join(leftovers))
            problems += len(leftovers)
        kept = work / "p-full"
        shutil.copytree(progress, kept, symlinks=True)
    finally:
        if mounted:
            subprocess.run(["umount", str(mount)], capture_output=True)
    return [kept], client.acked, set(), problems


def several_instances(work: Path, rng: random.Random, tally: Tally):
    progress = work / "p"
    clients = [Client(work, progress, "dev") for _ in range(3)]
    threads = [
        threading.Thread(target=c.answer, args=(rng.randint(5, 12), random.Random(rng.random())))
        for c in clients
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    problems = sum(c.finish() for c in clients)
    return [progress], [i for c in clients for i in c.acked], set(), problems


def damaged_files(work: Path, rng: random.Random, tally: Tally):
    progress = work / "p"
    progress.mkdir()
    injected = set(rng.sample(DAMAGE, 3))
    other = progress / "reviews-other.jsonl"
    other.write_bytes(
        b'{"format": 1, "kind": "trainer-progress", "device": "other"}\n' + b"".join(injected)
    )
    (progress / "reviews-empty.jsonl").write_bytes(b"")
    (progress / "reviews-gone.jsonl").symlink_to(progress / "nowhere" / "x.jsonl")
    acked, problems = [], 0
    for _ in range(2):
        client = Client(work, progress, "dev")
        client.answer(rng.randint(3, 8), rng)
        problems += client.finish()
        acked += client.acked
        with open(progress / "reviews-dev.jsonl", "ab") as handle:  # damage our own log too
            line = rng.choice(DAMAGE)
            handle.write(line)
            injected.add(line)
    return [progress], acked, injected, problems


def protocol_garbage(work: Path, rng: random.Random, tally: Tally):
    progress = work / "p"
    client = Client(work, progress, "dev")
    client.answer(rng.randint(5, 12), rng, garbage=True)
    return [progress], client.acked, set(), client.finish()


def two_device_sync(work: Path, rng: random.Random, tally: Tally):
    remote = work / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    devices = {"laptop": work / "laptop", "phone": work / "phone"}
    acked, problems = [], 0

    def run_sync(device: str, *extra: str) -> None:
        nonlocal problems
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "trainer",
                "sync",
                *extra,
                str(work / "deck.yaml"),
                "--progress",
                str(devices[device]),
            ],
            capture_output=True,
            cwd=ROOT,
            timeout=120,
            env=dict(
                os.environ,
                TRAINER_DEVICE=device,
                TRAINER_CACHE_DIR=str(work / "cache"),
                TRAINER_CONFIG=str(work / "config.toml"),
            ),
        )
        problems += done.stderr.count(b"Traceback") + (done.returncode != 0)

    order = list(devices)
    rng.shuffle(order)  # which device sets up first
    for device in order:
        client = Client(work, devices[device], device)
        client.answer(rng.randint(3, 8), rng)  # the same new cards on both: overlap
        problems += client.finish()
        acked += client.acked
        run_sync(device, "--init", str(remote))
    rng.shuffle(order)  # then one studies more and syncs, and the other syncs
    client = Client(work, devices[order[0]], order[0])
    client.answer(rng.randint(1, 4), rng)
    problems += client.finish()
    acked += client.acked
    run_sync(order[0])
    run_sync(order[1])
    return list(devices.values()), acked, set(), problems


KINDS: dict[str, Callable] = {
    "kill -9": kill_9,
    "replace while running": replace_while_running,
    "truncation": truncation,
    "full disk": full_disk,
    "several instances": several_instances,
    "damaged files": damaged_files,
    "protocol garbage": protocol_garbage,
    "two-device sync": two_device_sync,
}


def run(rounds: int, seed: int, kinds: list[str] | None = None) -> dict[str, Tally]:
    rng = random.Random(seed)
    tallies = {name: Tally() for name in (kinds or KINDS)}
    for _ in range(rounds):
        for name, tally in tallies.items():
            with tempfile.TemporaryDirectory(prefix="faults-") as temporary:
                work = Path(temporary)
                started = time.monotonic()
                (work / "deck.yaml").write_text(DECK)
                (work / "config.toml").write_text(
                    "[scheduling]\nnew_per_day = 1000\nlearning_steps = [1]\n"
                )
                directories, acked, injected, problems = KINDS[name](work, rng, tally)
                present = set.intersection(*(logged_ids(d) for d in directories))
                tally.rounds += 1
                tally.acknowledged += len(acked)
                tally.found += len(set(acked) & present)
                tally.corrupt_files += sum(corrupt_files(d, injected) for d in directories)
                tally.tracebacks += problems
                tally.seconds += time.monotonic() - started
    return tallies


def table(tallies: dict[str, Tally]) -> str:
    rows = [
        ("fault", "rounds", "acknowledged", "found", "corrupt files", "tracebacks", "seconds", "")
    ]
    for name, t in tallies.items():
        rows.append(
            (
                name,
                str(t.rounds),
                str(t.acknowledged),
                str(t.found),
                str(t.corrupt_files),
                str(t.tracebacks),
                f"{t.seconds:.1f}",
                "; ".join(sorted(t.notes)),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i in (0, 7) else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths))
        ).rstrip()
        for row in rows
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every fault kind")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--kind", action="append", choices=list(KINDS), help="only this fault kind (repeatable)"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    tallies = run(args.rounds, args.seed, args.kind)
    print(table(tallies))
    print(f"seed {args.seed}, {time.monotonic() - started:.1f} s")
    return 0 if all(t.ok for t in tallies.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
