"""The pictures of the statistics, shared by ``trainer stats`` and the TUI's stats screen.

Only Rich and plotext here (no Textual), so the command line can draw the same charts
without loading the TUI. The calendar heatmap is Rich text (weeks as columns, weekdays as
rows); the bar and line charts are drawn by plotext through ``draw_*`` functions that take
a plotext-like object: the ``plotext`` module itself (:func:`plot_text`, for the shell) or
a ``textual_plotext`` widget's ``plt`` (the TUI).

Deck text never reaches these functions: titles are rendered by the callers as literal
``Text``. Shades are also drawn as different characters, so they read without colour
(``NO_COLOR``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from trainer.stats import RetentionWeek, Stats

#: Heatmap cells from no reviews to the busiest days of the year.
SHADES = ("·", "░", "▒", "▓", "█")
SHADE_STYLES = ("bright_black", "green4", "green3", "green1", "bold bright_green")
WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "Sun")
#: Width of the weekday labels left of the heatmap.
LABEL_WIDTH = 4
#: Days of the time-spent bar chart.
TIME_DAYS = 30

YOUNG_COLOR = "cyan"
MATURE_COLOR = "orange"


def shade(count: int, busiest: int) -> int:
    """Shade level 0-4 of a day with ``count`` reviews when the busiest day had ``busiest``.

    0 only for no reviews; levels 1-4 split 1..busiest into four equal ranges.
    """
    if count <= 0 or busiest <= 0:
        return 0
    return min(4, -(-4 * count // busiest))  # ceil(4 * count / busiest)


def heatmap(calendar: Sequence[int], today: date) -> Text:
    """Reviews per day (``calendar[-1]`` is ``today``) as a GitHub-style calendar: one
    column per week (Monday on top), month names above, a legend below."""
    start = today - timedelta(days=len(calendar) - 1)
    first_monday = start - timedelta(days=start.weekday())
    weeks = (today - first_monday).days // 7 + 1
    busiest = max(calendar, default=0)
    grid = [[" "] * weeks for _ in range(7)]
    styles: list[list[str]] = [[""] * weeks for _ in range(7)]
    for offset, count in enumerate(calendar):
        day = start + timedelta(days=offset)
        column, row = (day - first_monday).days // 7, day.weekday()
        level = shade(count, busiest)
        grid[row][column] = SHADES[level]
        styles[row][column] = SHADE_STYLES[level]
    # Month names above the week holding the 1st (the last one may stick out).
    months = ""
    for column in range(weeks):
        week_start = first_monday + timedelta(weeks=column)
        for day in (week_start + timedelta(days=d) for d in range(7)):
            fits = not months or column > len(months)  # one space between names
            if day.day == 1 and start <= day <= today and fits:
                months = months.ljust(column) + day.strftime("%b")
    text = Text(" " * LABEL_WIDTH + months, style="dim")
    text.append("\n")
    for row in range(7):
        text.append(f"{WEEKDAYS[row]:<{LABEL_WIDTH}}", style="dim")
        for column in range(weeks):
            text.append(grid[row][column], style=styles[row][column])
        text.append("\n")
    text.append(" " * LABEL_WIDTH + "less ", style="dim")
    for level, char in enumerate(SHADES):
        text.append(char, style=SHADE_STYLES[level])
        text.append(" ")
    text.append("more", style="dim")
    total, days = sum(calendar), sum(1 for c in calendar if c)
    text.append(
        f"   {total} review{_s(total)} on {days} day{_s(days)}; busiest: {busiest}", style="dim"
    )
    return text


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _integer_ticks(top: float) -> list[int]:
    top = max(1, int(top + 0.999))
    step = max(1, -(-top // 4))
    return list(range(0, top + 1, step))


def draw_forecast(plt: Any, forecast: Sequence[int]) -> None:
    """Bars of cards due per day; day 0 (today) includes the overdue ones."""
    days = list(range(len(forecast)))
    plt.bar(days, list(forecast), width=0.6, color=YOUNG_COLOR)
    plt.xticks(
        [d for d in days if d % 7 == 0],
        ["today" if d == 0 else f"+{d}d" for d in days if d % 7 == 0],
    )
    plt.yticks(_integer_ticks(max(forecast, default=0)))
    plt.title("Cards due per day, next 30 days (today includes overdue)")


def draw_retention(plt: Any, weeks: Sequence[RetentionWeek]) -> bool:
    """Lines of weekly retention (percent), young and mature; weeks without such answers
    are left out. Returns whether there was anything to draw."""
    drawn = False
    for color, marker, values in (
        (YOUNG_COLOR, "o", [w.young for w in weeks]),
        (MATURE_COLOR, "x", [w.mature for w in weeks]),
    ):
        points = [(i, v * 100) for i, v in enumerate(values) if v is not None]
        if points:
            xs, ys = zip(*points, strict=True)
            # The title names the markers: a plotext legend would cover the first weeks.
            plt.plot(list(xs), list(ys), marker=marker, color=color)
            drawn = True
    ticks = [i for i in range(len(weeks)) if (len(weeks) - 1 - i) % 13 == 0]
    plt.xticks(ticks, [weeks[i].start.strftime("%b %d") for i in ticks])
    plt.xlim(-0.5, len(weeks) - 0.5)
    plt.ylim(0, 100)
    plt.yticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    plt.title("Retention per week (o young, x mature)")
    return drawn


def time_series(stats: Stats, days: int = TIME_DAYS) -> list[float]:
    """Minutes spent per study day over the last ``days`` days, oldest first."""
    return [
        stats.time_per_day.get(stats.today - timedelta(days=back), 0.0) / 60
        for back in range(days - 1, -1, -1)
    ]


def draw_time(plt: Any, minutes: Sequence[float]) -> None:
    """Bars of minutes spent per day, the last one today."""
    days = list(range(-len(minutes) + 1, 1))
    plt.bar(days, list(minutes), width=0.6, color=MATURE_COLOR)
    ticks = [d for d in days if d % 7 == 0]
    plt.xticks(ticks, ["today" if d == 0 else f"{d}d" for d in ticks])
    top = max(minutes, default=0.0)
    if top < 4:  # short sessions: keep fractional minutes readable
        plt.yticks([0, top / 2, top] if top else [0, 1])
    else:
        plt.yticks(_integer_ticks(top))
    plt.title("Minutes spent per day, last 30 days")


def plot_text(draw: Callable[[Any], object], width: int, height: int) -> Text:
    """A plotext chart drawn by ``draw(plotext)``, as Rich text ``width`` x ``height``."""
    import importlib

    # plotext ships no type information: it is used as a module of unknown types.
    plotext: Any = importlib.import_module("plotext")
    plotext.clf()
    plotext.plotsize(width, height)
    plotext.theme("clear")
    draw(plotext)
    # plotext ends every line with a reset code; Rich turns it into spans (or drops them
    # under NO_COLOR / when not writing to a terminal).
    return Text.from_ansi(plotext.build().rstrip("\n"), no_wrap=True)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _duration(seconds: float) -> str:
    minutes = seconds / 60
    if minutes < 60:
        return f"{minutes:.0f} min" if minutes >= 1 or seconds == 0 else f"{seconds:.0f} s"
    return f"{int(minutes // 60)} h {int(minutes % 60):02d} min"


def summary_table(stats: Stats) -> Table:
    """Reviews, streak, time and retention, two columns of label and value."""
    table = Table.grid(padding=(0, 2))
    for _ in range(4):
        table.add_column()
    study_days = stats.study_days
    average = stats.time_spent_seconds / study_days if study_days else 0.0
    rows = [
        (
            "Reviews",
            f"{stats.reviews} ({stats.reviews_today} today)",
            "Retention",
            _percent(stats.retention),
        ),
        (
            "Streak",
            f"{stats.streak} day{_s(stats.streak)} (longest {stats.longest_streak})",
            "  young",
            _percent(stats.retention_young),
        ),
        ("Study days", str(study_days), "  mature", _percent(stats.retention_mature)),
        (
            "Time spent",
            f"{_duration(stats.time_spent_seconds)} ({_duration(stats.time_today_seconds)} today)",
            "Accuracy",
            _percent(stats.accuracy),
        ),
        ("Per study day", _duration(average), "", ""),
    ]
    for label, value, label2, value2 in rows:
        table.add_row(
            Text(label, style="bold"), Text(value), Text(label2, style="bold"), Text(value2)
        )
    return table


def states_table(stats: Stats) -> Table:
    """Cards by state: new, learning, review, relearning, suspended, total."""
    cards = stats.cards
    total = sum(cards[s] for s in ("new", "learning", "review", "relearning"))
    table = Table(box=None, padding=(0, 2), show_edge=False)
    names = ("new", "learning", "review", "relearning", "suspended")
    for name in (*names, "total"):
        table.add_column(name.capitalize(), justify="right")
    table.add_row(*(str(cards[name]) for name in names), str(total))
    return table


def forecast_line(forecast: Sequence[int]) -> Text:
    """The forecast in numbers: today, tomorrow, next 7 and 30 days."""
    today = forecast[0] if forecast else 0
    tomorrow = forecast[1] if len(forecast) > 1 else 0
    return Text(
        f"Due today (with overdue): {today} · tomorrow: {tomorrow} · "
        f"7 days: {sum(forecast[:7])} · 30 days: {sum(forecast)}"
    )
