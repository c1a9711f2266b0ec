"""``salesops-dbt`` (orchestration/dbt_entry.py): dbt's command line, with a ``--version`` that needs neither
dbt's import nor the network. Checked against dbt's own script."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from dbt.version import get_installed_version

from orchestration.dbt_project import dbt_executable

BIN = Path(sys.executable).parent


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


def test_the_pipeline_runs_dbt_through_the_projects_entry_point():
    # A venv installed before the entry point existed needs `pip install -e .` again (README, command 1).
    assert dbt_executable() == str(BIN / "salesops-dbt")


def test_version_is_the_installed_dbt_core_as_dbt_itself_reports_it():
    ours = _run(str(BIN / "salesops-dbt"), "--version")
    assert ours.returncode == 0
    # dbt's own "installed" line comes from this function (its --version adds PyPI's latest release).
    installed = get_installed_version().to_version_string(skip_matcher=True)
    # dagster-dbt takes the first x.y.z of the output as the version.
    assert re.search(r"(\d+\.\d+\.\d+)", ours.stdout).group(1) == installed


def test_version_does_not_import_dbt():
    code = (
        "import sys; sys.argv = ['salesops-dbt', '--version']; from orchestration.dbt_entry import main; main(); "
        "print(sorted(m for m in sys.modules if m == 'dbt' or m.startswith('dbt.')))"
    )
    out = _run(sys.executable, "-c", code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_other_commands_are_dbts_own():
    for argv in (["--help"], ["parse", "--no-such-flag"]):
        ours, theirs = _run(str(BIN / "salesops-dbt"), *argv), _run(str(BIN / "dbt"), *argv)
        # click names the program it runs as in its usage line.
        assert (ours.returncode, ours.stdout.replace("salesops-dbt", "dbt")) == (theirs.returncode, theirs.stdout)
        assert ours.stderr.replace("salesops-dbt", "dbt") == theirs.stderr, argv
