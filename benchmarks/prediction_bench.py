"""How well FSRS predicts real recall: default vs fitted weights vs a constant.

Reads review logs in the py-fsrs test CSV layout (``card_id, review_rating, review_time,
review_duration``), splits each by time (the latest quarter of long-term reviews held
out, as `trainer optimize` does), fits FSRS weights on the earlier part, and prints log
loss, RMSE(bins) and AUC on the held-out reviews for: the default weights, the fitted
weights, and the constant baseline (the recall rate of the earlier part, for everyone).

Elapsed days are counted by the learner's day boundary, as the scheduler and FSRS's own
benchmark count them. The logs carry UTC times only, so the boundary is read off the data
(``--day-start-utc`` overrides it): the middle of the longest run of hours of the day
(UTC) in which the learner never answered, i.e. the middle of their night.

Default input: ../shared/data/review_logs_*.csv beside the project (read in place, never
copied). Skips with a message when there is none.

Usage: .venv/bin/python benchmarks/prediction_bench.py [--day-start-utc H] [CSV...]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trainer.optimizer import (  # noqa: E402
    Metrics,
    Prediction,
    Review,
    by_card,
    compute_parameters,
    default_parameters,
    metrics,
    predict,
    split,
    training_items,
)
from trainer.studyday import StudyDays  # noqa: E402

DEFAULT_GLOB = "review_logs_*.csv"
DEFAULT_DIR = ROOT.parent / "shared" / "data"


def read_csv(path: Path) -> list[Review]:
    """Reviews from one CSV file; raises ValueError naming the line of a bad row."""
    reviews = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for line, row in enumerate(reader, start=2):
            try:
                duration = row.get("review_duration")
                reviews.append(
                    Review(
                        row["card_id"],
                        datetime.fromisoformat(row["review_time"]),
                        int(row["review_rating"]),
                        int(duration) if duration not in (None, "") else None,
                    )
                )
            except (KeyError, ValueError, TypeError) as error:
                raise ValueError(f"{path}:{line}: bad row ({error})") from None
    return reviews


def constant_baseline(train: list[Prediction], test: list[Prediction]) -> Metrics:
    rate = sum(p.recalled for p in train) / len(train)
    return metrics(
        [Prediction(rate, p.recalled, p.elapsed_days, p.review_number, p.lapses) for p in test]
    )


def night_hour(reviews: list[Review]) -> int:
    """The UTC hour in the middle of the longest run of hours with no answer (the
    learner's night; wrapping past midnight), else the quietest hour."""
    counts = [0] * 24
    for review in reviews:
        counts[review.time.astimezone(UTC).hour] += 1
    best_start, best_length = min(range(24), key=counts.__getitem__), 0
    for start in range(24):
        length = 0
        while length < 24 and counts[(start + length) % 24] == 0:
            length += 1
        if length > best_length:
            best_start, best_length = start, length
    return (best_start + best_length // 2) % 24


def bench(path: Path, day_start_utc: int | None) -> None:
    reviews = read_csv(path)
    hour = night_hour(reviews) if day_start_utc is None else day_start_utc
    days = StudyDays(hour, UTC)
    cards = by_card(reviews)
    split_time, n_long = split(cards, days=days)
    start = time.perf_counter()
    fitted = compute_parameters(training_items(cards, before=split_time, days=days))
    fit_seconds = time.perf_counter() - start
    defaults = default_parameters()
    test_default = predict(cards, defaults, since=split_time, days=days)
    train_outcomes = _before(cards, split_time, days)
    results = {
        "constant (earlier recall rate)": constant_baseline(train_outcomes, test_default),
        "FSRS default weights": metrics(test_default),
        "FSRS fitted on earlier part": metrics(predict(cards, fitted, since=split_time, days=days)),
    }
    print(
        f"\n{path.name}: {len(reviews)} reviews of {len(cards)} cards, {n_long} long-term; "
        f"held out: {results['FSRS default weights'].n} reviews from "
        f"{split_time:%Y-%m-%d} on; days start at {hour:02d}:00 UTC; "
        f"fit took {fit_seconds:.2f} s"
    )
    print(f"  {'predictor':32} {'log loss':>9} {'RMSE(bins)':>11} {'AUC':>7}")
    for name, m in results.items():
        auc = "-" if m.auc is None else f"{m.auc:.4f}"
        print(f"  {name:32} {m.log_loss:9.4f} {m.rmse_bins:11.4f} {auc:>7}")


def _before(
    cards: dict[str, list[Review]], split_time: datetime, days: StudyDays
) -> list[Prediction]:
    """Long-term reviews before the split: their outcomes give the constant baseline
    (the outcomes do not depend on the weights used to replay)."""
    earlier = {key: [r for r in history if r.time < split_time] for key, history in cards.items()}
    return predict({k: v for k, v in earlier.items() if v}, default_parameters(), days=days)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, metavar="CSV")
    parser.add_argument(
        "--day-start-utc",
        type=int,
        choices=range(24),
        metavar="H",
        help="hour (UTC) at which the learner's days start (default: the "
        "middle of the hours with no answers)",
    )
    args = parser.parse_args()
    paths = args.paths or sorted(DEFAULT_DIR.glob(DEFAULT_GLOB))
    if not paths:
        print(
            f"prediction_bench: no review logs found ({DEFAULT_DIR / DEFAULT_GLOB}); "
            "name CSV files to use. Skipped."
        )
        return 0
    for path in paths:
        try:
            bench(path, args.day_start_utc)
        except (OSError, ValueError) as error:
            print(f"prediction_bench: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
