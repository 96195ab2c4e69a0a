"""The fault harness in CI: one seeded round of every fault kind against the real
`trainer review --jsonl` (locally: `python benchmarks/fault_harness.py --rounds N`)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HARNESS = Path(__file__).resolve().parent.parent / "benchmarks" / "fault_harness.py"


def load_harness():
    spec = importlib.util.spec_from_file_location("fault_harness", HARNESS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_no_acknowledged_answer_is_lost_nothing_corrupted_no_traceback():
    harness = load_harness()
    tallies = harness.run(rounds=1, seed=11)
    report = harness.table(tallies)
    assert set(tallies) == set(harness.KINDS), report
    for tally in tallies.values():
        assert tally.acknowledged > 0, report  # the fault met real answers
        assert tally.ok, report
