"""``trainer optimize [--progress DIR] [--json] [--apply/--no-apply]``: personal FSRS weights.

Fits FSRS weights to the learner's review log (all devices), reports how they compare
with the defaults on the latest reviews, and, when they predict better, saves them as
``parameters = [...]`` under ``[scheduling]`` in the config file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from trainer.commands.common import add_progress_argument, emit_json, step_printer
from trainer.exitcodes import ExitCode

if TYPE_CHECKING:
    from trainer.commands.common import Subparsers
    from trainer.optimizer import FitReport


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "optimize",
        help="fit FSRS parameters to your own review history",
        description="Fit FSRS weights to your answers so far, compare them with the "
        "defaults on your latest reviews, and save them to the config file when they "
        "predict your memory better.",
    )
    add_progress_argument(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--apply",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="save better parameters to the config file (default: yes)",
    )
    parser.set_defaults(handler=run)


def format_parameters(parameters: tuple[float, ...]) -> str:
    """The TOML line for ``parameters`` (4 decimals: far below what the fit can resolve)."""
    return "parameters = [" + ", ".join(f"{w:.4f}" for w in parameters) + "]"


def _scheduling_bounds(lines: list[str]) -> tuple[int, int] | None:
    """Line range (header, end) of the ``[scheduling]`` table, or ``None``."""
    import re

    start = None
    for number, line in enumerate(lines):
        stripped = line.strip()
        if re.fullmatch(r"\[\s*scheduling\s*\]\s*(#.*)?", stripped):
            start = number
        elif start is not None and stripped.startswith("["):
            return start, number
    return None if start is None else (start, len(lines))


def _replace_parameters(text: str, new_line: str) -> str:
    """``text`` with ``parameters`` under ``[scheduling]`` set to ``new_line``; everything
    else, comments included, kept as it was."""
    import re

    lines = text.splitlines(keepends=True)
    bounds = _scheduling_bounds(lines)
    if bounds is None:
        separator = "" if not text or text.endswith("\n") else "\n"
        gap = "\n" if text.strip() else ""
        return f"{text}{separator}{gap}[scheduling]\n{new_line}\n"
    start, end = bounds
    for number in range(start + 1, end):
        if re.match(r"\s*parameters\s*=", lines[number]):
            # The old value may span lines: drop lines until its brackets balance.
            last = number
            depth = lines[number].split("#")[0].count("[") - lines[number].split("#")[0].count("]")
            while depth > 0 and last + 1 < end:
                last += 1
                body = lines[last].split("#")[0]
                depth += body.count("[") - body.count("]")
            lines[number : last + 1] = [new_line + "\n"]
            return "".join(lines)
    insert_at = start + 1
    lines[insert_at:insert_at] = [new_line + "\n"]
    return "".join(lines)


class SaveError(Exception):
    pass


class Saved(NamedTuple):
    """What :func:`save_parameters` did: ``changed`` false when the file held these
    parameters already (then nothing was written, the backup untouched); ``backup``
    the previous file's copy (``None`` for a new file, or when nothing changed)."""

    changed: bool
    backup: Path | None


