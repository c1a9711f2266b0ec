"""A console command's process ended without the interpreter's teardown (orchestration/process_exit.py): the
same exit status, output and ``atexit`` work as Python's own exit, minus the teardown. Each case runs in its
own interpreter, since the end is ``os._exit``."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from orchestration.process_exit import exit_status

REPO = Path(__file__).resolve().parents[1]

# A command whose ending is chosen by argv[1]. Its output waits in buffers until the exit flushes it: stdout
# without a newline (block-buffered on a pipe), stderr without one (line-buffered), a log record held by a
# MemoryHandler until logging.shutdown(). An atexit handler registered by the command itself writes to stderr
# (it must still run), and an object's __del__ shows whether the interpreter's teardown ran.
SCRIPT = textwrap.dedent(
    """
    import atexit, logging, sys
    from orchestration.process_exit import run_and_exit

    class Torn:
        def __del__(self):
            sys.stderr.write("torn down\\n")

    def main():
        global kept
        kept = Torn()
        atexit.register(lambda: sys.stderr.write("handler ran\\n"))
        memory = logging.handlers.MemoryHandler(capacity=1000, target=logging.StreamHandler(sys.stderr))
        logging.getLogger("cmd").addHandler(memory)
        logging.getLogger("cmd").warning("logged")
        sys.stdout.write("done")
        sys.stderr.write("partial")
        how = sys.argv[1]
        if how == "return":
            return 4
        if how == "exit-none":
            sys.exit()
        if how == "exit-int":
            sys.exit(3)
        if how == "full-disk":
            sys.stdout = open("/dev/full", "w")
            sys.stdout.write("lost")
            return 0
        if how == "exit-message":
            sys.exit("stopped: bad input")
        raise ValueError("boom")

    import logging.handlers
    run_and_exit(main)
    """
)


def _run(how: str) -> subprocess.CompletedProcess:
    # Without PYTHONUNBUFFERED (set in many CI images), so that the streams buffer as they do for a user.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, how], capture_output=True, text=True, cwd=REPO, env=env, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("how", "status", "stderr_has"),
    [("return", 4, []), ("exit-none", 0, []), ("exit-int", 3, []), ("exit-message", 1, ["stopped: bad input"])],
)
def test_a_finished_command_keeps_its_status_output_and_handlers_without_the_teardown(how, status, stderr_has):
    done = _run(how)
    assert done.returncode == status, done.stderr
    assert done.stdout == "done"
    for line in ["partial", "handler ran", "logged", *stderr_has]:
        assert line in done.stderr
    assert "torn down" not in done.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_output_that_cannot_be_written_at_exit_fails_the_command_as_in_python():
    # Python's own exit gives 120 when the last flush of stdout fails (a full disk, a closed pipe).
    done = _run("full-disk")
    assert done.returncode == 120
    assert "could not flush" in done.stderr


def test_an_escaped_exception_gets_pythons_whole_exit():
    done = _run("raise")
    assert done.returncode == 1
    assert "ValueError: boom" in done.stderr
    assert done.stdout == "done"
    assert "handler ran" in done.stderr
    assert "torn down" in done.stderr


def test_exit_status_is_pythons():
    # Python's own exit: sys.exit() and sys.exit(None) give 0, an int (a bool is one) its value, else 1.
    assert [exit_status(c) for c in (None, 0, 3, True, False, "message", 2.5)] == [0, 0, 3, 1, 0, 1, 1]


def test_the_console_scripts_end_their_process_this_way():
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {
        "salesops": "orchestration.console_scripts:salesops",
        "salesops-dbt": "orchestration.console_scripts:salesops_dbt",
    }


def test_nothing_registers_an_exit_handler_before_the_console_scripts_do():
    # atexit runs handlers last-registered-first, so a handler registered while the entry module is imported
    # would be skipped by the exit. Only logging's may come first: the exit calls logging.shutdown() itself.
    code = textwrap.dedent(
        """
        import atexit, sys
        registered = []
        register = atexit.register

        def recording(func, *args, **kwargs):
            registered.append(getattr(func, "__qualname__", repr(func)))
            return register(func, *args, **kwargs)

        atexit.register = recording
        import orchestration.console_scripts
        heavy = [m for m in ("duckdb", "dbt", "dagster") if m in sys.modules]
        print(sorted(set(registered) - {"shutdown"}), heavy)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60, check=False
    )
    assert out.stdout.strip() == "[] []", out.stderr
