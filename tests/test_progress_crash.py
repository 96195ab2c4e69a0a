"""kill -9 at random instants: every acknowledged answer is on disk, the files still load."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

from test_session_support import basic, clock, config, deck

from trainer.session import Collection

#: Records answers as fast as it can through the real store, printing each event id
#: once record() has returned.
CHILD = r"""
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_session_support import basic, config, deck
from trainer.clock import SystemClock
from trainer.scheduling import Grade
from trainer.session import Collection

collection = Collection.from_decks(
    [deck("d", [basic(f"c{{i}}") for i in range(3000)])], Path(sys.argv[1]),
    clock=SystemClock(), config=config(new_per_day=100000, learning_steps=()), device=sys.argv[2])
session = collection.start_session()
# One answer first: the first one of a process also imports the lock library, and the
# kills below are meant to land among answers, not in that import.
key = session.current.key
session.record(Grade.EASY)
print("ready", flush=True)
print("ack", collection.store.records[key].last_id, flush=True)
while session.current is not None:
    key = session.current.key
    session.record(Grade.EASY)
    print("ack", collection.store.records[key].last_id, flush=True)
"""


def run_child_and_kill(directory: Path, device: str, rng: random.Random) -> list[str]:
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD.format(tests=str(Path(__file__).parent)),
            str(directory),
            device,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    time.sleep(rng.uniform(0.0, 0.15))
    child.kill()  # SIGKILL: no cleanup of any kind
    child.wait()
    acked = []
    for line in child.stdout:
        if line.startswith("ack ") and line.endswith("\n"):
            acked.append(line.split()[1])
    return acked


def test_kill_9_at_random_instants_loses_no_acknowledged_answer(tmp_path: Path):
    rng = random.Random(1234)
    acked: list[str] = []
    for _ in range(20):
        acked += run_child_and_kill(tmp_path, "crashy", rng)
        # After every crash, the files load, and every acknowledged answer is there.
        collection = Collection.from_decks(
            [deck("d", [basic(f"c{i}") for i in range(3000)])],
            tmp_path,
            clock=clock(),
            config=config(),
            device="inspector",
        )
        collection.store.reload()
        recorded = {event.id for event in collection.store.all_events()}
        missing = [event_id for event_id in acked if event_id not in recorded]
        assert not missing
    assert len(acked) > 50  # the kills did land while answers were being written
    # The log holds only whole lines, apart from possibly one torn last line.
    lines = (tmp_path / "reviews-crashy.jsonl").read_bytes().split(b"\n")
    for raw in lines[:-1]:
        json.loads(raw)
    ids = [json.loads(raw).get("id") for raw in lines[1:-1]]
    assert len(ids) == len(set(ids))
