"""Personal FSRS parameters: fit them to a learner's review history and check they help.

:func:`fit` trains FSRS weights with ``fsrs-rs-python`` on the earlier part of the
history and compares them with the default weights on the later part (a time-series
split: the model never sees the reviews it is judged on). Predictions come from the
``fsrs`` package, the scheduler the trainer itself uses: each card's answers are replayed
and the probability of recall is computed just before each review, then compared with
what happened (any grade but Again counts as recalled).

Elapsed time is counted in the learner's *study days* (:class:`StudyDays`: the rollover
hour in their time zone), as the scheduler counts it and as FSRS's own benchmark counts
it (by the learner's day boundary), not in 24-hour periods. Only *long-term* reviews are
predicted and counted: answers given on a later study day than the card's previous
answer. Same-day learning steps are not what the forgetting curve is about.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from msgspec import Struct, field

from trainer.studyday import StudyDays

if TYPE_CHECKING:
    from trainer.scheduling import Scheduler

#: Long-term reviews needed before fitting is attempted. With fewer, a quarter held out
#: for checking is too small to tell better weights from noise.
MIN_REVIEWS = 400
#: Share of long-term reviews (the latest ones) held out for evaluation.
TEST_FRACTION = 0.25


class Review(NamedTuple):
    """One answer from the learner's history."""

    card_id: str
    time: datetime  # aware; a naive time is taken as UTC
    rating: int  # 1 Again, 2 Hard, 3 Good, 4 Easy
    duration_ms: int | None = None


class NotEnoughReviews(ValueError):
    """The history is too short to fit and check personal parameters."""

    def __init__(self, have: int, needed: int = MIN_REVIEWS) -> None:
        self.have = have
        self.needed = needed
        self.more = needed - have
        super().__init__(
            f"{have} of the {needed} long-term reviews needed (only reviews of a card a day "
            "or more after its previous review count)"
        )


class OptimizerUnavailable(RuntimeError):
    """``fsrs-rs-python`` is not installed."""


class Prediction(Struct, frozen=True):
    """A predicted probability of recall for one held-out review, and what happened."""

    probability: float
    recalled: bool
    elapsed_days: int
    #: Answers to this card before this one, and how many of them were Again.
    review_number: int
    lapses: int


class Metrics(Struct, frozen=True):
    """How well predictions matched outcomes (lower is better, except AUC)."""

    log_loss: float
    rmse_bins: float
    auc: float | None
    n: int

    def to_json(self) -> dict[str, Any]:
        return {
            "log_loss": self.log_loss,
            "rmse_bins": self.rmse_bins,
            "auc": self.auc,
            "n": self.n,
        }


class FitReport(Struct, frozen=True):
    """What :func:`fit` found. ``parameters`` are the ones to use (fitted on everything)."""

    parameters: tuple[float, ...]
    default_parameters: tuple[float, ...]
    #: Default and trained-on-the-earlier-part weights, judged on the later part.
    default: Metrics
    fitted: Metrics
    #: Desired retention that minimises study time per remembered card (``fsrs-rs``
    #: simulation), or ``None`` when that could not be computed.
    suggested_retention: float | None
    n_reviews: int
    n_long_term: int
    n_cards: int
    n_train: int
    split_time: datetime
    #: The fitted weights predicted the held-out reviews better (lower log loss).
    better: bool
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "parameters": list(self.parameters),
            "default_parameters": list(self.default_parameters),
            "default": self.default.to_json(),
            "fitted": self.fitted.to_json(),
            "suggested_retention": self.suggested_retention,
            "n_reviews": self.n_reviews,
            "n_long_term": self.n_long_term,
            "n_cards": self.n_cards,
            "n_train": self.n_train,
            "split_time": self.split_time.isoformat(),
            "better": self.better,
            "notes": list(self.notes),
        }


def _rs() -> Any:
    try:
        import fsrs_rs_python
    except ImportError:
        raise OptimizerUnavailable(
            "fitting FSRS parameters needs the fsrs-rs-python package; install it with "
            "`pip install fsrs-rs-python` (or reinstall trainer)"
        ) from None
    return fsrs_rs_python


def default_parameters() -> tuple[float, ...]:
    """The ``fsrs`` package's default weights (what the trainer uses unless configured)."""
    import fsrs

    return tuple(float(w) for w in fsrs.Scheduler().parameters)


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def by_card(reviews: Iterable[Review]) -> dict[str, list[Review]]:
    """Reviews grouped per card, each card's in time order (times made UTC)."""
    cards: dict[str, list[Review]] = {}
    for review in reviews:
        if review.rating not in (1, 2, 3, 4):
            raise ValueError(f"card {review.card_id}: rating {review.rating!r} is not 1-4")
        cards.setdefault(review.card_id, []).append(review._replace(time=_utc(review.time)))
    for history in cards.values():
        history.sort(key=lambda r: r.time)
    return cards


#: Study days when the caller does not say: Anki's default rollover (4 am), system zone.
DEFAULT_DAYS = StudyDays()


def _elapsed(days: StudyDays, previous: datetime, later: datetime) -> int:
    return max(0, days.between(previous.timestamp(), later.timestamp()))


