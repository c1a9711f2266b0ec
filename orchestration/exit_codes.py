"""The exit codes of ``salesops``: the one table scripts rely on (README "Exit codes", ``salesops --help``)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # the command did what it was asked; a run succeeded with every blocking check passed
    FAILED = 1  # a run or a step failed, or a blocking check failed (nothing was published)
    USAGE = 2  # bad command line or unusable setting; nothing ran
    NOTHING_YET = 3  # nothing to report yet: no pipeline run, no warehouse or no serving file


_MEANING = {
    ExitCode.OK: "ok",
    ExitCode.FAILED: "the run failed or a blocking check failed",
    ExitCode.USAGE: "usage or settings error, nothing ran",
    ExitCode.NOTHING_YET: "nothing to report yet (no run, no warehouse)",
}


def exit_code_table() -> str:
    """The table as help text: one line per code."""
    return "\n".join(f"{int(code)} {_MEANING[code]}" for code in ExitCode)
