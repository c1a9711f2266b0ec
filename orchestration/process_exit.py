"""A console command's process ended without the interpreter's teardown.

After a pipeline run the ``salesops`` process holds Dagster's definitions, dbt's manifest and the run's
events, and the ``salesops-dbt`` process dbt's whole parsed project. When Python exits normally it collects
and frees every one of those objects, which costs seconds per run that nobody needs once the command is done
(figures: docs/benchmarks.md, "The process's exit"); the operating system takes the memory back at once.

``run_and_exit`` runs a command's main function and lets Python exit as usual up to the last ``atexit``
handler: non-daemon threads are joined, every handler registered after it runs, and a ``SystemExit``
message is printed. Then it flushes the logging handlers and the standard streams and ends the process with
the command's exit status (``os._exit``), skipping the collection and the modules' teardown. (``gc.freeze()``
would skip the collection too, but DuckDB's bindings then report every object still alive as leaked, on
stderr.)

What the teardown would still have done is skipped too: closing Python file objects left open, and C++
destructors, such as a DuckDB database left open, which would checkpoint on close. The project closes every
connection and file it opens (dbt closes its DuckDB connections when its command ends), and what DuckDB
committed stays in its write-ahead log either way; a ``.wal`` left beside the warehouse after a command
means a connection was not closed.

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

# Python's exit status when flushing stdout or stderr fails at exit (Py_Exit): a full disk or a closed pipe
# must not look like success.
FLUSH_FAILED_STATUS = 120


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
    and this one must come last. Never call it in pytest's own process: it would end it."""
    finished: list[int] = []

    def _end_process() -> None:
        if not finished:
            return  # an exception escaped main: Python's whole exit, as it would run without this module
        logging.shutdown()
        status = finished[0]
        for stream in (sys.stdout, sys.stderr):
            if stream is None or stream.closed:
                continue  # as Python's exit: a stream the command closed has nothing left to flush
            try:
                stream.flush()
            except OSError as exc:
                status = FLUSH_FAILED_STATUS
                with contextlib.suppress(OSError):  # stderr itself gone: nothing more can be reported
                    os.write(2, f"could not flush {getattr(stream, 'name', stream)!s} at exit: {exc!r}\n".encode())
        os._exit(status)

    atexit.register(_end_process)
    try:
        code = main()
    except SystemExit as exc:
        finished.append(exit_status(exc.code))
        raise
    finished.append(exit_status(code))
    sys.exit(code)
