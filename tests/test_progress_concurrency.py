"""Two instances studying at once (same device, same log file) lose no answer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from test_session_support import basic, clock, config, deck

from trainer.session import Collection

ANSWERS = 150

CHILD = r"""
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_session_support import basic, config, deck
from trainer.clock import SystemClock
from trainer.scheduling import Grade
from trainer.session import Collection

collection = Collection.from_decks(
    [deck("d", [basic(f"c{{i}}") for i in range(400)])], Path(sys.argv[1]),
    clock=SystemClock(), config=config(new_per_day=100000, learning_steps=()), device="shared")
print("ready", flush=True)
sys.stdin.readline()  # start together
session = collection.start_session()
for _ in range({answers}):
    key = session.current.key
    session.record(Grade.EASY)
    print("ack", collection.store.records[key].last_id, flush=True)
"""


def test_two_processes_appending_to_one_log_lose_nothing(tmp_path: Path):
    script = CHILD.format(tests=str(Path(__file__).parent), answers=ANSWERS)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for child in children:
        assert child.stdout.readline().strip() == "ready"
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    acked = []
    for child in children:
        out, _ = child.communicate(timeout=60)
        assert child.returncode == 0
        acked += [line.split()[1] for line in out.splitlines() if line.startswith("ack ")]
    assert len(acked) == 2 * ANSWERS
    lines = (tmp_path / "reviews-shared.jsonl").read_bytes().splitlines()
    events = [json.loads(line) for line in lines[1:]]
    assert sorted(e["id"] for e in events) == sorted(acked)
    collection = Collection.from_decks(
        [deck("d", [basic(f"c{i}") for i in range(400)])],
        tmp_path,
        clock=clock(),
        config=config(),
        device="inspector",
    )
    assert collection.warnings == []
    reps = sum(collection.state(f"d/c{i}").reps for i in range(400))
    assert reps == 2 * ANSWERS
