"""Build the dbt project on the Spark target (profiles.yml target ``spark``) from a loaded DuckDB warehouse.

The raw and audit tables are exported to Parquet (engines/raw_export.py), then ``dbt build --target spark``
runs every model, seed and test with the same vars the DuckDB build used (or, with ``data_tests="each-kind"``,
every model, seed and unit test and one data test of each kind: engines/data_test_kinds.py). Everything lives
in the settings' Spark folder: the export, the Derby metastore, the Parquet tables and dbt's target folder."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from engines.data_test_kinds import (
    ALL_DATA_TESTS,
    DATA_TEST_CHOICES,
    EACH_KIND,
    DataTestSelection,
    exact_selector,
    one_test_of_each_kind,
)
from engines.raw_export import ExportedTable, export_raw_tables
from orchestration.dbt_project import dbt_executable, dbt_manifest
from orchestration.settings import DBT_PROJECT_DIR, SPARK_DIR_ENV, Settings

SPARK_TARGET = "spark"
DBT_TARGET_DIR_NAME = "dbt_target"
BUILD_LOG_NAME = "dbt_build.log"
# What one Spark build leaves in the folder; a fresh build removes them (and nothing else there).
SPARK_STATE = ("tables", "metastore_db", "derby.log", "hive_resources", DBT_TARGET_DIR_NAME)
# The JVM's own log lines and stack traces: kept in the log file, not echoed (dbt reports every error).
SPARK_LOG_LINE = re.compile(r"\d\d/\d\d/\d\d \d\d:\d\d:\d\d [A-Z]+ |\s+at |\s*\.\.\. \d+ more|Caused by:|\[Stage \d+")


@dataclass(frozen=True)
class SparkBuild:
    success: bool
    exported: list[ExportedTable]
    statuses: Counter  # dbt node status -> count (success, pass, fail, error, skipped, warn)
    failures: list[str]  # unique ids of nodes that did not pass
    log: Path
    tests_left_out: int = 0  # data tests not run: another test of their kind ran (EACH_KIND)


def spark_environment(spark_dir: Path) -> dict[str, str]:
    """The environment dbt needs for the Spark target: its folder (profiles.yml reads it)."""
    return {**os.environ, SPARK_DIR_ENV: str(spark_dir.resolve()), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def build_on_spark(
    settings: Settings, fresh: bool = True, echo: bool = True, data_tests: str = ALL_DATA_TESTS
) -> SparkBuild:
    """Export the warehouse's raw layer and ``dbt build --target spark`` it; ``fresh`` starts from an empty
    metastore (a full refresh); ``data_tests`` is one of DATA_TEST_CHOICES. The dbt output goes to
    <spark dir>/dbt_build.log and, with ``echo``, to stderr as it runs."""
    if data_tests not in DATA_TEST_CHOICES:
        raise ValueError(f"data_tests must be one of {', '.join(DATA_TEST_CHOICES)}, not {data_tests!r}")
    spark_dir = settings.spark_dir
    spark_dir.mkdir(parents=True, exist_ok=True)
    if fresh:
        for name in SPARK_STATE:
            path = spark_dir / name
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    exported = export_raw_tables(settings.warehouse, spark_dir)
    target_path = spark_dir / DBT_TARGET_DIR_NAME
    cmd = [
        dbt_executable(), "build", "--target", SPARK_TARGET,
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(target_path), "--vars", json.dumps(settings.dbt_vars),
    ]  # fmt: skip
    if fresh:
        cmd.append("--full-refresh")
    selection = one_test_of_each_kind(dbt_manifest()) if data_tests == EACH_KIND else None
    if selection and selection.left_out:
        nodes = dbt_manifest()["nodes"]
        cmd += ["--exclude", *(exact_selector(nodes[unique_id]) for unique_id in selection.left_out)]
    log = spark_dir / BUILD_LOG_NAME
    with open(log, "w") as out:
        env = spark_environment(spark_dir)
        pipe = subprocess.PIPE
        proc = subprocess.Popen(cmd, cwd=spark_dir, env=env, stdout=pipe, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            out.write(line)
            if echo and not SPARK_LOG_LINE.match(line):
                sys.stderr.write(line)
        proc.wait()
    statuses, failures = _results(target_path / "run_results.json")
    if selection:
        failures += _kinds_not_run(selection, target_path / "run_results.json")
    left_out = len(selection.left_out) if selection else 0
    return SparkBuild(proc.returncode == 0 and not failures, exported, statuses, failures, log, left_out)


def built_tables(spark_dir: Path) -> list[tuple[str, str]]:
    """(schema, name) of every table and view the last Spark build in ``spark_dir`` made: its enabled models
    and seeds, by its manifest (an ephemeral model makes none)."""
    manifest = json.loads((spark_dir / DBT_TARGET_DIR_NAME / "manifest.json").read_text())
    return sorted(
        (node["schema"], node["alias"])
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
        and node["config"].get("enabled", True)
        and node["config"].get("materialized") != "ephemeral"
    )


def _kinds_not_run(selection: DataTestSelection, run_results: Path) -> list[str]:
    """The tests chosen for a kind that did not run: the kinds come from the project's manifest (a test's
    name and kind do not depend on the target; one enabled on Spark alone is not in it, so it runs), and a
    test disabled on Spark alone would leave its kind untested."""
    if not run_results.is_file():
        return []
    ran = {r["unique_id"] for r in json.loads(run_results.read_text())["results"]}
    chosen = sorted(set(selection.chosen.values()) - ran)
    return [f"{unique_id} (chosen for the tests of its kind) did not run" for unique_id in chosen]


def _results(run_results: Path) -> tuple[Counter, list[str]]:
    if not run_results.is_file():
        return Counter(), ["dbt wrote no run_results.json (see the build log)"]
    results = json.loads(run_results.read_text())["results"]
    statuses = Counter(r["status"] for r in results)
    # A warn-severity test that finds rows is reported (statuses) but does not fail the build, as in dbt.
    failures = [r["unique_id"] for r in results if r["status"] not in ("success", "pass", "warn", "no-op")]
    return statuses, failures
