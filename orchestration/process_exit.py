"""A console command's process ended without the interpreter's teardown.

After a pipeline run, the ``salesops`` process holds about 680k Python objects (Dagster's definitions, dbt's
manifest, the run's events), and the ``salesops-dbt`` process dbt's whole parsed project. When Python exits
normally it collects and frees all of them: 1.5 s of every ``salesops run`` on 2 cores, and ~0.4 s of every
dbt build that the Dagster step waits for (docs/benchmarks.md, "The process's exit"). Nothing in that
teardown is needed once the command is done: the operating system takes the memory back at once.

``run_and_exit`` runs a command's main function and lets Python exit as usual up to the last ``atexit``
handler: non-daemon threads are joined, every handler registered after it runs (dbt-duckdb closes its DuckDB
connections, so the warehouse is checkpointed), and a ``SystemExit`` message is printed. Then it flushes
the logging handlers and the standard streams and ends the process with the command's exit status
(``os._exit``), skipping the collection and the modules' teardown. (``gc.freeze()`` would skip the
collection too, but DuckDB's bindings then report every object still alive as leaked, on stderr.)

When an exception other than ``SystemExit`` escapes the command, Python's own exit runs in full: it prints
the traceback and sets the status, and nothing here changes that.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sys
from collections.abc import Callable
from typing import NoReturn


def exit_status(code: object) -> int:
    """The status Python's own exit gives a ``SystemExit(code)``: None is 0, an int (a bool too) itself (the
    operating system keeps its low 8 bits), anything else (a message Python prints) 1."""
    if code is None:
        return 0
    return int(code) if isinstance(code, int) else 1


def run_and_exit(main: Callable[[], object]) -> NoReturn:
    """Run ``main`` (a console entry point: its return value or ``SystemExit`` code is the exit status) and
    end the process once Python's exit has run every other ``atexit`` handler. Call it first thing in the
    console script, before anything registers a handler: ``atexit`` runs handlers last-registered-first,
    and this one must come last. Never call it from code a test runs in its own process."""
    finished: list[int] = []

    def _end_process() -> None:
        if not finished:
            return  # an exception escaped main: Python's whole exit, as it would run without this module
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe or stream: nothing can reach it
                stream.flush()
        os._exit(finished[0])

    atexit.register(_end_process)
    try:
        code = main()
    except SystemExit as exc:
        finished.append(exit_status(exc.code))
        raise
    finished.append(exit_status(code))
    sys.exit(code)