def save_parameters(path: Path, parameters: tuple[float, ...]) -> Saved:
    """Write ``parameters`` into the config file at ``path`` (created if missing).

    The file is checked before and after: an invalid file is not touched, and if the
    edit would change anything but the parameters, nothing is written. The previous
    file is kept as ``<name>.bak``; a file that holds these parameters already is left
    as it is, backup included (a second run must not replace the user's original with
    a copy of the first run's result). Raises :class:`SaveError` with what to do instead.
    """
    import os
    import tomllib

    from trainer.config import ConfigError, parse_config

    manual = (
        f"add this line under [scheduling] in {path} yourself:\n  {format_parameters(parameters)}"
    )
    try:
        old_text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old_text = ""
    except (OSError, UnicodeDecodeError) as error:
        raise SaveError(f"cannot read {path} ({error}); {manual}") from None
    try:
        old_data = tomllib.loads(old_text)
        parse_config(old_data, path)
    except (tomllib.TOMLDecodeError, ConfigError) as error:
        raise SaveError(
            f"{path} is not a valid config file ({error}); fix it, then run "
            "`trainer optimize` again, or " + manual
        ) from None
    new_text = _replace_parameters(old_text, format_parameters(parameters))
    try:
        new_data = tomllib.loads(new_text)
        parse_config(new_data, path)
    except (tomllib.TOMLDecodeError, ConfigError) as error:
        raise SaveError(f"could not edit {path} safely ({error}); {manual}") from None
    expected = dict(old_data)
    expected["scheduling"] = {
        **old_data.get("scheduling", {}),
        "parameters": new_data.get("scheduling", {}).get("parameters"),
    }
    written = [round(w, 4) for w in parameters]
    if new_data != expected or new_data["scheduling"]["parameters"] != written:
        raise SaveError(f"could not edit {path} safely; {manual}")
    if new_text == old_text:
        return Saved(changed=False, backup=None)
    backup = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if old_text:
            backup = path.with_name(path.name + ".bak")
            backup.write_text(old_text, encoding="utf-8")
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(new_text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as error:
        raise SaveError(f"cannot write {path} ({error.strerror}); {manual}") from None
    return Saved(changed=True, backup=backup)


def _metric(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def print_report(report: FitReport) -> None:
    split = report.split_time.astimezone().strftime("%Y-%m-%d %H:%M")
    print(
        f"history: {report.n_reviews} reviews of {report.n_cards} cards "
        f"({report.n_long_term} on a later day than the card's previous review)"
    )
    print(
        f"check:   trained on the {report.n_train} reviews before {split}, "
        f"judged on the {report.fitted.n} later long-term reviews"
    )
    print()
    print(f"{'':10} {'log loss':>9} {'RMSE(bins)':>11} {'AUC':>7}")
    for name, m in (("default", report.default), ("fitted", report.fitted)):
        print(f"{name:10} {m.log_loss:9.4f} {m.rmse_bins:11.4f} {_metric(m.auc):>7}")
    print()
    if report.better:
        print("The fitted parameters predict your recall better than the defaults.")
    else:
        print(
            "The fitted parameters do not predict your recall better than the defaults; "
            "keeping the defaults."
        )
    if report.suggested_retention is not None:
        # 0.70 is the bottom of fsrs-rs's search: the least time may lie lower still.
        floor = (
            " or lower: the lowest the search tries" if report.suggested_retention <= 0.7 else ""
        )
        print(
            f"suggested desired_retention: {report.suggested_retention:.2f}{floor} (least "
            "study time per remembered card, by simulation; higher costs more time, "
            "remembers more)"
        )
    for note in report.notes:
        print(f"note: {note}")
    print(format_parameters(report.parameters))


def run(args: argparse.Namespace) -> ExitCode:
    from trainer.locations import config_file, progress_dir
    from trainer.optimizer import NotEnoughReviews, OptimizerUnavailable, fit, reviews_from_progress
    from trainer.progress import ProgressError

    directory = progress_dir(args.progress)
    show_step = step_printer()  # a long history takes minutes
    try:
        show_step(f"reading the review history in {directory}")
        reviews = reviews_from_progress(directory)
        report = fit(reviews, on_step=show_step)
    except ProgressError as error:
        print(f"trainer: {error}", file=sys.stderr)
        return ExitCode.PROGRESS
    except OptimizerUnavailable as error:
        print(f"trainer: {error}", file=sys.stderr)
        return ExitCode.USAGE
    except NotEnoughReviews as error:
        if args.json:
            emit_json(
                {
                    "status": "not-enough-reviews",
                    "have": error.have,
                    "needed": error.needed,
                    "more": error.more,
                }
            )
        else:
            print(
                f"Not enough history yet: {error.have} of the {error.needed} long-term "
                "reviews needed (answers on a later study day than the card's previous "
                "one). Keeping the default parameters."
            )
        return ExitCode.OK

    saved: dict[str, Any] = {"saved": False, "config": None}
    if args.apply and report.better:
        path = config_file()
        try:
            result = save_parameters(path, report.parameters)
        except SaveError as error:
            print(f"trainer: {error}", file=sys.stderr)
            if args.json:
                emit_json({"status": "fitted", **report.to_json(), **saved})
            return ExitCode.PROBLEMS
        saved = {
            "saved": result.changed,
            "unchanged": not result.changed,
            "config": str(path),
            "backup": str(result.backup) if result.backup else None,
        }
    if args.json:
        emit_json({"status": "fitted", **report.to_json(), **saved})
        return ExitCode.OK
    print_report(report)
    if saved["saved"]:
        print(
            f"saved to {saved['config']}"
            + (f" (previous file kept as {saved['backup']})" if saved["backup"] else "")
        )
    elif saved.get("unchanged"):
        print(f"unchanged: {saved['config']} holds these parameters already")
    elif report.better:
        print("not saved (--no-apply)")
    return ExitCode.OK
