"""Showing a run's progress (orchestration/progress.py): rich bars on a terminal, plain lines elsewhere."""

from __future__ import annotations

import time
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn

from orchestration.progress import DBT, DONE, FILE, ProgressEvent, ProgressModel

# Plain output names dbt's progress at every tenth of its nodes, not at each of its ~900.
PLAIN_DBT_STEPS = 10


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-:--"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


def file_line(model: ProgressModel, name: str) -> str:
    f = model.files[name]
    rate = f.rows_per_second
    speed = f"{rate:,.0f} rows/s" if rate is not None else ""
    return f"{name}: {f.status} {f.rows:,} rows in {f.seconds:.2f}s {speed}".rstrip()


def dbt_line(model: ProgressModel, now: float) -> str:
    assert model.dbt is not None
    d = model.dbt
    return f"dbt: {d.done} of {d.total} nodes done, ETA {_duration(d.eta_seconds(now))}"


class PlainView:
    """One line per loaded file, and dbt's count at every tenth of its nodes."""

    def __init__(self, out: TextIO) -> None:
        self.out, self.model, self._dbt_step = out, ProgressModel(), -1

    def __call__(self, event: ProgressEvent) -> None:
        now = time.monotonic()
        self.model.apply(event, now)
        if event.kind == FILE and event.phase == DONE:
            print(file_line(self.model, event.name), file=self.out, flush=True)
        elif event.kind == DBT and self.model.dbt is not None and self.model.dbt.total:
            step = self.model.dbt.done * PLAIN_DBT_STEPS // self.model.dbt.total
            if step != self._dbt_step:
                self._dbt_step = step
                print(dbt_line(self.model, now), file=self.out, flush=True)

    def __enter__(self) -> PlainView:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class RichView:
    """A bar per landing file (rows, rows/s) and one for the dbt nodes (n of N, ETA)."""

    def __init__(self, console: Console) -> None:
        self.model = ProgressModel()
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[detail]}"),
            console=console,
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, event: ProgressEvent) -> None:
        now = time.monotonic()
        self.model.apply(event, now)
        if event.kind == FILE:
            self._file(event)
        elif event.kind == DBT and self.model.dbt is not None:
            d = self.model.dbt
            task = self._task("dbt", "dbt build", d.total or None)
            self.progress.update(task, completed=d.done, total=d.total or None, detail=dbt_line(self.model, now)[5:])

    def _task(self, key: str, description: str, total: float | None) -> TaskID:
        if key not in self._tasks:
            self._tasks[key] = self.progress.add_task(description, total=total, detail="")
        return self._tasks[key]

    def _file(self, event: ProgressEvent) -> None:
        task = self._task(FILE + event.name, event.name, None)
        if event.phase == DONE:
            f = self.model.files[event.name]
            rate = f.rows_per_second
            detail = f"{f.rows:,} rows" + (f", {rate:,.0f} rows/s" if rate is not None else "") + f" ({f.status})"
            self.progress.update(task, total=max(f.rows, 1), completed=max(f.rows, 1), detail=detail)

    def __enter__(self) -> RichView:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()
