"""The Textual application and the one factory that builds it, for the CLI and the tests.

Start-up stays light: the decks and progress are opened as Textual asks for its first
screen (:meth:`TrainerApp.get_default_screen`), which is then already filled: the home
screen with its decks, or with ``autostart`` (``trainer study --start``) the first card.
The first frame is the first screen worth seeing; there is no empty "Loading" frame to
lay out and draw first. Other screens are imported when first shown; the home screen is
made only when it is first needed (after ``--start``: the session ends, or there is
nothing to study).
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from textual.app import App
from textual.binding import Binding, BindingType

from trainer.clock import Clock
from trainer.collector import StartupCollectorPause
from trainer.exitcodes import ExitCode

if TYPE_CHECKING:
    from textual.screen import Screen

    from trainer.collection import Collection
    from trainer.model import Deck, StudyCard
    from trainer.tui.drivers import QuizDriver
    from trainer.tui.screens.home import HomeScreen

Mode = Literal["study", "quiz"]


#: Logs read in full (no snapshot) of at least this size get a notice first (about a
#: second's reading, 10,000 answers).
FIRST_READ_NOTICE_BYTES = 3_000_000


class TrainerApp(App[int]):
    """Home, study, quiz and browse screens over one :class:`trainer.collection.Collection`."""

    CSS_PATH = "trainer.tcss"
    TITLE = "trainer"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Keys", key_display="?"),
        # The palette's "Keys" panel: Esc closes it, before any screen's Esc.
        Binding("escape", "hide_help_panel", "Close keys", show=False, priority=True),
    ]

    def __init__(
        self,
        deck_paths: Sequence[Path],
        progress_dir: Path,
        clock: Clock,
        *,
        mode: Mode = "study",
        quiz_count: int = 10,
        quiz_minutes: float | None = None,
        seed: int | None = None,
        reload_interval: float | None = 1.0,
        autostart: bool = False,
        device: str | None = None,
    ) -> None:
        super().__init__()
        self.deck_paths = [Path(p) for p in deck_paths]
        self.progress_dir = Path(progress_dir)
        self.clock = clock
        self.mode: Mode = mode
        self.quiz_count = quiz_count
        self.quiz_minutes = quiz_minutes
        self.rng = random.Random(seed)
        self.reload_interval = reload_interval
        self.autostart = autostart
        self.device = device
        self.collection: Collection | None = None
        self.quiz: QuizDriver | None = None
        #: (mtime_ns, size) of every deck file seen, for live reload.
        self.deck_stamps: dict[Path, tuple[int, int]] = {}
        self._home_screen: HomeScreen | None = None
        self._collector = StartupCollectorPause()
        self._saved_theme = read_theme()
        if self._saved_theme in self.available_themes:
            self.theme = self._saved_theme

    def watch_theme(self, theme: str) -> None:
        """Keep the theme chosen (ctrl+p) for the next start."""
        if theme != self._saved_theme:
            self._saved_theme = theme
            save_theme(theme)

    # -- start-up -----------------------------------------------------------------------

    def run(self, *args: Any, **kwargs: Any) -> int | None:
        """Run the app (see :meth:`textual.app.App.run`), the garbage collector paused
        until the first screen worth seeing is drawn (:mod:`trainer.collector`)."""
        with self._collector.during():
            return super().run(*args, **kwargs)

    def get_default_screen(self) -> Screen:
        """The first screen, made before the first frame: the home screen filled with its
        decks, or with ``autostart`` the first card (opening the decks and the progress
        here). The first frame is then the one worth seeing: a blank screen first, with
        this one pushed over it once mounted, cost a second layout and 24-28 ms of CPU
        before the text showed (benchmarks/startup_bench.py, side by side).

        A quiz, and a first read of large logs (which says so on a frame of its own
        first), start from a blank screen instead (see :meth:`load`).
        """
        from trainer.progress.store import unsnapshotted_bytes

        if self.mode != "quiz":
            self._first_read_bytes = unsnapshotted_bytes(self.progress_dir)
            if self._first_read_bytes < FIRST_READ_NOTICE_BYTES:
                self._first_screen_made = True
                screen = self.first_screen()
                # Textual's switch_screen drops the result callback of the screen it
                # replaces, and gives one to the screen it puts in (with no callback):
                # the default screen gets none, so the first card could not be switched
                # for the home screen when the session ends. Give it what switch_screen
                # gives (textual 8.2; tests/test_startup_app.py ends a session there).
                screen._push_result_callback(screen, None)
                return screen
        return super().get_default_screen()

    _first_screen_made = False
    _first_read_bytes = 0

    def on_mount(self) -> None:
        if self.reload_interval:
            self.set_interval(self.reload_interval, self.check_deck_files)
        if self._first_screen_made:
            # Drawn at the next refresh: the collector waits until then.
            self.call_after_refresh(self._collector.resume)
        else:
            # Not from inside this handler: Textual dispatches the app's Mount inside a
            # batch update, and frames made during a batch are dropped.
            self.call_next(self.load)

    def push_home(self) -> None:
        """Put the home screen on top (it fills itself from the collection when shown)."""
        self.push_screen(self._new_home())

    def load(self) -> None:
        """A quiz, or a first read of large logs: the blank first screen is up; start the
        quiz, or say what is being read and push the first screen after it is drawn."""
        if self.mode == "quiz":
            self.start_quiz()
            self.call_after_refresh(self._collector.resume)
            return
        from textual.widgets import Static

        notice = Static(
            f"Reading {self._first_read_bytes / 1e6:,.0f} MB of answers once (a first "
            "start; later starts read a snapshot)...",
            id="first-read",
            markup=False,
        )
        self.mount(notice)

        def open_after_drawn() -> None:
            self.push_screen(self.first_screen())
            notice.remove()
            self.call_after_refresh(self._collector.resume)

        self.call_after_refresh(open_after_drawn)

    def first_screen(self) -> Screen:
        """Open the decks and the progress: the first card (``autostart``, when one is
        due), else the home screen; a fatal screen when the progress cannot be used."""
        from trainer.collection import Collection
        from trainer.progress.errors import ProgressError

        try:
            self.collection = Collection.open(
                self.deck_paths, self.progress_dir, clock=self.clock, device=self.device
            )
        except ProgressError as error:
            return self._fatal_screen("Progress cannot be used", str(error), ExitCode.PROGRESS)
        self.deck_stamps = self._stamps()
        for warning in self.collection.warnings:
            self.notify(warning, severity="warning", markup=False, timeout=15)
        if self.autostart:
            study = self.study_screen(None)
            if study is not None:
                return study
        return self._new_home()

    def _new_home(self) -> HomeScreen:
        from trainer.tui.screens.home import HomeScreen

        self._home_screen = HomeScreen()
        return self._home_screen

    def show_fatal(self, title: str, message: str, code: ExitCode) -> None:
        self.push_screen(self._fatal_screen(title, message, code))

    def _fatal_screen(self, title: str, message: str, code: ExitCode) -> Screen:
        from trainer.tui.screens.home import FatalScreen

        self.return_code_on_quit = int(code)
        return FatalScreen(title, message)

    return_code_on_quit: int = 0

    async def action_quit(self) -> None:
        if self.collection is not None:
            self.collection.close()
        self.exit(self.return_code_on_quit, return_code=self.return_code_on_quit)

    @property
    def home(self) -> HomeScreen | None:
        """The home screen when it is in the screen stack, else ``None``."""
        home = self._home_screen
        return home if home is not None and home in self.screen_stack else None

    def decks_by_id(self) -> dict[str, Deck]:
        return {deck.id: deck for deck in self.collection.decks} if self.collection else {}

    # -- studying -----------------------------------------------------------------------

    def start_study(self, deck_ids: list[str] | None) -> None:
        """Start a session over ``deck_ids`` (``None``: every deck) on top of this screen."""
        screen = self.study_screen(deck_ids)
        if screen is not None:
            self.push_screen(screen)

    def study_screen(self, deck_ids: list[str] | None) -> Screen | None:
        """The card screen of a session over ``deck_ids`` (``None``: every deck), or
        ``None`` with a notice saying why there is none (nothing to study now, or the
        progress cannot be written)."""
        from trainer.progress.errors import ProgressError
        from trainer.tui.drivers import SessionDriver
        from trainer.tui.screens.card import CardScreen

        assert self.collection is not None
        try:
            session = self.collection.start_session(deck_ids)
        except ProgressError as error:
            self.notify(str(error), title="Cannot study", severity="error", markup=False)
            return None
        if session.current is None:
            from trainer.tui.screens.home import done_for_today

            self.notify(
                done_for_today(self.collection, deck_ids),
                title="Nothing to study now",
                markup=False,
                timeout=10,
            )
            return None
        decks = self.decks_by_id()
        chosen = deck_ids if deck_ids is not None else list(decks)
        title = decks[chosen[0]].title if len(chosen) == 1 else "All decks"

        collection = self.collection

        def finished() -> None:
            from trainer.tui.screens.home import done_for_today
            from trainer.tui.screens.summary import SummaryScreen

            done = done_for_today(collection, deck_ids) if session.current is None else None
            summary = SummaryScreen(session.summary(), done)
            if self.home is None:  # autostart: home goes under the summary, Esc leads there
                self.switch_screen(self._new_home())
                self.push_screen(summary)
            else:
                self.switch_screen(summary)

        return CardScreen(
            SessionDriver(session), decks, rng=self.rng, on_finish=finished, title=title
        )

    def practice(self, cards: list[StudyCard]) -> None:
        """Go over ``cards`` again now without touching their schedule."""
        from trainer.tui.drivers import PracticeDriver
        from trainer.tui.screens.card import CardScreen

        driver = PracticeDriver(cards)

        def finished() -> None:
            self.pop_screen()
            right = driver.total - len(driver.missed)
            self.notify(
                f"Practice done: {right} of {driver.total} right. Your schedule is unchanged.",
                markup=False,
            )

        self.push_screen(
            CardScreen(
                driver, self.decks_by_id(), rng=self.rng, on_finish=finished, title="missed cards"
            )
        )

    # -- quiz ---------------------------------------------------------------------------

    def start_quiz(self) -> None:
        """Load the decks without the progress store (a quiz never touches it) and start."""
        from trainer.loader import find_deck_files, load_deck
        from trainer.tui.drivers import QuizDriver
        from trainer.tui.screens.card import CardScreen

        files, problems = find_deck_files(self.deck_paths)
        decks: list[Deck] = []
        for path in files:
            result = load_deck(path)
            problems.extend(result.diagnostics)
            if result.deck is not None:
                decks.append(result.deck)
        for problem in problems[:3]:
            if problem.severity == "error":
                self.notify(str(problem), severity="error", markup=False, timeout=15)
        pool = [card for deck in decks for card in deck.study_cards()]
        if not pool:
            self.show_fatal(
                "No questions", "The decks given hold no cards to ask.", ExitCode.PROBLEMS
            )
            return
        limit = self.quiz_minutes * 60 if self.quiz_minutes else None
        self.quiz = driver = QuizDriver.build(
            pool, self.quiz_count, self.clock, rng=self.rng, time_limit=limit
        )
        by_id = {deck.id: deck for deck in decks}
        if driver.total < self.quiz_count:
            self.notify(
                f"These decks hold {driver.total} questions: asking all "
                f"{driver.total}, not {self.quiz_count}.",
                markup=False,
                timeout=8,
            )

        def finished() -> None:
            from trainer.tui.screens.quiz_report import QuizReportScreen

            self.switch_screen(QuizReportScreen(driver, by_id))

        self.push_screen(
            CardScreen(
                driver, by_id, rng=self.rng, on_finish=finished, title=f"{driver.total} questions"
            )
        )

    # -- browse and edit ----------------------------------------------------------------

    def browse(self) -> None:
        from trainer.tui.screens.browse import BrowseScreen

        if self.collection is not None:
            self.push_screen(BrowseScreen(self.collection))

    def show_stats(self, deck_ids: list[str] | None) -> None:
        """The stats screen for ``deck_ids`` (``None``: every deck)."""
        from trainer.tui.screens.stats import StatsScreen

        if self.collection is None:
            return
        decks = self.decks_by_id()
        one = decks.get(deck_ids[0]) if deck_ids is not None and len(deck_ids) == 1 else None
        title = one.title if one is not None else "All decks"
        self.push_screen(StatsScreen(self.collection, deck_ids, title))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hide_help_panel":
            return bool(self.screen.query("HelpPanel"))
        # While an answer is typed, q and ? are text: the card screen's footer says how to
        # leave the field (Esc) and reach them.
        if action in ("quit", "help"):
            typing = getattr(self.screen, "_typing", None)
            if typing is not None and typing():
                return False
        return True

    def action_help(self) -> None:
        from trainer.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def open_in_editor(self, path: Path, line: int) -> bool:
        """Open ``path`` at ``line`` in ``$EDITOR`` (``$EDITOR +LINE PATH``); reload after.

        Returns whether the editor ran and exited cleanly; problems are notified.
        """
        import shlex
        import subprocess

        from textual.app import SuspendNotSupported

        editor = os.environ.get("EDITOR", "").strip()
        if not editor:
            self.notify(
                "Set the EDITOR environment variable (for example "
                "export EDITOR=nano) to open cards in your editor.",
                title="No editor",
                severity="error",
                markup=False,
                timeout=10,
            )
            return False
        command = [*shlex.split(editor), f"+{line}", str(path)]
        try:
            try:
                with self.suspend():
                    completed = subprocess.run(command, check=False)
            except SuspendNotSupported:  # headless (tests): nothing to hand over
                completed = subprocess.run(command, check=False, capture_output=True)
        except OSError as error:
            self.notify(
                f"Could not run the editor {editor!r}: {error.strerror or error}",
                title="Editor failed",
                severity="error",
                markup=False,
                timeout=10,
            )
            return False
        self.refresh()
        if completed.returncode != 0:
            self.notify(
                f"The editor {editor!r} exited with status {completed.returncode}.",
                title="Editor failed",
                severity="error",
                markup=False,
                timeout=10,
            )
        self.check_deck_files()
        return completed.returncode == 0

    # -- live reload --------------------------------------------------------------------

    def _stamps(self) -> dict[Path, tuple[int, int]]:
        from trainer.decksource import find_deck_files

        files, _ = find_deck_files(self.deck_paths)
        stamps: dict[Path, tuple[int, int]] = {}
        for path in files:
            try:
                stat = path.stat()
            except OSError:
                continue
            stamps[path] = (stat.st_mtime_ns, stat.st_size)
        return stamps

    def check_deck_files(self) -> list[Path]:
        """Reload deck files changed since last looked at; returns the ones reloaded.

        Called every ``reload_interval`` seconds. A broken edit is reported with its
        located errors and the last good version of the deck stays in use.
        """
        if self.collection is None:
            return []
        stamps = self._stamps()
        changed = [path for path, stamp in stamps.items() if self.deck_stamps.get(path) != stamp]
        self.deck_stamps = stamps
        reloaded: list[Path] = []
        for path in changed:
            result = self.collection.reload_deck(path)
            errors = [d for d in result.diagnostics if d.severity == "error"]
            if errors or result.deck is None:
                # The file name, not the full path: a toast is narrow.
                shown = "\n".join(
                    f"{d.path.name}:{d.line}:{d.column}: {d.severity} {d.code} {d.message}"
                    for d in errors[:3]
                )
                more = f"\n… and {len(errors) - 3} more" if len(errors) > 3 else ""
                self.notify(
                    f"{shown}{more}\nThe last good version stays in use.",
                    title=f"{path.name} has errors",
                    severity="error",
                    markup=False,
                    timeout=20,
                )
                continue
            reloaded.append(path)
            self.notify(f"Reloaded {path.name}.", markup=False)
        if reloaded:
            for screen in self.screen_stack:
                hook = getattr(screen, "decks_reloaded", None)
                if hook is not None:
                    hook()
        return reloaded


def read_theme() -> str | None:
    from trainer.locations import theme_file

    try:
        return theme_file().read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def save_theme(theme: str) -> None:
    from trainer.locations import theme_file

    path = theme_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(theme + "\n", encoding="utf-8")
    except OSError:
        pass  # a read-only config directory: the theme is only not remembered


def create_app(
    deck_paths: Sequence[Path],
    progress_dir: Path,
    clock: Clock,
    *,
    mode: Mode = "study",
    quiz_count: int = 10,
    quiz_minutes: float | None = None,
    seed: int | None = None,
    reload_interval: float | None = 1.0,
    autostart: bool = False,
    device: str | None = None,
) -> TrainerApp:
    """The trainer app over ``deck_paths`` (files or directories) and ``progress_dir``.

    ``mode="quiz"`` asks ``quiz_count`` random questions, within ``quiz_minutes`` when
    given, and never touches the progress. ``seed`` fixes option shuffles and quiz picks
    (tests, snapshots); ``reload_interval`` is how often deck files are checked for edits
    (``None``: never); ``autostart`` goes straight to studying every deck.
    """
    return TrainerApp(
        deck_paths,
        progress_dir,
        clock,
        mode=mode,
        quiz_count=quiz_count,
        quiz_minutes=quiz_minutes,
        seed=seed,
        reload_interval=reload_interval,
        autostart=autostart,
        device=device,
    )
