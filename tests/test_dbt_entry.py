"""``salesops-dbt`` (orchestration/dbt_entry.py): dbt's command line, with a ``--version`` that needs neither
dbt's import nor the network (checked against dbt's own script), and a warehouse passed as a var opened from
its own folder."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
from dbt.version import get_installed_version

from orchestration.dbt_entry import DbtInvocation, folders_are_absolute, in_warehouse_folder
from orchestration.dbt_project import dbt_executable
from orchestration.settings import DBT_PROJECT_DIR, PROFILE_WAREHOUSE_VAR, WAREHOUSE_ENV

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


# ------------------------------------------------------------------------ a warehouse opened from its folder
def test_the_warehouse_var_becomes_its_folder_and_the_file_name_in_it(tmp_path: Path):
    wh = str(tmp_path / "salesops.duckdb")
    args = ["build", "--vars", json.dumps({PROFILE_WAREHOUSE_VAR: wh, "as_of_date": "2031-02-28"}), "--select", "x"]
    assert in_warehouse_folder(args) == DbtInvocation(
        ["build", "--vars", '{"as_of_date": "2031-02-28", "salesops_warehouse": "./salesops.duckdb"}', "--select", "x"],
        tmp_path,
        "./salesops.duckdb",
    )


def test_anything_else_reaches_dbt_unchanged(tmp_path: Path):
    cases = [
        ["build"],
        ["build", "--vars", '{"as_of_date": "2031-02-28"}'],
        ["build", "--vars", json.dumps({PROFILE_WAREHOUSE_VAR: "relative/salesops.duckdb"})],
        ["build", "--vars", json.dumps({PROFILE_WAREHOUSE_VAR: str(tmp_path / "missing" / "salesops.duckdb")})],
        ["build", "--vars", f"{{{PROFILE_WAREHOUSE_VAR}: {tmp_path}/salesops.duckdb}}"],  # YAML, dbt reads it
        ["build", "--vars", "[1, 2]"],
        ["build", "--vars", json.dumps({PROFILE_WAREHOUSE_VAR: 3})],
        ["build", "--vars", "{}", "--vars", json.dumps({PROFILE_WAREHOUSE_VAR: str(tmp_path / "w.duckdb")})],
        ["build", "--vars"],
    ]
    for args in cases:
        assert in_warehouse_folder(args) == DbtInvocation(args), args


def test_only_absolute_folders_from_the_environment_allow_another_working_folder():
    names = ("DBT_PROJECT_DIR", "DBT_PROFILES_DIR", "DBT_TARGET_PATH", "DBT_LOG_PATH")
    env = {name: "/abs/" + name.lower() for name in names}
    assert folders_are_absolute(["build"], env)
    assert not folders_are_absolute(["build"], {**env, "DBT_LOG_PATH": "logs"})
    assert not folders_are_absolute(["build"], {k: v for k, v in env.items() if k != "DBT_PROFILES_DIR"})
    assert not folders_are_absolute(["build", "--project-dir", "/abs/p"], env)
    assert not folders_are_absolute(["build", "--target-path=t"], env)


def _seed_through_the_entry_point(warehouse: Path, target: Path) -> subprocess.CompletedProcess:
    # As dagster-dbt runs it: the folders in the environment as absolute paths, in the project's folder.
    env = {
        **os.environ,
        "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(target),
        # The log file is read below; the suite turns it off elsewhere (tests/conftest.py).
        "DBT_LOG_LEVEL_FILE": "info",
        # Must not win over the var.
        WAREHOUSE_ENV: str(warehouse.parent / "not-this.duckdb"),
    }
    argv = [str(BIN / "salesops-dbt"), "seed", "--select", "stages"]
    argv += ["--vars", json.dumps({PROFILE_WAREHOUSE_VAR: str(warehouse)})]
    return subprocess.run(argv, env=env, cwd=DBT_PROJECT_DIR, capture_output=True, text=True, timeout=300)


def test_warehouses_of_one_name_in_two_folders_share_the_parse_state_and_each_gets_its_rows(tmp_path: Path):
    with open(DBT_PROJECT_DIR / "seeds" / "stages.csv", newline="") as f:
        expected = len(list(csv.reader(f))) - 1
    for name in ("first", "second"):
        warehouse, target = tmp_path / name / "salesops.duckdb", tmp_path / f"target_{name}"
        warehouse.parent.mkdir()
        if name == "second":
            target.mkdir()
            shutil.copyfile(tmp_path / "target_first" / "partial_parse.msgpack", target / "partial_parse.msgpack")
        run = _seed_through_the_entry_point(warehouse, target)
        assert run.returncode == 0, run.stdout[-3000:]
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            schemas = con.execute("select table_schema from information_schema.tables where table_name = 'stages'")
            (schema,) = [row[0] for row in schemas.fetchall()]
            (n,) = con.execute(f'select count(*) from "{schema}".stages').fetchone()
        finally:
            con.close()
        assert n == expected
        assert not (warehouse.parent / "not-this.duckdb").exists()
    # The second folder's run started from the first one's state: dbt logs I024 whenever it parses in full.
    assert "Unable to do partial parsing" not in (tmp_path / "target_second" / "dbt.log").read_text()


def test_the_dagster_asset_keys_the_parse_state_by_what_dbt_will_see(tmp_path: Path):
    from orchestration.assets.dbt import DbtBuildConfig, dbt_build_args, parse_state_key

    def key(warehouse: Path, executable: str = str(BIN / "salesops-dbt")) -> list[str]:
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        return parse_state_key(dbt_build_args(DbtBuildConfig(), {}, warehouse), executable)

    one, two = tmp_path / "one" / "salesops.duckdb", tmp_path / "two" / "salesops.duckdb"
    assert key(one) == key(two) == [json.dumps({PROFILE_WAREHOUSE_VAR: "./salesops.duckdb"}), "./salesops.duckdb"]
    assert key(one) != key(tmp_path / "one" / "other.duckdb")
    # dbt's own script is given the absolute path: each warehouse has its own state.
    assert key(one, str(BIN / "dbt")) != key(two, str(BIN / "dbt"))
    assert key(one, str(BIN / "dbt"))[0] == json.dumps({PROFILE_WAREHOUSE_VAR: str(one)})
