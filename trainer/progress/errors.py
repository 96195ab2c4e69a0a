"""The one exception the progress store raises."""


class ProgressError(Exception):
    """The progress store cannot be used: the message says what happened and what to do.

    Commands turn it into ``ExitCode.PROGRESS``; the TUI shows it. Nothing already
    recorded is ever lost when it is raised.
    """
