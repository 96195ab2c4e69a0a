"""The public API (docs/api.md): its example runs as written, `import trainer` stays
cheap, every documented name resolves, and the package says it is typed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import trainer

ROOT = Path(__file__).resolve().parent.parent


def doc_example() -> str:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 1, "docs/api.md has one runnable example"
    return blocks[0]


def test_the_example_in_the_api_doc_runs_as_written(tmp_path: Path):
    completed = subprocess.run(
        [sys.executable, "-c", doc_example()],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0] == "correct: True expected: Paris"
    assert lines[2] == "reps of geo/fr: 1"
    assert lines[3].startswith("read-only: ") and "opened read-only" in lines[3]
    assert lines[4].startswith("state: review interval days: ")


def test_importing_trainer_imports_nothing_else_until_a_name_is_used():
    code = """
import json, sys
before = set(sys.modules)
import trainer
after = sorted(set(sys.modules) - before)
trainer.Grade
print(json.dumps([after, "trainer.scheduling" in sys.modules, "yaml" in sys.modules]))
"""
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    imported, scheduling, yaml = json.loads(completed.stdout)
    assert [name for name in imported if name.startswith("trainer")] == ["trainer"]
    assert scheduling and not yaml


def test_every_public_name_resolves_and_nothing_else_does():
    assert len(trainer.__all__) <= 12
    assert sorted(trainer.__all__) == sorted([*trainer._PUBLIC, "__version__"])
    for name in trainer.__all__:
        assert getattr(trainer, name) is not None
        assert name in dir(trainer)
    assert trainer.Collection.__module__ == "trainer.collection"
    try:
        trainer.nothing  # noqa: B018
    except AttributeError as error:
        assert "nothing" in str(error)
    else:
        raise AssertionError("an unknown name must raise AttributeError")


def test_the_package_ships_its_typing_marker():
    assert (ROOT / "trainer" / "py.typed").is_file()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in project["tool"]["setuptools"]["package-data"]["trainer"]