def long_term_times(
    cards: dict[str, list[Review]], days: StudyDays = DEFAULT_DAYS
) -> list[datetime]:
    """Times of every long-term review (on a later study day than the card's previous)."""
    times = []
    for history in cards.values():
        for previous, review in pairwise(history):
            if _elapsed(days, previous.time, review.time) >= 1:
                times.append(review.time)
    return sorted(times)


def training_items(
    cards: dict[str, list[Review]], before: datetime | None = None, days: StudyDays = DEFAULT_DAYS
) -> list[Any]:
    """``fsrs-rs`` training items: for each long-term review before ``before``, the card's
    answers up to and including it, with the study days elapsed between them."""
    rs = _rs()
    items = []
    for history in cards.values():
        reviews: list[Any] = []
        previous: datetime | None = None
        for review in history:
            if before is not None and review.time >= before:
                break
            delta = 0 if previous is None else _elapsed(days, previous, review.time)
            reviews.append(rs.FSRSReview(review.rating, delta))
            previous = review.time
            if len(reviews) > 1 and delta > 0:
                items.append(rs.FSRSItem(list(reviews)))
    return items


def predict(
    cards: dict[str, list[Review]],
    parameters: Sequence[float],
    since: datetime | None = None,
    days: StudyDays = DEFAULT_DAYS,
) -> list[Prediction]:
    """Replay every card with the trainer's scheduler and predict each long-term review at
    or after ``since`` (all of them when ``None``)."""
    from trainer.scheduling import CardState, Grade, Scheduler, SchedulerSettings

    scheduler = Scheduler(
        SchedulerSettings(
            parameters=tuple(parameters), enable_fuzzing=False, day_rollover_hour=days.rollover_hour
        ),
        days.zone,
    )
    predictions = []
    for history in cards.values():
        state = CardState()
        lapses = 0
        previous: datetime | None = None
        for number, review in enumerate(history):
            if previous is not None:
                elapsed = _elapsed(days, previous, review.time)
                if elapsed >= 1 and (since is None or review.time >= since):
                    probability = scheduler.retrievability(state, review.time)
                    assert probability is not None
                    predictions.append(
                        Prediction(probability, review.rating > 1, elapsed, number, lapses)
                    )
                if elapsed >= 1 and review.rating == 1:
                    lapses += 1
            # The memory state only: the check never looks at due dates.
            state = scheduler.review("", state, Grade(review.rating), review.time, schedule=False)
            previous = review.time
    return predictions


# -- metrics ---------------------------------------------------------------------------

_EPS = 1e-6


def log_loss(probabilities: Sequence[float], outcomes: Sequence[bool]) -> float:
    """Mean negative log-likelihood of the outcomes (natural log)."""
    total = 0.0
    for p, y in zip(probabilities, outcomes):
        p = min(1 - _EPS, max(_EPS, p))
        total -= math.log(p if y else 1 - p)
    return total / len(probabilities)


def _log_bin(x: float, scale: float, base: float) -> float:
    return round(scale * base ** math.floor(math.log(x) / math.log(base)), 2)


def rmse_bins(predictions: Sequence[Prediction]) -> float:
    """RMSE(bins) as in the open FSRS benchmark: reviews grouped by elapsed days, review
    number and lapse count (log-spaced bins); the root of the count-weighted mean squared
    difference between mean prediction and mean outcome per group."""
    groups: dict[tuple[float, float, float], list[float]] = {}
    for p in predictions:
        key = (
            _log_bin(p.elapsed_days, 2.48, 3.62),
            _log_bin(p.review_number, 1.99, 1.89),
            _log_bin(p.lapses, 1.65, 1.73) if p.lapses else 0.0,
        )
        group = groups.setdefault(key, [0.0, 0.0, 0.0])
        group[0] += p.probability
        group[1] += p.recalled
        group[2] += 1
    squared = sum((s_p - s_y) ** 2 / n for s_p, s_y, n in groups.values())
    return math.sqrt(squared / len(predictions))


def auc(probabilities: Sequence[float], outcomes: Sequence[bool]) -> float | None:
    """Area under the ROC curve (ties count half); ``None`` if only one outcome occurs."""
    pairs = sorted(zip(probabilities, outcomes))
    positives = sum(1 for _, y in pairs if y)
    negatives = len(pairs) - positives
    if positives == 0 or negatives == 0:
        return None
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        average_rank = (i + j + 1) / 2  # ranks i+1 .. j
        rank_sum += average_rank * sum(1 for _, y in pairs[i:j] if y)
        i = j
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def metrics(predictions: Sequence[Prediction]) -> Metrics:
    probabilities = [p.probability for p in predictions]
    outcomes = [p.recalled for p in predictions]
    return Metrics(
        log_loss(probabilities, outcomes),
        rmse_bins(predictions),
        auc(probabilities, outcomes),
        len(predictions),
    )


# -- fitting ---------------------------------------------------------------------------


def compute_parameters(items: Sequence[Any]) -> tuple[float, ...]:
    """FSRS weights trained on ``items`` (from :func:`training_items`)."""
    rs = _rs()
    weights = rs.FSRS(rs.DEFAULT_PARAMETERS).compute_parameters(list(items))
    return fit_to_bounds(weights)


