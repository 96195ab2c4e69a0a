"""Personal FSRS parameters: fitting, checking on later reviews, and `trainer optimize`."""

from __future__ import annotations

import json
import sys
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from trainer.cli import main
from trainer.config import load_config
from trainer.exitcodes import ExitCode
from trainer.optimizer import (
    MIN_REVIEWS,
    NotEnoughReviews,
    OptimizerUnavailable,
    Review,
    auc,
    fit,
    log_loss,
    reviews_from_progress,
)
from trainer.progress.events import encode_review, encode_undo, header_line
from trainer.scheduling import CardState
from trainer.simulation.memory_models import FsrsShapedLearner
from trainer.simulation.simulator import SimConfig, Simulation, Sm2Adapter, to_datetime
from trainer.simulation.sm2 import Sm2Scheduler, Sm2Settings

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def _unusual_learner() -> FsrsShapedLearner:
    """A learner whose memory is far from FSRS's defaults: quicker to forget at first,
    with a steeper forgetting curve and slower-growing stability."""
    learner = FsrsShapedLearner(seed=0, spread=0.0)
    w = list(learner.w)
    w[0:4] = [0.1, 0.4, 0.8, 2.5]
    w[8] = 1.3
    w[20] = 0.45
    learner.w = tuple(w)
    learner.decay = -w[20]
    learner.factor = 0.9 ** (1 / learner.decay) - 1
    return learner


def simulated_history(cards: int = 200, days: int = 120) -> list[Review]:
    # SM-2 with a long interval modifier spreads reviews over many recall levels.
    scheduler = Sm2Adapter(Sm2Scheduler(Sm2Settings(interval_modifier=1.5)))
    config = SimConfig(cards=cards, new_per_day=5, days=days)
    result = Simulation(_unusual_learner(), scheduler, config, seed=11).run()
    return [Review(f"card-{c}", to_datetime(t), grade, 4000) for c, t, grade in result.log]


@pytest.fixture(scope="module")
def history() -> list[Review]:
    return simulated_history()


def test_fitted_parameters_beat_the_defaults_on_later_reviews(history: list[Review]) -> None:
    report = fit(history, with_retention=False)
    assert report.better
    assert report.fitted.log_loss < report.default.log_loss
    assert report.fitted.rmse_bins < report.default.rmse_bins
    # Judged only on reviews after the split, which the fit never saw.
    assert report.fitted.n == report.default.n > 0
    assert report.n_train < report.n_reviews
    in_order = sorted(history, key=lambda r: r.time)
    assert all(r.time < report.split_time for r in in_order[: report.n_train])
    assert all(r.time >= report.split_time for r in in_order[report.n_train :])
    assert len(report.parameters) == 21
    assert report.parameters != report.default_parameters


def test_too_little_history_says_how_many_more_reviews_are_needed(history: list[Review]) -> None:
    short = sorted(history, key=lambda r: r.time)[:300]
    with pytest.raises(NotEnoughReviews) as caught:
        fit(short)
    error = caught.value
    assert error.needed == MIN_REVIEWS
    assert 0 < error.more <= MIN_REVIEWS
    assert f"{error.have} of the {MIN_REVIEWS} long-term reviews needed" in str(error)


def test_a_rating_outside_1_to_4_is_refused() -> None:
    with pytest.raises(ValueError, match="rating 5"):
        fit([Review("a", START, 5)])


def test_metrics_on_known_values() -> None:
    # log loss of p=0.8 for a success and p=0.8 for a failure: (-ln 0.8 - ln 0.2) / 2
    assert log_loss([0.8, 0.8], [True, False]) == pytest.approx(0.9163, abs=1e-4)
    assert auc([0.9, 0.8, 0.3, 0.1], [True, True, False, False]) == 1.0
    assert auc([0.1, 0.9], [True, False]) == 0.0
    assert auc([0.5, 0.5], [True, False]) == 0.5
    assert auc([0.5, 0.6], [True, True]) is None


def test_missing_fsrs_rs_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, history: list[Review]
) -> None:
    monkeypatch.setitem(sys.modules, "fsrs_rs_python", None)
    with pytest.raises(OptimizerUnavailable, match="pip install fsrs-rs-python"):
        fit(history)


