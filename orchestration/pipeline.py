"""Running the pipeline from Python: the demo, the CLI and the tests share these functions."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration import dbt_parse_cache
from orchestration.assets.dbt import salesops_dbt_assets
from orchestration.code_location import build_definitions
from orchestration.dbt_failing_rows import METADATA_KEY as ROWS_FOUND
from orchestration.dbt_project import dbt_executable
from orchestration.jobs import CHECK_JOB_NAME, FULL_PIPELINE_JOB_NAME
from orchestration.settings import DBT_PROJECT_DIR, WAREHOUSE_ENV, Settings, load_settings

DBT_OP_NAME = salesops_dbt_assets.op.name


@dataclass
class PipelineRun:
    success: bool
    run_id: str
    warehouse: Path
    serving: Path
    failed_checks: list[str]
    result: dg.ExecuteInProcessResult
    instance: dg.DagsterInstance | None = None  # whose event log holds the run
    # Read once from the result, when the run ends: a test or a caller may hand a run without one.
    failed_steps: list[str] = field(default_factory=list)
    # A few rows each failed or warned check found, where its metadata holds them
    # (orchestration/dbt_failing_rows.py).
    rows_found: dict[str, dict[str, Any]] = field(default_factory=dict)
    warned_checks: list[str] = field(default_factory=list)  # non-blocking checks that did not pass


def step_failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """Each failed step as ``step: reason``: the description it failed with (the publish gate's names the
    checks that did not pass or did not run), else the first line of its error. A run can fail with no
    failed check evaluation, and the reason must reach the command line, not only the Dagster UI."""
    failures = []
    for event in result.get_step_failure_events():
        data = event.step_failure_data
        user = data.user_failure_data
        reason = " ".join(((user.description if user else None) or (data.error.message if data.error else "")).split())
        failures.append(f"{event.step_key}: {_shortened(reason) or 'failed'}")
    return failures


def _shortened(text: str, keep: int = 160) -> str:
    """Its start and its end, cut between words: dbt's failure quotes the whole command (every var) before
    saying how it ended."""
    if len(text) <= 2 * keep:
        return text
    return f"{text[:keep].rsplit(' ', 1)[0]} … {text[-keep:].split(' ', 1)[-1]}"


def run_full_pipeline(
    landing: Path,
    warehouse: Path,
    instance: dg.DagsterInstance | None = None,
    as_of_date: str | None = None,
    raise_on_error: bool = True,
    log_level: str = "INFO",
    serving: Path | None = None,
    settings: Settings | None = None,
    full_refresh: bool = False,
) -> PipelineRun:
    """Materialize every asset (raw files -> marts -> serving) with every check, in this process.

    ``settings`` (default: the user's, orchestration/settings.py) with ``landing``, ``warehouse`` and
    ``serving`` in place of its files; the serving file follows the warehouse unless given."""
    resolved = (settings or load_settings()).with_paths(landing, warehouse, serving)
    return run_job(
        FULL_PIPELINE_JOB_NAME, resolved, instance, as_of_date, raise_on_error, log_level, full_refresh=full_refresh
    )


class DbtSelectionError(ValueError):
    """A dbt selection that names nothing the dbt assets hold."""


def dbt_selection(select: str | None, exclude: str | None = None) -> list[dg.AssetKey]:
    """The dbt models and seeds that dbt's selection syntax picks (``--select``/``--exclude``, as ``dbt build``
    reads them: ``+mart_win_rate``, ``marts.collections``, ``tag:x``; no ``--select``: every one), as asset
    keys. A run of these keys builds them and runs the tests of their checks, nothing else
    (orchestration/dbt_subset.py): an analyst changing one mart rebuilds that mart, not
    the warehouse. A test is not selected itself: it runs with the model its check is on."""
    from dagster_dbt import build_dbt_asset_selection
    from dbt_common.exceptions import DbtBaseException

    given = " ".join(f"--{flag} {value!r}" for flag, value in (("select", select), ("exclude", exclude)) if value)

    def resolve(chosen: str, left_out: str) -> set[dg.AssetKey]:
        try:
            selection = build_dbt_asset_selection([salesops_dbt_assets], dbt_select=chosen, dbt_exclude=left_out)
            return selection.resolve([salesops_dbt_assets])
        except DbtBaseException as exc:
            raise DbtSelectionError(f"{given}: {str(exc).strip()}") from None

    keys = resolve(select or "fqn:*", exclude or "")
    if not keys:
        raise DbtSelectionError(f"{given} matches no dbt model or seed")
    # dbt only warns about a criterion of a union that matches nothing (a typo), and on stdout.
    for criterion in (select or "").split():
        if not resolve(criterion, ""):
            raise DbtSelectionError(f"{given}: {criterion!r} matches no dbt model or seed")
    return sorted(keys, key=lambda key: key.to_user_string())


def checks_on(keys: Sequence[dg.AssetKey], definitions: dg.Definitions) -> set[dg.AssetCheckKey]:
    """The checks of ``definitions`` on the assets ``keys`` (for a dbt model: its tests)."""
    return set(dg.AssetSelection.checks_for_assets(*keys).resolve_checks(definitions.resolve_asset_graph()))


def run_job(
    job_name: str,
    settings: Settings,
    instance: dg.DagsterInstance | None = None,
    as_of_date: str | None = None,
    raise_on_error: bool = True,
    log_level: str = "INFO",
    assets: Sequence[dg.AssetKey] | None = None,
    full_refresh: bool = False,
    checks_of: Sequence[dg.AssetKey] | None = None,
) -> PipelineRun:
    """Run one job of the code location (orchestration/jobs.py) in this process, on ``settings``' files;
    ``assets`` runs only those of the job's assets, with their checks (``dbt_selection``); ``full_refresh``
    rebuilds the incremental models from every row (the dbt build's config, ``DbtBuildConfig``);
    ``checks_of`` runs the check job on those assets' checks alone, rebuilding nothing."""
    if assets is not None and not assets:
        raise ValueError("no asset to run: assets=None runs the whole job")
    if checks_of is not None and (job_name != CHECK_JOB_NAME or not checks_of):
        raise ValueError(f"checks_of: job {CHECK_JOB_NAME} runs the checks of one asset or more, no other job")
    definitions = build_definitions(settings, checks_of)
    if checks_of is not None and not checks_on(checks_of, definitions):
        raise ValueError(f"checks_of: no check is on {', '.join(key.to_user_string() for key in checks_of)}")
    job = definitions.resolve_job_def(job_name)
    run_config: dict = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    builds_dbt = any(node.name == DBT_OP_NAME for node in job.graph.nodes)
    if full_refresh and not builds_dbt:
        raise ValueError(f"full_refresh: job {job_name} builds no dbt model")
    dbt_config = {key: value for key, value in (("as_of_date", as_of_date), ("full_refresh", full_refresh)) if value}
    if dbt_config and builds_dbt:
        run_config["ops"] = {DBT_OP_NAME: {"config": dbt_config}}
    instance = instance or dg.DagsterInstance.ephemeral()
    result = job.execute_in_process(
        instance=instance,
        run_config=run_config,
        raise_on_error=raise_on_error,
        asset_selection=list(assets) if assets is not None else None,
    )
    not_passed = {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e
        for e in result.get_asset_check_evaluations()
        if not e.passed
    }
    failed = [name for name, e in not_passed.items() if e.severity == dg.AssetCheckSeverity.ERROR]
    rows = {name: e.metadata[ROWS_FOUND].value for name, e in not_passed.items() if ROWS_FOUND in e.metadata}
    return PipelineRun(
        result.success,
        result.run_id,
        settings.warehouse,
        settings.serving,
        failed,
        result,
        instance,
        failed_steps=step_failures(result),
        rows_found=rows,
        warned_checks=[name for name in not_passed if name not in failed],
    )


def run_dbt(
    args: Sequence[str], warehouse: Path, target_path: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    """Run a dbt command against ``warehouse`` in a subprocess (tests and scripts); the warehouse reaches
    dbt through the subprocess's own environment.

    dbt runs in the warehouse's folder with the file's bare name as its path, so its profile is the same
    for every warehouse so named, and a target folder starts from the parse state saved by the last run
    with the same vars (orchestration/dbt_parse_cache.py): a partial parse instead of a full one."""
    warehouse = Path(warehouse).resolve()
    env = {**os.environ, WAREHOUSE_ENV: warehouse.name, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    cmd = [dbt_executable(), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    cached = None
    if target_path is not None:
        cmd += ["--target-path", str(target_path)]
        cached = dbt_parse_cache.cache_file(dbt_parse_cache.state_key(args, warehouse.name))
        dbt_parse_cache.restore(cached, Path(target_path))
    proc = subprocess.run(cmd, env=env, cwd=warehouse.parent, capture_output=True, text=True)
    if cached is not None:
        dbt_parse_cache.save(Path(target_path), cached)
    if check and proc.returncode != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}")
    return proc
