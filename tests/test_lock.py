"""The lock files pin a version of every package pyproject.toml asks for, inside its range:
a fresh machine installs what CI tested, and a changed range without a new lock fails here
(run ``requirements/update``)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / "requirements" / lock).read_text(encoding="utf-8")
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def wanted(*extras: str) -> list[Requirement]:
    project = PYPROJECT["project"]
    names = list(project["dependencies"]) + list(PYPROJECT["build-system"]["requires"])
    for extra in extras:
        names += project["optional-dependencies"][extra]
    return [Requirement(name) for name in names]


@pytest.mark.parametrize("lock, extras", [("run.lock", ()), ("test.lock", ("test",))])
def test_the_lock_satisfies_every_range_in_pyproject(lock: str, extras: tuple[str, ...]):
    locked = pins(lock)
    unsatisfied = [
        f"{requirement} (locked: {locked.get(canonicalize_name(requirement.name), 'none')})"
        for requirement in wanted(*extras)
        if requirement.marker is None or requirement.marker.evaluate()
        if not requirement.specifier.contains(
            locked.get(canonicalize_name(requirement.name), ""), prereleases=True
        )
    ]
    assert not unsatisfied, "run requirements/update: " + ", ".join(unsatisfied)


def test_every_pin_carries_a_hash():
    # With hashes pip runs in hash-checking mode: a package the lock forgot is refused at
    # install time instead of being resolved to whatever is newest that day.
    for lock in ("run.lock", "test.lock"):
        text = (ROOT / "requirements" / lock).read_text(encoding="utf-8")
        for block in re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2]):
            if PIN.match(block):
                assert "--hash=sha256:" in block, block.splitlines()[0]