# -- reading the progress store ---------------------------------------------------------


def _state(when: datetime) -> CardState:
    return CardState(
        state="review",
        step=None,
        stability=3.0,
        difficulty=5.0,
        due=(when + timedelta(days=3)).timestamp(),
        reps=1,
        lapses=0,
    )


def write_progress(
    directory: Path, reviews: list[Review], device: str = "laptop", undo: tuple[str, ...] = ()
) -> list[str]:
    """A progress log as the trainer writes it; returns the event ids."""
    directory.mkdir(parents=True, exist_ok=True)
    ids = []
    lines = [header_line(device, START)]
    for number, review in enumerate(reviews):
        event_id = f"{device}-{number}"
        ids.append(event_id)
        lines.append(
            encode_review(
                event_id,
                review.card_id,
                review.time.isoformat(timespec="milliseconds"),
                review.rating,
                review.duration_ms,
                None,
                None,
                _state(review.time),
            )
        )
    if undo:
        lines.append(encode_undo(f"{device}-undo", START.isoformat(), tuple(undo)))
    (directory / f"reviews-{device}.jsonl").write_bytes(b"".join(lines))
    return ids


def test_reviews_are_read_from_every_device_without_undone_answers(tmp_path: Path) -> None:
    directory = tmp_path / "progress"
    day = timedelta(days=1)
    write_progress(
        directory,
        [Review("deck/a", START, 3, 1200), Review("deck/a", START + day, 1, 900)],
        "laptop",
    )
    write_progress(
        directory,
        [Review("deck/b", START + day, 4, None), Review("deck/b", START + 2 * day, 2, 5000)],
        "phone",
        undo=("phone-1",),
    )
    reviews = sorted(reviews_from_progress(directory), key=lambda r: (r.time, r.card_id))
    assert [(r.card_id, r.rating, r.duration_ms) for r in reviews] == [
        ("deck/a", 3, 1200),
        ("deck/a", 1, 900),
        ("deck/b", 4, None),
    ]
    assert reviews[0].time == START
    assert reviews_from_progress(tmp_path / "nowhere") == []


def test_reading_the_history_writes_nothing_even_with_a_damaged_line(tmp_path: Path) -> None:
    directory = tmp_path / "progress"
    write_progress(directory, [Review("deck/a", START, 3, 1200)], "laptop")
    log = directory / "reviews-laptop.jsonl"
    log.write_bytes(log.read_bytes() + b'{"this line": "is not an event"\n')
    before = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert [r.card_id for r in reviews_from_progress(directory)] == ["deck/a"]
    after = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before


# -- the command --------------------------------------------------------------------------


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config" / "config.toml"
    monkeypatch.setenv("TRAINER_CONFIG", str(path))
    return path


