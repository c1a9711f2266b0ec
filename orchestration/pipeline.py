"""Running the pipeline from Python: the demo, the CLI and the tests share these functions."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from ingestion.warehouse import WAREHOUSE_ENV
from orchestration.settings import DBT_PROJECT_DIR, LANDING_ENV, SERVING_ENV, serving_file
from quality.results import RUN_ID_ENV


@dataclass
class PipelineRun:
    success: bool
    run_id: str
    warehouse: Path
    serving: Path
    failed_checks: list[str]
    result: dg.ExecuteInProcessResult


def run_full_pipeline(
    landing: Path,
    warehouse: Path,
    instance: dg.DagsterInstance | None = None,
    as_of_date: str | None = None,
    raise_on_error: bool = True,
    log_level: str = "INFO",
    serving: Path | None = None,
) -> PipelineRun:
    """Materialize every asset (raw files -> marts) with every check, in this process."""
    # The definitions and the dbt subprocess read their paths from the environment; they are set for this
    # run only, so one run's files never become the next run's defaults.
    saved = {key: os.environ.get(key) for key in (LANDING_ENV, WAREHOUSE_ENV, SERVING_ENV, RUN_ID_ENV)}
    try:
        return _run_in_process(landing, warehouse, instance, as_of_date, raise_on_error, log_level, serving)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _run_in_process(
    landing: Path,
    warehouse: Path,
    instance: dg.DagsterInstance | None,
    as_of_date: str | None,
    raise_on_error: bool,
    log_level: str,
    serving: Path | None,
) -> PipelineRun:
    os.environ[LANDING_ENV] = str(Path(landing).resolve())
    os.environ[WAREHOUSE_ENV] = str(Path(warehouse).resolve())
    # The BI-facing file the publish step swaps in only when every blocking check passed (the serving
    # setting, by default serving.duckdb next to the warehouse), and a run id known up front so the dbt
    # on-run-end hook files its test results under it (orchestration/assets/publish.py, quality/results.py).
    serving = Path(serving) if serving else serving_file()
    os.environ[SERVING_ENV] = str(serving.resolve())
    run_id = str(uuid.uuid4())
    os.environ[RUN_ID_ENV] = run_id
    from orchestration.definitions import build_definitions
    from orchestration.jobs import FULL_PIPELINE_JOB_NAME

    job = build_definitions().resolve_job_def(FULL_PIPELINE_JOB_NAME)
    run_config: dict = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    if as_of_date:
        run_config["ops"] = {"salesops_dbt_assets": {"config": {"as_of_date": as_of_date}}}
    result = job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        run_config=run_config,
        raise_on_error=raise_on_error,
        run_id=run_id,
    )
    failed = [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    return PipelineRun(result.success, result.run_id, Path(warehouse).resolve(), serving.resolve(), failed, result)


def dbt_executable() -> str:
    """dbt from this interpreter's environment, so a venv works without being activated."""
    beside_python = Path(sys.executable).parent / "dbt"
    return str(beside_python) if beside_python.exists() else "dbt"


def run_dbt(
    args: Sequence[str], warehouse: Path, target_path: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    """Run a dbt command against ``warehouse`` in a subprocess (tests and scripts)."""
    env = {
        **os.environ,
        WAREHOUSE_ENV: str(Path(warehouse).resolve()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    cmd = [dbt_executable(), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    if target_path is not None:
        cmd += ["--target-path", str(target_path)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}")
    return proc
