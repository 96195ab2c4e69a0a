"""`trainer sync` with real git: two progress directories and a local bare repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from test_session_support import basic, clock, config, deck

from trainer.clock import FakeClock
from trainer.exitcodes import ExitCode
from trainer.scheduling import Grade
from trainer.session import Collection
from trainer.sync import SyncError, init, sync

ROOT = Path(__file__).resolve().parent.parent
CARDS = 12


def git(directory: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(directory), *args], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    path = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return path


def open_device(directory: Path, device: str, fake: FakeClock) -> Collection:
    return Collection.from_decks(
        [deck("d", [basic(f"c{i}") for i in range(CARDS)])],
        directory,
        clock=fake,
        config=config(new_per_day=100, learning_steps=()),
        device=device,
    )


def study(directory: Path, device: str, fake: FakeClock, card_ids: list[str]) -> list[str]:
    """Answer the cards ``card_ids`` (Good, a minute apart); the acknowledged event ids."""
    collection = Collection.from_decks(
        [deck("d", [basic(c) for c in card_ids])],
        directory,
        clock=fake,
        config=config(new_per_day=100, learning_steps=()),
        device=device,
    )
    session = collection.start_session()
    acked = []
    while session.current is not None:
        key = session.current.key
        session.record(Grade.GOOD)
        acked.append(collection.store.records[key].last_id)
        fake.advance(timedelta(minutes=1))
    collection.close()
    assert len(acked) == len(card_ids)
    return acked


def event_ids(directory: Path) -> set[str]:
    ids = set()
    for log in directory.glob("reviews-*.jsonl"):
        for line in log.read_bytes().splitlines():
            obj = json.loads(line)
            if "ev" in obj:
                ids.add(obj["id"])
    return ids


def states(directory: Path, device: str, fake: FakeClock) -> dict:
    collection = open_device(directory, device, fake)
    collection.store.reload()
    return {f"d/c{i}": collection.state(f"d/c{i}") for i in range(CARDS)}


@pytest.mark.parametrize("first", ["laptop", "phone"])
def test_two_devices_studying_overlapping_cards_end_with_every_answer(
    tmp_path: Path, remote: Path, first: str
):
    fake = clock()
    dirs = {"laptop": tmp_path / "laptop", "phone": tmp_path / "phone"}
    second = "phone" if first == "laptop" else "laptop"
    acked = study(dirs[first], first, fake, ["c0", "c1", "c2", "c3"])
    init(dirs[first], str(remote), first)
    # The second device studies some of the same cards before it ever synced.
    acked += study(dirs[second], second, fake, ["c2", "c3", "c4", "c5"])
    assert init(dirs[second], str(remote), second).received == {first: 4}
    acked += study(dirs[first], first, fake, ["c6", "c7"])
    acked += study(dirs[second], second, fake, ["c8"])
    assert sync(dirs[second], second).received == {}
    assert sync(dirs[first], first).received == {second: 5}
    assert sync(dirs[second], second).received == {first: 2}
    for directory in dirs.values():
        assert set(acked) <= event_ids(directory)
    assert states(dirs["laptop"], "laptop", fake) == states(dirs["phone"], "phone", fake)
    assert states(dirs["laptop"], "laptop", fake)["d/c3"].reps == 2
    # Only the logs and the .gitignore are ever committed; snapshots stay local.
    tracked = set(git(remote, "ls-tree", "-r", "--name-only", "main").split())
    assert tracked == {".gitignore", "reviews-laptop.jsonl", "reviews-phone.jsonl"}
    assert (dirs[first] / f".snapshot-{first}.marshal").exists()


def test_each_device_commits_only_its_own_log(tmp_path: Path, remote: Path):
    fake = clock()
    laptop, phone = tmp_path / "laptop", tmp_path / "phone"
    study(laptop, "laptop", fake, ["c0"])
    init(laptop, str(remote), "laptop")
    init(phone, str(remote), "phone")
    with (phone / "reviews-laptop.jsonl").open("ab") as handle:
        handle.write(b"# changed on the phone by mistake\n")
    study(phone, "phone", fake, ["c1"])
    with pytest.raises(SyncError, match="merge"):
        study(laptop, "laptop", fake, ["c2"])
        sync(laptop, "laptop")
        sync(phone, "phone")  # the laptop's log changed on both sides: refused, undone
    authors = git(remote, "log", "main", "--format=%s", "--", "reviews-laptop.jsonl").split("\n")
    assert all("laptop" in subject for subject in authors if subject)
    assert b"by mistake" in (phone / "reviews-laptop.jsonl").read_bytes()  # nothing lost


def test_files_committed_by_mistake_are_untracked_but_kept(tmp_path: Path, remote: Path):
    fake = clock()
    laptop = tmp_path / "laptop"
    study(laptop, "laptop", fake, ["c0"])
    init(laptop, str(remote), "laptop")
    git(laptop, "add", "-f", ".snapshot-laptop.marshal")
    git(laptop, "commit", "-q", "-m", "oops")
    report = sync(laptop, "laptop")
    assert report.untracked == [".snapshot-laptop.marshal"]
    assert (laptop / ".snapshot-laptop.marshal").exists()
    assert ".snapshot-laptop.marshal" not in git(remote, "ls-tree", "-r", "--name-only", "main")


def test_an_unreachable_remote_loses_nothing_and_the_next_sync_sends_it(
    tmp_path: Path, remote: Path
):
    fake = clock()
    laptop = tmp_path / "laptop"
    init(laptop, str(remote), "laptop")
    acked = study(laptop, "laptop", fake, ["c0", "c1"])
    remote.rename(tmp_path / "away.git")
    with pytest.raises(SyncError, match=r"Could not reach .*answers are safe"):
        sync(laptop, "laptop")
    assert set(acked) <= event_ids(laptop)
    (tmp_path / "away.git").rename(remote)
    assert sync(laptop, "laptop").pushed
    pushed = git(remote, "show", "main:reviews-laptop.jsonl")
    assert all(event_id in pushed for event_id in acked)


def test_a_remote_that_refuses_the_push_loses_nothing(tmp_path: Path, remote: Path):
    fake = clock()
    laptop = tmp_path / "laptop"
    init(laptop, str(remote), "laptop")
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'read-only mirror' >&2\nexit 1\n")
    hook.chmod(0o755)
    acked = study(laptop, "laptop", fake, ["c0"])
    with pytest.raises(SyncError, match="refused the push"):
        sync(laptop, "laptop")
    hook.unlink()
    assert sync(laptop, "laptop").pushed
    assert acked[0] in git(remote, "show", "main:reviews-laptop.jsonl")


def test_the_command_says_what_to_do_and_what_came_in(tmp_path: Path, remote: Path):
    deck_file = tmp_path / "geo.yaml"
    deck_file.write_text(
        "format: 1\nid: geo\ntitle: G\ncards:\n  - {id: a, type: basic, front: A, back: a}\n"
    )

    def trainer(device: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "trainer",
                *args,
                str(deck_file),
                "--progress",
                str(tmp_path / device),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
            input=stdin,
            env=dict(os.environ, TRAINER_DEVICE=device),
        )

    not_set_up = trainer("laptop", "sync")
    assert not_set_up.returncode == ExitCode.SYNC
    assert "sync --init URL" in not_set_up.stderr and "Traceback" not in not_set_up.stderr
    trainer("laptop", "review", "--jsonl", stdin='{"cmd":"answer"}\n{"cmd":"grade"}\n')
    first = trainer("laptop", "sync", "--init", str(remote))
    assert first.returncode == ExitCode.OK, first.stderr
    assert "sent 1 answer from this device (laptop)" in first.stdout
    second = trainer("phone", "sync", "--init", str(remote))
    assert "received 1 answer from laptop" in second.stdout
    gone = trainer("phone", "sync", "--init", str(tmp_path / "nowhere.git"))
    assert gone.returncode == ExitCode.SYNC and "Could not reach" in gone.stderr


def test_a_lock_file_left_by_a_crashed_git_is_named_with_what_to_do(tmp_path: Path, remote: Path):
    fake = clock()
    laptop = tmp_path / "laptop"
    init(laptop, str(remote), "laptop")
    acked = study(laptop, "laptop", fake, ["c0"])
    stale = laptop / ".git" / "index.lock"
    stale.touch()
    with pytest.raises(SyncError) as raised:
        sync(laptop, "laptop")
    assert str(stale) in str(raised.value) and "delete that file" in str(raised.value)
    stale.unlink()
    assert sync(laptop, "laptop").pushed
    assert acked[0] in git(remote, "show", "main:reviews-laptop.jsonl")


def test_another_devices_log_edited_here_gets_the_command_that_puts_it_back(
    tmp_path: Path, remote: Path
):
    fake = clock()
    laptop, phone = tmp_path / "laptop", tmp_path / "phone"
    init(laptop, str(remote), "laptop")
    study(laptop, "laptop", fake, ["c0"])
    sync(laptop, "laptop")
    init(phone, str(remote), "phone")
    study(laptop, "laptop", fake, ["c1"])
    sync(laptop, "laptop")
    edited = phone / "reviews-laptop.jsonl"
    edited.write_bytes(edited.read_bytes() + b"\n")  # an editor touched the other's log
    with pytest.raises(SyncError) as raised:
        sync(phone, "phone")
    message = str(raised.value)
    assert "reviews-laptop.jsonl was changed on this device" in message
    assert "stash" not in message
    command = message.split("`")[1]  # the advice, run as given
    subprocess.run(command, shell=True, check=True)
    sync(phone, "phone")
    assert event_ids(phone) == event_ids(laptop)


def test_two_syncs_of_one_directory_at_once_both_finish(tmp_path: Path, remote: Path):
    from concurrent.futures import ThreadPoolExecutor

    fake = clock()
    laptop = tmp_path / "laptop"
    init(laptop, str(remote), "laptop")
    acked = study(laptop, "laptop", fake, ["c0", "c1"])
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda _: sync(laptop, "laptop"), range(2)))
    assert all(report.pushed for report in reports)
    assert all(event_id in git(remote, "show", "main:reviews-laptop.jsonl") for event_id in acked)
