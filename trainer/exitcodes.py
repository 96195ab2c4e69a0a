"""Process exit codes, shared by every command."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    #: Problems were found (deck errors, or warnings under ``--strict``).
    PROBLEMS = 1
    #: Bad command line, or a path that does not exist or cannot be read.
    USAGE = 2
    #: The progress store cannot be used (unreadable, read-only, newer format).
    PROGRESS = 3
    #: ``trainer sync`` could not reach the remote, or it refused (nothing is lost).
    SYNC = 4
    #: Interrupted by the user (Ctrl+C).
    INTERRUPTED = 130