def test_optimize_with_little_history_keeps_the_defaults(
    tmp_path: Path,
    config_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory = tmp_path / "progress"
    write_progress(directory, [Review("a", START + timedelta(days=i), 3) for i in range(5)])
    assert main(["optimize", "--progress", str(directory)]) == ExitCode.OK
    out = capsys.readouterr().out
    assert f"4 of the {MIN_REVIEWS} long-term reviews needed" in out
    assert "Keeping the default parameters" in out
    assert not config_path.exists()


def test_optimize_saves_better_parameters_into_the_config_file(
    tmp_path: Path,
    config_path: Path,
    history: list[Review],
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory = tmp_path / "progress"
    write_progress(directory, history)
    config_path.parent.mkdir(parents=True)
    original = "# my settings\n[scheduling]\nnew_per_day = 15  # enough\n\n[ui]\ntheme = 'dark'\n"
    config_path.write_text(original)

    assert main(["optimize", "--progress", str(directory), "--json"]) == ExitCode.OK
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "fitted" and report["better"] and report["saved"]
    assert 0.7 <= report["suggested_retention"] <= 0.99

    text = config_path.read_text()
    assert "# my settings" in text and "new_per_day = 15  # enough" in text
    config = load_config(config_path)
    assert config.scheduler.parameters == pytest.approx(tuple(report["parameters"]))
    assert config.scheduler.new_per_day == 15
    assert config.extra == {"ui": {"theme": "dark"}}
    assert Path(str(config_path) + ".bak").read_text() == original

    # Running again on the same history finds the same parameters: the file and its
    # backup (the user's original) are left as they are.
    saved = config_path.read_text()
    assert main(["optimize", "--progress", str(directory)]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "log loss" in out and "unchanged:" in out and "saved to" not in out
    assert config_path.read_text() == saved
    assert Path(str(config_path) + ".bak").read_text() == original
    # Different parameters replace the line instead of adding a second one.
    from trainer.commands.optimize import save_parameters

    changed = tuple(round(w * 1.01, 4) for w in report["parameters"])
    assert save_parameters(config_path, changed).changed
    assert config_path.read_text().count("parameters =") == 1
    assert tomllib.loads(config_path.read_text())["ui"] == {"theme": "dark"}


def test_no_apply_only_reports(
    tmp_path: Path, config_path: Path, history: list[Review], capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "progress"
    write_progress(directory, history)
    assert main(["optimize", "--progress", str(directory), "--no-apply"]) == ExitCode.OK
    captured = capsys.readouterr()
    assert "not saved (--no-apply)" in captured.out
    assert not config_path.exists()
    # A large history takes minutes: each step is shown as it starts, on stderr.
    steps = [line for line in captured.err.splitlines() if line.endswith("...")]
    assert [step.split("] ", 1)[1].split(" (")[0] for step in steps] == [
        f"reading the review history in {directory}...",
        "fitting to the older reviews",
        "checking the fit on the newest reviews...",
        "fitting to every review...",
        "simulating study to suggest a desired retention...",
    ]


def test_an_invalid_config_file_is_left_alone(
    tmp_path: Path, config_path: Path, history: list[Review], capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "progress"
    write_progress(directory, history)
    config_path.parent.mkdir(parents=True)
    config_path.write_text("[scheduling]\nnew_per_dya = 3\n")
    assert main(["optimize", "--progress", str(directory)]) == ExitCode.PROBLEMS
    err = capsys.readouterr().err
    assert "not a valid config file" in err and "parameters = [" in err
    assert config_path.read_text() == "[scheduling]\nnew_per_dya = 3\n"


def test_multiline_parameters_are_replaced(tmp_path: Path) -> None:
    from trainer.commands.optimize import save_parameters
    from trainer.optimizer import default_parameters

    path = tmp_path / "config.toml"
    defaults = default_parameters()
    path.write_text(
        "[scheduling]\nparameters = [\n"
        + ",\n".join(map(str, defaults))
        + "\n]  # old\ndesired_retention = 0.85\n"
    )
    weights = tuple(round(w * 1.05, 4) for w in defaults[:4]) + defaults[4:]
    save_parameters(path, weights)
    config = load_config(path)
    assert config.scheduler.parameters == pytest.approx(weights)
    assert config.scheduler.desired_retention == 0.85


def test_optimize_without_fsrs_rs_exits_with_a_message(
    tmp_path: Path,
    config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "fsrs_rs_python", None)
    assert main(["optimize", "--progress", str(tmp_path)]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "pip install fsrs-rs-python" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(("retention", "floor"), [(0.7, True), (0.85, False)])
def test_a_suggested_retention_at_the_search_floor_says_it_may_be_lower(
    capsys: pytest.CaptureFixture[str], retention: float, floor: bool
) -> None:
    from datetime import UTC, datetime

    from trainer.commands.optimize import print_report
    from trainer.optimizer import FitReport, Metrics, default_parameters

    metrics = Metrics(log_loss=0.4, rmse_bins=0.05, auc=0.7, n=100)
    report = FitReport(
        default_parameters(), default_parameters(), metrics, metrics, retention,
        500, 450, 40, 350, datetime(2026, 3, 1, tzinfo=UTC), False,
    )  # fmt: skip
    print_report(report)
    assert ("or lower: the lowest the search tries" in capsys.readouterr().out) is floor
