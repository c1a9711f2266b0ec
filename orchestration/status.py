"""Where things stand: the last run of the full pipeline (from the Dagster instance), its failed and warned
checks, the assets that are stale, and what the BI-facing serving file holds.

Stale, as this module defines it from what Dagster's public API offers (its own "unsynced" status has no
public API): an asset of the full pipeline that was never materialized, or whose last materialization is
older than one of its upstream assets' last materialization, or older than its freshness policy allows
(orchestration/freshness.py: the same rule as Dagster's time-window policy, past ``warn_window`` it warns
and past ``fail_window`` it fails; the UI shows Dagster's own evaluation when the daemon runs).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from orchestration.code_location import build_definitions
from orchestration.exit_codes import ExitCode
from orchestration.jobs import FULL_PIPELINE_JOB_NAME, full_pipeline_job
from orchestration.settings import Settings


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    status: str  # Dagster's run status: SUCCESS, FAILURE, STARTED, CANCELED...
    start: str | None  # ISO 8601, UTC
    end: str | None
    duration_seconds: float | None


@dataclass(frozen=True)
class CheckInfo:
    asset_key: str
    check_name: str
    severity: str  # ERROR (blocking) or WARN
    passed: bool
    description: str | None
    metadata: dict[str, Any]


@dataclass(frozen=True)
class StaleAsset:
    asset_key: str
    reason: str
    last_materialized: str | None


@dataclass(frozen=True)
class ServingInfo:
    file: str
    exists: bool
    run_id: str | None = None
    published_at: str | None = None
    tables: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PipelineStatus:
    job: str
    last_run: RunInfo | None
    checks: list[CheckInfo]  # every failed or warned check of the last run
    stale: list[StaleAsset]
    serving: ServingInfo

    @property
    def blocking_failures(self) -> list[CheckInfo]:
        return [c for c in self.checks if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR.value]

    @property
    def exit_code(self) -> ExitCode:
        if self.last_run is None:
            return ExitCode.NOTHING_YET
        if self.last_run.status != dg.DagsterRunStatus.SUCCESS.value or self.blocking_failures:
            return ExitCode.FAILED
        return ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "exit_code": int(self.exit_code)}


def _iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, UTC).isoformat() if timestamp is not None else None


def _plain(value: Any) -> Any:
    """A metadata value as JSON can hold it."""
    value = getattr(value, "value", value)
    return json.loads(json.dumps(value, default=str))


def last_run(instance: dg.DagsterInstance, job_name: str = FULL_PIPELINE_JOB_NAME) -> RunInfo | None:
    records = instance.get_run_records(filters=dg.RunsFilter(job_name=job_name), limit=1)
    if not records:
        return None
    record = records[0]
    start, end = record.start_time, record.end_time
    duration = end - start if start is not None and end is not None else None
    return RunInfo(record.dagster_run.run_id, record.dagster_run.status.value, _iso(start), _iso(end), duration)


def check_evaluations(instance: dg.DagsterInstance, run_id: str) -> list[CheckInfo]:
    """Every check of the run that did not pass: failed blocking checks first, then warnings."""
    found = []
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.event_specific_data
        if evaluation.passed:
            continue
        found.append(
            CheckInfo(
                asset_key=evaluation.asset_key.to_user_string(),
                check_name=evaluation.check_name,
                severity=evaluation.severity.value,
                passed=evaluation.passed,
                description=evaluation.description,
                metadata={k: _plain(v) for k, v in evaluation.metadata.items()},
            )
        )
    return sorted(found, key=lambda c: (c.severity != dg.AssetCheckSeverity.ERROR.value, c.asset_key, c.check_name))


def stale_assets(instance: dg.DagsterInstance, defs: dg.Definitions, now: datetime | None = None) -> list[StaleAsset]:
    """The full pipeline's assets that are stale (see the module's docstring for the rule)."""
    now = now or datetime.now(UTC)
    graph = defs.resolve_asset_graph()
    keys = full_pipeline_job.selection.resolve(graph)
    policies = {spec.key: spec.freshness_policy for spec in defs.resolve_all_asset_specs()}
    last: dict[dg.AssetKey, float] = {}
    for record in instance.get_asset_records(list(keys)):
        materialization = record.asset_entry.last_materialization
        if materialization is not None:
            last[record.asset_entry.asset_key] = materialization.timestamp
    stale = []
    for key in sorted(keys, key=lambda k: k.to_user_string()):
        reason = _stale_reason(key, last, graph.get(key).parent_keys & keys, policies.get(key), now)
        if reason:
            stale.append(StaleAsset(key.to_user_string(), reason, _iso(last.get(key))))
    return stale


def _stale_reason(
    key: dg.AssetKey, last: dict[dg.AssetKey, float], parents: set[dg.AssetKey], policy: Any, now: datetime
) -> str | None:
    if key not in last:
        return "never materialized"
    newer = sorted(p.to_user_string() for p in parents if last.get(p, 0) > last[key])
    if newer:
        return "older than upstream " + ", ".join(newer[:3]) + (f" (+{len(newer) - 3})" if len(newer) > 3 else "")
    age = now - datetime.fromtimestamp(last[key], UTC)
    fail, warn = getattr(policy, "fail_window", None), getattr(policy, "warn_window", None)
    if fail is not None and age > fail.to_timedelta():
        return f"freshness FAIL: last materialized {age.total_seconds() / 3600:.0f} h ago"
    if warn is not None and age > warn.to_timedelta():
        return f"freshness WARN: last materialized {age.total_seconds() / 3600:.0f} h ago"
    return None


def serving_state(serving: Path) -> ServingInfo:
    """The last version published into the serving file (meta.publish_log, meta.published_tables)."""
    if not serving.is_file():
        return ServingInfo(str(serving), exists=False)
    con = duckdb.connect(str(serving), read_only=True)
    try:
        try:
            latest = con.execute("select run_id, published_at from meta.publish_log order by published_at desc limit 1")
        except duckdb.CatalogException:  # a file no publish wrote
            return ServingInfo(str(serving), exists=True)
        row = latest.fetchone()
        if row is None:
            return ServingInfo(str(serving), exists=True)
        tables = con.execute(
            "select table_schema || '.' || table_name, row_count from meta.published_tables where run_id = ? "
            "order by 1",
            [row[0]],
        ).fetchall()
    finally:
        con.close()
    return ServingInfo(str(serving), True, row[0], row[1].isoformat(sep=" "), {t: int(n) for t, n in tables})


def pipeline_status(instance: dg.DagsterInstance, settings: Settings, now: datetime | None = None) -> PipelineStatus:
    run = last_run(instance)
    checks = check_evaluations(instance, run.run_id) if run else []
    stale = stale_assets(instance, build_definitions(settings), now) if run else []
    return PipelineStatus(FULL_PIPELINE_JOB_NAME, run, checks, stale, serving_state(settings.serving))
