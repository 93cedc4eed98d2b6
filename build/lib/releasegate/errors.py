"""The errors releasegate raises, each carrying the exit code it maps to.

    ReleasegateError            (exit 2 unless a subclass says otherwise)
    ├── UsageError              bad command line
    ├── ConfigError             bad releasegate.toml / budgets / personas: names file, key, expectation
    ├── TargetError             the environment cannot be reached or started (exit 3)
    ├── HistoryError            the run history cannot be opened, read or written (exit 3)
    └── LayerError              a layer's tool crashed, timed out or produced no data (exit 3)

Messages say what went wrong, where, and what to do next. Only the CLI prints them
and turns them into an exit code.
"""

from __future__ import annotations

from releasegate.exitcodes import ExitCode


class ReleasegateError(Exception):
    """Base class. ``exit_code`` tells the CLI how to end."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class UsageError(ReleasegateError):
    """The command line asks for something that cannot be done."""


class ConfigError(ReleasegateError):
    """A configuration file is invalid. ``location`` is ``file:key`` when known."""

    def __init__(
        self, message: str, *, file: str | None = None, key: str | None = None, hint: str | None = None
    ) -> None:
        where = ":".join(p for p in (file, key) if p)
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
        self.file = file
        self.key = key


class TargetError(ReleasegateError):
    """The target environment could not be started or reached."""

    exit_code = ExitCode.INCONCLUSIVE


class HistoryError(ReleasegateError):
    """The run history (a SQLite file or a PostgreSQL database) cannot be opened, read or written:
    without it a baseline or SLO cannot be judged, and a run cannot be filed."""

    exit_code = ExitCode.INCONCLUSIVE


class LayerError(ReleasegateError):
    """A layer could not produce a trustworthy result (crash, timeout, no data)."""

    exit_code = ExitCode.INCONCLUSIVE

    def __init__(self, layer: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(f"{layer}: {message}", hint=hint)
        self.layer = layer
