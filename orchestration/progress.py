"""Progress of a run as it happens: what the raw assets and the dbt asset report, and the model a display
reads (rows per second of each landing file, n of N dbt nodes done, time left).

The assets report through a plain Python logger (``salesops.progress``) that nothing listens to unless the
CLI runs the job in its own process (``listening``): reporting never changes what a run computes, and under
``dagster dev`` the records go nowhere. No Dagster import here, so the CLI's display can use it cheaply.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

PROGRESS_LOGGER_NAME = "salesops.progress"
_RECORD_ATTRIBUTE = "salesops_progress"

_logger = logging.getLogger(PROGRESS_LOGGER_NAME)
# The records are for a listener in this process, not for the application's log.
_logger.propagate = False

FILE = "file"
DBT = "dbt"
START = "start"
DONE = "done"


@dataclass(frozen=True)
class ProgressEvent:
    """One step of a run: a landing file started or loaded, or dbt started or finished a node."""

    kind: Literal["file", "dbt"]
    phase: Literal["start", "done"]
    name: str  # the landing file's path below the landing root, or the dbt node's unique id
    rows: int = 0  # file, done: rows received (0 for a file unchanged since its last load)
    seconds: float = 0.0  # file, done: time the load took
    status: str = ""  # file, done: the loader's status (loaded, unchanged, rejected)
    total: int = 0  # dbt: nodes this invocation runs


def report(event: ProgressEvent) -> None:
    """Hand ``event`` to whoever listens in this process (nobody, most of the time)."""
    if _logger.isEnabledFor(logging.INFO):
        _logger.info("%s", event, extra={_RECORD_ATTRIBUTE: event})


class _Forward(logging.Handler):
    def __init__(self, callback: Callable[[ProgressEvent], None]) -> None:
        super().__init__(logging.INFO)
        self.callback = callback

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, _RECORD_ATTRIBUTE, None)
        if isinstance(event, ProgressEvent):
            self.callback(event)


@contextmanager
def listening(callback: Callable[[ProgressEvent], None]) -> Iterator[None]:
    """Call ``callback`` with every event reported while the block runs."""
    handler, level = _Forward(callback), _logger.level
    _logger.addHandler(handler)
    _logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        _logger.removeHandler(handler)
        _logger.setLevel(level)


@dataclass
class FileProgress:
    name: str
    started_at: float
    done: bool = False
    rows: int = 0
    seconds: float = 0.0
    status: str = ""

    @property
    def rows_per_second(self) -> float | None:
        """Rows loaded per second of the file's own load time; None until it is loaded or when it took no time."""
        if not self.done or self.seconds <= 0:
            return None
        return self.rows / self.seconds


@dataclass
class DbtProgress:
    started_at: float
    total: int
    done: int = 0
    finished: set[str] = field(default_factory=set)

    def eta_seconds(self, now: float) -> float | None:
        """Time left at the pace so far; None before the first node finishes."""
        if self.done == 0:
            return None
        remaining = max(self.total - self.done, 0)
        return (now - self.started_at) / self.done * remaining


@dataclass
class ProgressModel:
    """What a display shows, built from the events in the order they arrive."""

    files: dict[str, FileProgress] = field(default_factory=dict)
    dbt: DbtProgress | None = None

    def apply(self, event: ProgressEvent, now: float) -> None:
        if event.kind == FILE:
            self._apply_file(event, now)
        elif event.kind == DBT:
            self._apply_dbt(event, now)

    def _apply_file(self, event: ProgressEvent, now: float) -> None:
        progress = self.files.setdefault(event.name, FileProgress(event.name, started_at=now))
        if event.phase == DONE:
            progress.done, progress.rows, progress.seconds = True, event.rows, event.seconds
            progress.status = event.status

    def _apply_dbt(self, event: ProgressEvent, now: float) -> None:
        if event.phase == START or self.dbt is None:
            # A second dbt invocation in one run (none today) starts its own count.
            self.dbt = DbtProgress(started_at=now, total=event.total)
        if event.phase == DONE and event.name not in self.dbt.finished:
            # A node reports once per output and check: counted once.
            self.dbt.finished.add(event.name)
            self.dbt.done = len(self.dbt.finished)
            self.dbt.total = max(self.dbt.total, self.dbt.done)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows for f in self.files.values())
