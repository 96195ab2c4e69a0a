"""Scheduling rules: settings layers, config errors, suggested grades, study day, fuzz."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from trainer.config import ConfigError, load_config
from trainer.model import Card, CardType, Location, SchedulingSettings
from trainer.progress import replay
from trainer.progress.store import ProgressStore
from trainer.scheduling import (
    CardState,
    Grade,
    Scheduler,
    SchedulerSettings,
    day_start,
    is_guessable,
    suggest_grade,
    to_datetime,
)

UTC = UTC
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def graduate(scheduler: Scheduler, key: str = "d/c") -> CardState:
    state = scheduler.review(key, CardState(), Grade.GOOD, T0)
    return scheduler.review(key, state, Grade.GOOD, T0 + timedelta(minutes=10))


# -- settings layers -------------------------------------------------------------------


def test_deck_settings_override_global_ones_and_unset_fields_keep_them():
    global_settings = SchedulerSettings(desired_retention=0.85, new_per_day=30)
    merged = global_settings.with_deck(SchedulingSettings(new_per_day=5))
    assert merged.new_per_day == 5
    assert merged.desired_retention == 0.85


def test_every_scheduling_key_a_deck_may_set_changes_the_schedulers_setting():
    # Each key of a deck's `scheduling:` in the format declaration, set to a value other
    # than the global one, reaches the scheduler under the same name.
    from trainer.deckformat import SCHEDULING_FIELDS

    base = SchedulerSettings()
    others = {float: 0.77, int: 7, bool: not base.enable_fuzzing, tuple: (3.0, 30.0)}
    for spec in SCHEDULING_FIELDS:
        current = getattr(base, spec.attribute)
        value = others[type(current)]
        merged = base.with_deck(SchedulingSettings(**{spec.attribute: value}))
        assert getattr(merged, spec.attribute) == value != current, spec.key


def test_config_file_overrides_defaults(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text(
        "[scheduling]\ndesired_retention = 0.8\nlearning_steps = [2, 15]\nfast_seconds = 3\n"
    )
    settings = load_config(path).scheduler
    assert settings.desired_retention == 0.8
    assert settings.learning_steps == (2.0, 15.0)
    assert settings.fast_seconds == 3.0
    assert settings.new_per_day == 20  # untouched default


def test_config_file_comes_from_the_environment_variable(tmp_path: Path, monkeypatch):
    path = tmp_path / "elsewhere.toml"
    path.write_text("[scheduling]\nnew_per_day = 7\n")
    monkeypatch.setenv("TRAINER_CONFIG", str(path))
    assert load_config().scheduler.new_per_day == 7


def test_missing_config_file_means_defaults(tmp_path: Path):
    assert load_config(tmp_path / "none.toml").scheduler == SchedulerSettings()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[scheduling]\ndesired_retention = 2\n", "scheduling.desired_retention"),
        ("[scheduling]\nnew_per_dya = 3\n", "scheduling.new_per_dya"),
        ("[scheduling]\nlearning_steps = ['a']\n", "scheduling.learning_steps"),
        ("[scheduling]\nparameters = [1, 2]\n", "scheduling.parameters"),
        ("[scheduling]\nday_rollover_hour = 24\n", "scheduling.day_rollover_hour"),
        ("[scheduling]\nenable_fuzzing = 'yes'\n", "scheduling.enable_fuzzing"),
    ],
)
def test_invalid_config_names_file_and_key(tmp_path: Path, text: str, key: str):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    assert key in str(caught.value)


def test_config_that_is_not_toml_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text("[scheduling\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


# -- FSRS settings take effect ---------------------------------------------------------


def test_higher_desired_retention_gives_shorter_intervals():
    loose = graduate(Scheduler(SchedulerSettings(desired_retention=0.8, enable_fuzzing=False)))
    strict = graduate(Scheduler(SchedulerSettings(desired_retention=0.95, enable_fuzzing=False)))
    assert strict.due < loose.due


def test_learning_steps_decide_when_a_new_card_comes_back():
    scheduler = Scheduler(SchedulerSettings(learning_steps=(3.0, 30.0)))
    state = scheduler.review("d/c", CardState(), Grade.AGAIN, T0)
    assert to_datetime(state.due) - T0 == timedelta(minutes=3)
    state = scheduler.review("d/c", CardState(), Grade.GOOD, T0)
    assert to_datetime(state.due) - T0 == timedelta(minutes=30)
    assert state.state == "learning"


def test_relearning_step_after_a_lapse():
    scheduler = Scheduler(SchedulerSettings(relearning_steps=(7.0,)))
    state = graduate(scheduler)
    later = to_datetime(state.due)
    lapsed = scheduler.review("d/c", state, Grade.AGAIN, later)
    assert lapsed.state == "relearning"
    assert lapsed.lapses == 1
    assert to_datetime(lapsed.due) - later == timedelta(minutes=7)


def test_maximum_interval_caps_intervals():
    scheduler = Scheduler(SchedulerSettings(maximum_interval=3))
    state = graduate(scheduler)
    for _ in range(6):
        when = to_datetime(state.due)
        state = scheduler.review("d/c", state, Grade.EASY, when)
        assert to_datetime(state.due) - when <= timedelta(days=3)


def test_fuzz_is_deterministic_per_card_and_time_and_varies_between_cards():
    scheduler = Scheduler(SchedulerSettings(enable_fuzzing=True))
    dues = set()
    for index in range(20):
        key = f"d/card{index}"
        state = graduate(scheduler, key)
        when = to_datetime(state.due)
        first = scheduler.review(key, state, Grade.EASY, when)
        again = scheduler.review(key, state, Grade.EASY, when)
        assert first == again
        dues.add(first.due - when.timestamp())
    assert len(dues) > 1  # fuzz does spread cards that would be due the same day


def test_without_fuzzing_every_card_gets_the_same_interval():
    scheduler = Scheduler(SchedulerSettings(enable_fuzzing=False))
    intervals = set()
    for index in range(10):
        state = graduate(scheduler, f"d/card{index}")
        when = to_datetime(state.due)
        intervals.add(
            scheduler.review(f"d/card{index}", state, Grade.EASY, when).due - when.timestamp()
        )
    assert len(intervals) == 1


def test_fitted_parameters_are_used():
    from fsrs.scheduler import DEFAULT_PARAMETERS

    custom = list(DEFAULT_PARAMETERS)
    custom[2] = 9.0  # initial stability after Good
    state = Scheduler(SchedulerSettings(parameters=tuple(custom))).review(
        "d/c", CardState(), Grade.GOOD, T0
    )
    assert state.stability == 9.0


# -- suggested grades ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("correct", "seconds", "grade"),
    [
        (False, 2.0, Grade.AGAIN),
        (False, 60.0, Grade.AGAIN),
        (True, 2.0, Grade.EASY),
        (True, 10.0, Grade.GOOD),
        (True, 60.0, Grade.HARD),
        (None, 2.0, Grade.GOOD),
    ],
)
def test_suggested_grade(correct, seconds, grade):
    settings = SchedulerSettings(fast_seconds=5, slow_seconds=25)
    assert suggest_grade(correct, seconds, settings) is grade


def test_a_possible_lucky_guess_is_never_suggested_easy():
    settings = SchedulerSettings(fast_seconds=5, slow_seconds=25)
    assert suggest_grade(True, 2.0, settings, lucky_guess=True) is Grade.GOOD
    assert suggest_grade(True, 60.0, settings, lucky_guess=True) is Grade.HARD
    assert suggest_grade(False, 2.0, settings, lucky_guess=True) is Grade.AGAIN


@pytest.mark.parametrize(
    ("card_type", "options", "items", "guessable"),
    [
        ("truefalse", (), (), True),
        ("choice", ("a", "b", "c", "d", "e", "f"), (), True),
        ("multi", ("a", "b", "c"), (), True),
        ("multi", ("a", "b", "c", "d"), (), False),
        ("order", (), ("a", "b", "c"), True),
        ("order", (), ("a", "b", "c", "d"), False),
        ("typed", (), (), False),
    ],
)
def test_guessable_cards_are_true_false_choice_and_short_multi_or_order(
    card_type, options, items, guessable
):
    card = Card(
        id="c",
        type=CardType(card_type),
        location=Location(Path("d.yaml"), 1, 1),
        options=options,
        items=items,
    )
    assert is_guessable(card) is guessable


def test_an_answer_accepted_with_a_typo_is_never_suggested_easy():
    settings = SchedulerSettings(fast_seconds=5, slow_seconds=25)
    assert suggest_grade(True, 2.0, settings, typos=1) is Grade.GOOD
    assert suggest_grade(True, 60.0, settings, typos=1) is Grade.HARD


def test_speed_thresholds_come_from_settings():
    settings = SchedulerSettings(fast_seconds=1, slow_seconds=5)
    assert suggest_grade(True, 3, settings) is Grade.GOOD
    assert suggest_grade(True, 6, settings) is Grade.HARD


# -- the study day ---------------------------------------------------------------------


def test_day_starts_at_the_rollover_hour_in_local_time():
    local = timezone(timedelta(hours=-5))
    late = datetime(2026, 3, 3, 1, 30, tzinfo=local)  # 1:30 am Tuesday: still Monday
    assert day_start(late, 4) == datetime(2026, 3, 2, 4, 0, tzinfo=local)
    early = datetime(2026, 3, 3, 4, 0, tzinfo=local)
    assert day_start(early, 4) == datetime(2026, 3, 3, 4, 0, tzinfo=local)
    assert day_start(late, 0) == datetime(2026, 3, 3, 0, 0, tzinfo=local)


# -- replay reproduces what was recorded -----------------------------------------------


def test_replaying_the_log_recomputes_exactly_the_recorded_states(tmp_path: Path):
    """Months of study with fuzz on: recomputing every review from the grades alone
    gives exactly the states written at the time."""
    import random

    from trainer.progress.events import encode_review, now_text
    from trainer.progress.store import new_event_id

    scheduler = Scheduler(SchedulerSettings(enable_fuzzing=True))
    rng = random.Random(7)
    states = {f"d/c{i}": CardState() for i in range(15)}
    last_ids: dict[str, str | None] = dict.fromkeys(states)
    lines = []
    now = T0
    for _ in range(120 * 24):  # hourly for four months
        now += timedelta(hours=1)
        for key, state in states.items():
            if state.is_new or state.due <= now.timestamp():
                grade = Grade(rng.choice([1, 2, 3, 3, 3, 4]))
                new_state = scheduler.review(key, state, grade, now)
                event_id = new_event_id()
                lines.append(
                    encode_review(
                        event_id,
                        key,
                        now_text(now),
                        int(grade),
                        1000,
                        None,
                        last_ids[key],
                        new_state,
                    )
                )
                states[key], last_ids[key] = new_state, event_id
    assert len(lines) > 200
    (tmp_path / "reviews-x.jsonl").write_bytes(
        b'{"format": 1, "kind": "trainer-progress", "device": "x"}\n' + b"".join(lines)
    )

    from trainer.clock import FakeClock

    store = ProgressStore.open(
        tmp_path,
        device="x",
        clock=FakeClock(now),
        scheduler_for=lambda key: scheduler,
        use_snapshot=False,
    )
    events = list(store.all_events())
    recomputed = replay(events, lambda key: scheduler, trust_recorded=False)
    recorded = replay(events, lambda key: scheduler, trust_recorded=True)
    assert {k: r.state for k, r in recomputed.items()} == states
    assert {k: r.state for k, r in recorded.items()} == states


def test_review_changes_no_process_wide_state_and_needs_no_lock():
    """Fuzz is computed here (deterministic, from the key and the time): no review draws
    from `random` or patches a module of `fsrs`, so threads may review at once."""
    import random
    import sys
    from concurrent.futures import ThreadPoolExecutor

    import fsrs

    modules = [m for name, m in sys.modules.items() if name.split(".")[0] == "fsrs"]
    before = [dict(vars(m)) for m in modules] + [random.getstate()]
    scheduler = Scheduler(SchedulerSettings(enable_fuzzing=True))
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def history(key: str) -> list[CardState]:
        state, states = CardState(), []
        for day, grade in enumerate([Grade.GOOD, Grade.GOOD, Grade.EASY, Grade.HARD] * 3):
            state = scheduler.review(key, state, grade, start + timedelta(days=day * 9))
            states.append(state)
        return states

    keys = [f"d/c{i}" for i in range(16)]
    alone = [history(key) for key in keys]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(history, keys))
    assert together == alone
    assert len({states[-1].due for states in alone}) > 1  # fuzz did spread them
    after = [dict(vars(m)) for m in modules] + [random.getstate()]
    assert after == before
    assert fsrs.Scheduler is before[modules.index(sys.modules["fsrs"])]["Scheduler"]


def test_replaying_without_scheduling_gives_the_same_memory_states():
    # The optimizer's check replays histories with schedule=False (a third less time);
    # the stability, difficulty and state after each answer must be those of a real review.
    import random

    scheduler = Scheduler(SchedulerSettings(enable_fuzzing=False))
    rng = random.Random(5)
    for _ in range(60):
        full = memory = CardState()
        when = T0
        for _ in range(12):
            grade = Grade(rng.choice([1, 2, 3, 3, 3, 4]))
            full = scheduler.review("d/c", full, grade, when)
            memory = scheduler.review("d/c", memory, grade, when, schedule=False)
            assert memory._replace(due=full.due) == full
            when += timedelta(days=rng.choice([0, 0, 1, 2, 5, 13, 40]), minutes=rng.randrange(600))
