"""Syncing the progress directory through any git remote (``trainer sync``).

Each device appends only to its own ``reviews-<device>.jsonl``, so the one file a device
commits is one no other device changes: merges never conflict, and the union of the logs
is everyone's progress. A sync commits this device's log (nothing else: a ``.gitignore``
keeps snapshots, locks, quarantine copies and caches out, and anything else found
tracked is untracked again), fetches and merges what the other devices pushed, pushes,
and says what came in. When the remote cannot be reached or refuses, the commit stays
local and nothing is lost: the next sync sends it.

Git runs with ``GIT_TERMINAL_PROMPT=0`` (a sync never hangs on a password prompt; use an
SSH key or a credential helper) and the C locale (its messages are quoted to the user).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from msgspec import Struct, field

from trainer.progress.logfile import LogLock

__all__ = ["GITIGNORE", "SyncError", "SyncReport", "init", "sync"]

#: The progress directory's .gitignore: only the answer logs are data.
GITIGNORE = """\
# Written by `trainer sync`. Only the answer logs are data; everything else here is
# derived (snapshots), per machine (locks) or local (quarantine/), and is never synced.
*
!.gitignore
!reviews-*.jsonl
"""
DEFAULT_BRANCH = "main"
_LOG_NAME = re.compile(r"reviews-[^/]+\.jsonl")
#: Push attempts when another device pushed between our fetch and our push.
_PUSH_ATTEMPTS = 3
#: How long a sync waits for another one of the same directory to finish.
_SYNC_WAIT_SECONDS = 600


class SyncError(Exception):
    """A sync could not be completed: the message says why and what to do. Nothing
    recorded is ever lost when it is raised."""


class SyncReport(Struct):
    """What one sync did.

    Attributes: ``sent`` answers of this device committed now; ``received`` answers that
    came in per device log; ``pushed`` whether the remote has everything now;
    ``untracked`` files that had been committed by mistake and were untracked again.
    """

    sent: int = 0
    received: dict[str, int] = field(default_factory=dict)
    pushed: bool = False
    untracked: list[str] = field(default_factory=list)


def _git(directory: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C", LANGUAGE="C")
    try:
        completed = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
            timeout=300,
        )
    except FileNotFoundError:
        raise SyncError(
            "git is not installed (or not on PATH): install git and run `trainer sync` again."
        ) from None
    except subprocess.TimeoutExpired:
        raise SyncError(
            f"git {args[0]} took more than 5 minutes and was stopped; "
            "check the network and run `trainer sync` again."
        ) from None
    if check and completed.returncode != 0:
        raise SyncError(
            f"git {' '.join(args)} failed: {_reason(completed)}. Nothing recorded was lost; "
            "run `trainer sync` again once that is fixed."
        )
    return completed


#: Git's advice that does not fit a progress directory (only the logs are data here).
_GIT_ADVICE = ("hint:", "Please commit your changes or stash them", "Aborting")
_INDEX_LOCK = re.compile(r"Unable to create '([^']+\.lock)': File exists")


def _reason(completed: subprocess.CompletedProcess[str]) -> str:
    """What git said went wrong, in a line: its ``fatal:``/``error:`` lines when it gave
    any (the explanation after them is git's own advice), else its last lines."""
    output = completed.stderr + completed.stdout
    lock = _INDEX_LOCK.search(output)
    if lock:
        return (
            f"another git command is running in this directory, or one crashed here and "
            f"left {lock.group(1)} behind (if no git is running, delete that file)"
        )
    lines = [
        line.strip()
        for line in output.splitlines()
        if line.strip() and not line.strip().startswith(_GIT_ADVICE)
    ]
    errors = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return "; ".join(errors[:2] or lines[-3:]).rstrip(".") or f"exit code {completed.returncode}"


def _answers(path: Path) -> int:
    try:
        data = path.read_bytes()
    except OSError:
        return 0
    return data.count(b'"ev": "review"')


def _logs(directory: Path) -> dict[str, int]:
    return {p.name: _answers(p) for p in sorted(directory.glob("reviews-*.jsonl"))}


def _branch(directory: Path) -> str:
    configured = _git(directory, "config", "--get", "trainer.branch", check=False).stdout.strip()
    return configured or DEFAULT_BRANCH


def _remote_url(directory: Path) -> str:
    return _git(directory, "remote", "get-url", "origin", check=False).stdout.strip()


def init(directory: Path, url: str, device: str) -> SyncReport:
    """Make ``directory`` a git repository syncing with ``url``, then :func:`sync`."""
    if shutil.which("git") is None:
        raise SyncError(
            "git is not installed (or not on PATH): install git, then run "
            "`trainer sync --init URL` again."
        )
    directory.mkdir(parents=True, exist_ok=True)
    before = _logs(directory)
    if not (directory / ".git").exists():
        _git(directory, "init", "-q")
    if _remote_url(directory):
        _git(directory, "remote", "set-url", "origin", url)
    else:
        _git(directory, "remote", "add", "origin", url)
    # Follow the remote's default branch when it has one.
    probe = _git(directory, "ls-remote", "--symref", "origin", "HEAD", check=False)
    if probe.returncode != 0:
        raise SyncError(
            f"Could not reach {url}: {_reason(probe)}. Check the URL and your "
            "access, then run `trainer sync --init URL` again (nothing was "
            "changed in your answers)."
        )
    match = re.search(r"ref: refs/heads/(\S+)\s+HEAD", probe.stdout)
    branch = match.group(1) if match else DEFAULT_BRANCH
    _git(directory, "config", "trainer.branch", branch)
    if _git(directory, "rev-parse", "-q", "--verify", "HEAD", check=False).returncode != 0:
        _git(directory, "symbolic-ref", "HEAD", f"refs/heads/{branch}")
        _start_from_remote(directory, branch, device)
    report = sync(directory, device)
    report.received = _received(before, _logs(directory), device)
    return report


def _start_from_remote(directory: Path, branch: str, device: str) -> None:
    """A device joining: base it on what the others pushed, keeping every local line."""
    fetched = _git(directory, "fetch", "-q", "origin", check=False)
    remote_ref = f"refs/remotes/origin/{branch}"
    if (
        fetched.returncode != 0
        or _git(directory, "rev-parse", "-q", "--verify", remote_ref, check=False).returncode != 0
    ):
        return  # the first device (or unreachable: sync says so)
    own = f"reviews-{device}.jsonl"
    names = [
        n
        for n in _git(directory, "ls-tree", "-z", "--name-only", remote_ref).stdout.split("\0")
        if n
    ]
    take = []
    for name in names:
        local = directory / name
        if not local.exists():
            take.append(name)
            continue
        theirs = set(_git(directory, "show", f"{remote_ref}:{name}").stdout.encode().splitlines())
        mine = set(local.read_bytes().splitlines())
        if name == own and not theirs <= mine:
            raise SyncError(
                f"The remote already has a log for this device ({own}) with answers this "
                "one does not have: two machines use one device id. Give this one "
                "another (TRAINER_DEVICE=name), then run `trainer sync --init URL` again."
            )
        if name != own:
            if not mine <= theirs:
                raise SyncError(
                    f"{local} differs from the remote's copy and has lines it lacks; "
                    "move it out of the progress directory (keep it!) and sync again."
                )
            take.append(name)
    _git(directory, "reset", "-q", remote_ref)  # HEAD and index only: no file touched
    if take:
        _git(directory, "checkout", "-q", "--", *take)


def sync(directory: Path, device: str) -> SyncReport:
    """Commit this device's log, merge the remote's, push; see the module docstring."""
    if not (directory / ".git").exists():
        raise SyncError(
            f"{directory} is not set up for syncing: run "
            "`trainer sync --init URL` once (URL: any git remote, e.g. an "
            "empty private repository)."
        )
    # One sync at a time per directory: a second one waits for the first (their git
    # commands would race for the same refs and index).
    from filelock import FileLock, Timeout

    try:
        with FileLock(directory / ".git" / "trainer-sync.lock", timeout=_SYNC_WAIT_SECONDS):
            return _sync_locked(directory, device)
    except Timeout:
        raise SyncError(
            f"another `trainer sync` of {directory} has been running for "
            f"{_SYNC_WAIT_SECONDS // 60} minutes; let it finish, then sync again."
        ) from None


def _sync_locked(directory: Path, device: str) -> SyncReport:
    report = SyncReport()
    _write_gitignore(directory)
    _ensure_identity(directory, device)
    own = f"reviews-{device}.jsonl"
    report.untracked = _untrack_derived(directory)
    report.sent = _commit_own_log(directory, own, device)
    url = _remote_url(directory) or "origin"
    branch = _branch(directory)
    before = _logs(directory)
    for attempt in range(_PUSH_ATTEMPTS):
        fetched = _git(directory, "fetch", "-q", "origin", check=False)
        if fetched.returncode != 0:
            raise SyncError(
                f"Could not reach {url}: {_reason(fetched)}. Your answers are safe "
                f"(committed in {directory}); run `trainer sync` again when the remote "
                "is reachable."
            )
        remote_ref = f"refs/remotes/origin/{branch}"
        if _git(directory, "rev-parse", "-q", "--verify", remote_ref, check=False).returncode == 0:
            _merge(directory, remote_ref)
        if _git(directory, "rev-parse", "-q", "--verify", "HEAD", check=False).returncode != 0:
            break  # nothing here and nothing there yet
        pushed = _git(directory, "push", "-q", "origin", f"HEAD:refs/heads/{branch}", check=False)
        if pushed.returncode == 0:
            report.pushed = True
            break
        reason = _reason(pushed)
        behind = "non-fast-forward" in reason or "fetch first" in reason
        if not behind or attempt == _PUSH_ATTEMPTS - 1:
            raise SyncError(
                f"{url} refused the push: {reason}. Your answers are safe (committed in "
                f"{directory}) and will be sent by the next `trainer sync`; check that "
                "you may push to this remote."
            )
    report.received = _received(before, _logs(directory), device)
    return report


def _received(before: dict[str, int], after: dict[str, int], device: str) -> dict[str, int]:
    """New answers per other device (named by its log) between two counts."""
    own = f"reviews-{device}.jsonl"
    return {
        name[len("reviews-") : -len(".jsonl")]: after[name] - before.get(name, 0)
        for name in after
        if name != own and after[name] > before.get(name, 0)
    }


def _write_gitignore(directory: Path) -> None:
    path = directory / ".gitignore"
    try:
        if path.read_text(encoding="utf-8") == GITIGNORE:
            return
    except OSError:
        pass
    temporary = path.with_name(".gitignore.tmp")
    try:
        temporary.write_text(GITIGNORE, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise SyncError(
            f"Cannot write {path}: {error.strerror}. Make the progress "
            "directory writable and sync again."
        ) from None


def _ensure_identity(directory: Path, device: str) -> None:
    """Commits need an author: this device, unless the user configured one."""
    if _git(directory, "config", "--get", "user.email", check=False).returncode != 0:
        _git(directory, "config", "user.email", f"{device}@trainer.invalid")
    if _git(directory, "config", "--get", "user.name", check=False).returncode != 0:
        _git(directory, "config", "user.name", f"trainer on {device}")


def _untrack_derived(directory: Path) -> list[str]:
    """Untrack (keeping the files) anything committed that is not a log or .gitignore."""
    tracked = _git(directory, "ls-files", "-z").stdout.split("\0")
    derived = [
        name for name in tracked if name and name != ".gitignore" and not _LOG_NAME.fullmatch(name)
    ]
    if derived:
        _git(directory, "rm", "-q", "--cached", "--", *derived)
    return derived


@contextmanager
def _own_log_locked(directory: Path, own: str) -> Iterator[None]:
    """Hold the log's writer lock: git never reads half of an answer being appended."""
    lock = LogLock(directory / own)
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _commit_own_log(directory: Path, own: str, device: str) -> int:
    """Commit ``own`` (and .gitignore, untracked files): returns the answers it adds."""
    paths = [".gitignore"]
    if (directory / own).exists():
        with _own_log_locked(directory, own):
            _git(directory, "add", "--", own)
        paths.append(own)
    _git(directory, "add", "--", ".gitignore")
    if _git(directory, "diff", "--cached", "--quiet", check=False).returncode == 0:
        return 0
    staged = _git(directory, "diff", "--cached", "--name-only", "-z").stdout.split("\0")
    foreign = [
        name
        for name in staged
        if name and name not in paths and (name == own or _LOG_NAME.fullmatch(name))
    ]
    if foreign:
        # Only this device's log is ever committed here; another device's is theirs.
        _git(directory, "reset", "-q", "--", *foreign)
    sent = _answers_in(directory, f":{own}") - _answers_in(directory, f"HEAD:{own}")
    _git(directory, "commit", "-q", "-m", f"trainer sync from {device}")
    return max(0, sent)


def _answers_in(directory: Path, blob: str) -> int:
    shown = _git(directory, "show", blob, check=False)
    return shown.stdout.count('"ev": "review"') if shown.returncode == 0 else 0


def _merge(directory: Path, remote_ref: str) -> None:
    merged = _git(
        directory,
        "merge",
        "-q",
        "--no-edit",
        "--allow-unrelated-histories",
        remote_ref,
        check=False,
    )
    if merged.returncode != 0:
        _git(directory, "merge", "--abort", check=False)
        changed = _overwritten_by_merge(merged.stderr + merged.stdout)
        if changed:
            names = ", ".join(changed)
            restore = " ".join(f"'{name}'" for name in changed)
            raise SyncError(
                f"{names} {'was' if len(changed) == 1 else 'were'} changed on this device, "
                "but only the device a log is named after writes to it. Put "
                f"{'it' if len(changed) == 1 else 'them'} back as synced with `git -C "
                f"'{directory}' checkout -- {restore}`, then run `trainer sync` again. "
                "Nothing was lost (the merge was undone)."
            )
        raise SyncError(
            f"Could not merge what the other devices pushed: {_reason(merged)}. Nothing "
            "was lost (the merge was undone). This happens only when a file other than "
            "this device's log was changed here, or two devices share one device id "
            "(set TRAINER_DEVICE differently on each)."
        )


def _overwritten_by_merge(output: str) -> list[str]:
    """The files git names as "local changes ... would be overwritten by merge"."""
    names: list[str] = []
    listing = False
    for line in output.splitlines():
        if "would be overwritten by merge" in line:
            listing = True
        elif listing and line.startswith(("\t", "    ")):
            names.append(line.strip())
        else:
            listing = False
    return names