def fit_to_bounds(weights: Sequence[float]) -> tuple[float, ...]:
    """``weights`` rounded to 4 decimals (what the config file stores) and kept inside the
    ``fsrs`` package's bounds (``fsrs-rs`` computes in 32-bit floats, which can land a
    hair outside them)."""
    from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

    return tuple(
        min(high, max(low, round(float(w), 4)))
        for w, low, high in zip(weights, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS)
    )


def suggest_retention(parameters: Sequence[float], n_cards: int) -> float:
    """Desired retention that minimises simulated study time per remembered card."""
    rs = _rs()
    config = rs.default_simulator_config()
    # A smaller simulated collection than fsrs-rs's default keeps this to a second or two.
    config.deck_size = max(500, min(n_cards, 3000))
    config.learn_limit = 20
    config.review_limit = 200
    # fsrs-rs answers in single precision (its lower bound 0.70 comes back as 0.6999999).
    return round(float(rs.optimal_retention(config, list(parameters))), 4)


def split(
    cards: dict[str, list[Review]],
    test_fraction: float = TEST_FRACTION,
    days: StudyDays = DEFAULT_DAYS,
) -> tuple[datetime, int]:
    """The time-series split point (the first held-out long-term review) and the number of
    long-term reviews; raises :class:`NotEnoughReviews`."""
    times = long_term_times(cards, days)
    if len(times) < MIN_REVIEWS:
        raise NotEnoughReviews(len(times))
    return times[int(len(times) * (1 - test_fraction))], len(times)


def fit(
    reviews: Sequence[Review],
    *,
    test_fraction: float = TEST_FRACTION,
    with_retention: bool = True,
    days: StudyDays = DEFAULT_DAYS,
    on_step: Callable[[str], None] | None = None,
) -> FitReport:
    """Fit FSRS weights to ``reviews`` and check them on the latest ones, counting elapsed
    time in ``days`` (the learner's study days). ``on_step`` is told what each step does
    before it starts (a large history takes minutes: the command shows them).

    Raises :class:`NotEnoughReviews` for a short history, :class:`OptimizerUnavailable`
    without ``fsrs-rs-python``, :class:`ValueError` for a rating outside 1-4.
    """
    _rs()
    cards = by_card(reviews)
    split_time, n_long_term = split(cards, test_fraction, days)
    defaults = default_parameters()
    notes: list[str] = []

    step = on_step or (lambda _text: None)
    n_reviews = sum(len(h) for h in cards.values())
    step(f"fitting to the older reviews ({n_reviews:,} reviews of {len(cards):,} cards in all)")
    train_items = training_items(cards, before=split_time, days=days)
    trained = compute_parameters(train_items)
    step("checking the fit on the newest reviews")
    default_metrics = metrics(predict(cards, defaults, since=split_time, days=days))
    fitted_metrics = metrics(predict(cards, trained, since=split_time, days=days))
    better = fitted_metrics.log_loss < default_metrics.log_loss

    step("fitting to every review")
    final = compute_parameters(training_items(cards, days=days))
    suggested: float | None = None
    if with_retention:
        step("simulating study to suggest a desired retention")
        try:
            suggested = suggest_retention(final if better else defaults, len(cards))
        except Exception as error:  # a simulation failure must not lose the fit itself
            notes.append(f"no retention suggestion: {error}")
    n_train = sum(1 for history in cards.values() for r in history if r.time < split_time)
    return FitReport(
        parameters=final,
        default_parameters=defaults,
        default=default_metrics,
        fitted=fitted_metrics,
        suggested_retention=suggested,
        n_reviews=n_reviews,
        n_long_term=n_long_term,
        n_cards=len(cards),
        n_train=n_train,
        split_time=split_time,
        better=better,
        notes=notes,
    )


# -- reading the learner's history ---------------------------------------------------------


def _never_schedules(key: str) -> Scheduler:
    raise AssertionError(f"reading the review history never schedules a card ({key})")


def reviews_from_progress(progress_dir: Path) -> list[Review]:
    """Every review (undone ones left out) in the progress directory's logs, all devices.

    Raises :class:`trainer.progress.ProgressError` when the directory cannot be read.
    A missing directory means no history.
    """
    from trainer.clock import SystemClock
    from trainer.progress import ProgressError, ProgressStore

    if not progress_dir.is_dir():
        if progress_dir.exists():
            raise ProgressError(
                f"{progress_dir} is a file, not a progress directory: choose the directory "
                "with --progress DIR or TRAINER_PROGRESS_DIR."
            )
        return []
    # Reading only: the store is not opened (no snapshot, no replay), and a damaged line
    # is skipped without the quarantine copy an opened store would write.
    store = ProgressStore(
        progress_dir,
        device="optimize",
        clock=SystemClock(),
        scheduler_for=_never_schedules,
        read_only=True,
    )
    return [
        Review(event.key or "", event.when, event.grade, event.duration_ms)
        for event in store.all_events()
        if event.kind == "review"
    ]
