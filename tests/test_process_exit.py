"""A console command's process ended without the interpreter's teardown (orchestration/process_exit.py): the
same exit status, output and ``atexit`` work as Python's own exit, minus the teardown. Each case runs in its
own interpreter, since the end is ``os._exit``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from orchestration.process_exit import exit_status

REPO = Path(__file__).resolve().parents[1]

# A command whose ending is chosen by argv[1]. Its output waits in buffers until the exit flushes it: stdout
# without a newline (a pipe is block-buffered anyway), a log record held by a MemoryHandler until
# logging.shutdown(). An atexit handler registered by the command itself writes to stderr (it must still run),
# and an object's __del__ shows whether the interpreter's teardown ran.
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
        how = sys.argv[1]
        if how == "return":
            return 4
        if how == "exit-none":
            sys.exit()
        if how == "exit-message":
            sys.exit("stopped: bad input")
        raise ValueError("boom")

    import logging.handlers
    run_and_exit(main)
    """
)


def _run(how: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, how], capture_output=True, text=True, cwd=REPO, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("how", "status", "stderr_has"),
    [("return", 4, []), ("exit-none", 0, []), ("exit-message", 1, ["stopped: bad input"])],
)
def test_a_finished_command_keeps_its_status_output_and_handlers_without_the_teardown(how, status, stderr_has):
    done = _run(how)
    assert done.returncode == status, done.stderr
    assert done.stdout == "done"
    for line in ["handler ran", "logged", *stderr_has]:
        assert line in done.stderr
    assert "torn down" not in done.stderr


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


def test_the_command_is_imported_after_the_exit_is_set_up():
    # The exit must come after the atexit handlers of DuckDB and dbt-duckdb (dbt-duckdb closes its DuckDB
    # connections there): their modules must not be imported before run_and_exit registers its own.
    code = (
        "import sys; import orchestration.console_scripts; "
        "print(sorted(m for m in ('duckdb', 'dbt', 'dagster') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr
