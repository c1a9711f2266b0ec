"""Running the pipeline from Python: the demo, the CLI and the tests share these functions."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from orchestration.code_location import build_definitions
from orchestration.dbt_project import dbt_executable
from orchestration.jobs import FULL_PIPELINE_JOB_NAME
from orchestration.settings import DBT_PROJECT_DIR, WAREHOUSE_ENV, Settings, load_settings


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
    settings: Settings | None = None,
) -> PipelineRun:
    """Materialize every asset (raw files -> marts -> serving) with every check, in this process.

    ``settings`` (default: the user's, orchestration/settings.py) with ``landing``, ``warehouse`` and
    ``serving`` in place of its files; the serving file follows the warehouse unless given."""
    resolved = (settings or load_settings()).with_paths(landing, warehouse, serving)
    job = build_definitions(resolved).resolve_job_def(FULL_PIPELINE_JOB_NAME)
    run_config: dict = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    if as_of_date:
        run_config["ops"] = {"salesops_dbt_assets": {"config": {"as_of_date": as_of_date}}}
    result = job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        run_config=run_config,
        raise_on_error=raise_on_error,
    )
    failed = [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    return PipelineRun(result.success, result.run_id, resolved.warehouse, resolved.serving, failed, result)


def run_dbt(
    args: Sequence[str], warehouse: Path, target_path: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    """Run a dbt command against ``warehouse`` in a subprocess (tests and scripts); the warehouse reaches
    dbt through the subprocess's own environment.

    dbt parses the whole project (about 10 s) unless its target folder holds a partial-parse file saved
    under the same vars and connection settings, the path of the database file included. So dbt runs in
    the warehouse's folder with the file's bare name as its path, and each target folder starts from the
    last partial-parse file saved for the same command-line vars (a cache beside the project's own
    target folder); dbt still re-parses whatever changed since, as it does in its default target."""
    warehouse = Path(warehouse).resolve()
    env = {**os.environ, WAREHOUSE_ENV: warehouse.name, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    cmd = [dbt_executable(), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    cached = None
    if target_path is not None:
        cmd += ["--target-path", str(target_path)]
        cached = _parse_cache_file(args, warehouse.name)
        saved = Path(target_path) / PARTIAL_PARSE_FILE
        if cached.exists() and not saved.exists():
            saved.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cached, saved)
    proc = subprocess.run(cmd, env=env, cwd=warehouse.parent, capture_output=True, text=True)
    if cached is not None and (Path(target_path) / PARTIAL_PARSE_FILE).exists():
        _save_atomically(Path(target_path) / PARTIAL_PARSE_FILE, cached)
    if check and proc.returncode != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}")
    return proc


PARTIAL_PARSE_FILE = "partial_parse.msgpack"
PARSE_CACHE_DIR = DBT_PROJECT_DIR / "target" / "partial_parse_by_vars"


def _parse_cache_file(args: Sequence[str], database_file: str) -> Path:
    """Where the partial-parse file of dbt runs with these ``--vars`` on a file so named is kept."""
    dbt_vars = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--vars"]
    key = hashlib.sha256(json.dumps([dbt_vars, database_file]).encode()).hexdigest()[:16]
    return PARSE_CACHE_DIR / f"{key}.msgpack"


def _save_atomically(source: Path, destination: Path) -> None:
    """Copy then rename, so a concurrent run (another test worker) never reads half a file."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f"{destination.name}.{os.getpid()}.tmp")
    shutil.copyfile(source, partial)
    os.replace(partial, destination)
