"""Dagster for a team: the instance of deploy/dagster-postgres/dagster.yaml (run, event-log and schedule storage
in PostgreSQL, the warehouse pool limited to one step) on a real PostgreSQL server this module starts.

The full pipeline runs once on the small hand-made landing with the multiprocess executor; the run is read back
from a new instance object on the same file and, independently, from PostgreSQL's own tables. Marked
``postgres`` (extra ``[postgres]``, Debian's postgresql): .ci/run runs it after the suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from conftest import SMALL_LANDING
from postgres_server import PostgresServer, postgres_server

from orchestration.code_location import build_definitions
from orchestration.jobs import FULL_PIPELINE_JOB_NAME
from orchestration.pools import WAREHOUSE_POOL
from orchestration.schedules import DAILY_SCHEDULE_NAME
from orchestration.settings import REPO_ROOT, load_settings

pytestmark = pytest.mark.postgres

DEPLOY = REPO_ROOT / "deploy" / "dagster-postgres"
DAGSTER_YAML = DEPLOY / "dagster.yaml"
MULTIPROCESS_RUN_CONFIG = DEPLOY / "multiprocess.yaml"
CLI_TIMEOUT_S = 1200


def dagster_executable() -> str:
    """dagster from this interpreter's environment, so a venv works without being activated."""
    beside_python = Path(sys.executable).parent / "dagster"
    return str(beside_python) if beside_python.exists() else "dagster"


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    with postgres_server() as running:
        yield running


@pytest.fixture(scope="module")
def team_home(server: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """DAGSTER_HOME holding the deployment's dagster.yaml itself (a link, not a copy), with the connection
    variables set to the server: what an ops team sets up on each machine."""
    home = tmp_path_factory.mktemp("team_dagster_home")
    (home / "dagster.yaml").symlink_to(DAGSTER_YAML)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(home))
        for name, value in server.dagster_env().items():
            mp.setenv(name, value)
        _dagster(["instance", "migrate"])  # the deployment guide's first step, on an empty database
        yield home


def _count(server: PostgresServer, sql: str, *params) -> int:
    con = server.connect()
    try:
        with con.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()[0]
    finally:
        con.close()


def _dagster(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The dagster command of this environment, as a team types it. The command, not ``python -m dagster``:
    step processes of the multiprocess executor started from a ``-m`` parent have a bare ``__main__``, and
    pyspark 4 (when installed beside) exits while great-expectations imports it there (docs/deployment.md)."""
    proc = subprocess.run(
        [dagster_executable(), *args],
        cwd=REPO_ROOT,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **(env or {})},
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
    )
    assert proc.returncode == 0, f"dagster {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}"
    return proc


def _on_code_location(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return _dagster([*args, "-m", "orchestration.definitions"], env)


@pytest.fixture(scope="module")
def multiprocess_run(team_home: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The full job with one process per step (deploy/dagster-postgres/multiprocess.yaml, two at once) on the
    small landing, started with the dagster command as a team types it; the id of its run. One run serves
    both tests below. A second run in this process (the in-process executor) would store the same kinds of
    events through the same storage classes, at ~110 s a run: Dagster's PostgreSQL storage opens a connection
    for every write (~6 ms with the password exchange here, ~2,500 events)."""
    folder = tmp_path_factory.mktemp("multiprocess")
    env = {"SALESOPS_LANDING": str(SMALL_LANDING), "SALESOPS_WAREHOUSE": str(folder / "salesops.duckdb")}
    tags = {"salesops/test": folder.name}
    run_config = ["-c", str(MULTIPROCESS_RUN_CONFIG), "--tags", json.dumps(tags)]
    _on_code_location(["job", "execute", "-j", FULL_PIPELINE_JOB_NAME, *run_config], env)
    fresh = dg.DagsterInstance.from_config(str(team_home))
    [record] = fresh.get_run_records(filters=dg.RunsFilter(job_name=FULL_PIPELINE_JOB_NAME, tags=tags))
    return record.dagster_run.run_id


def test_the_instance_stores_everything_in_postgres(multiprocess_run: str, team_home: Path, server: PostgresServer):
    """Read back from a new instance object on the same file (nothing comes from the process that ran the
    job) and, independently, from PostgreSQL's own tables: the run, and every materialization and check
    evaluation the run planned when it was created."""
    run_id = multiprocess_run
    fresh = dg.DagsterInstance.from_config(str(team_home))
    assert type(fresh.run_storage).__name__ == "PostgresRunStorage"
    assert type(fresh.event_log_storage).__name__ == "PostgresEventLogStorage"
    assert type(fresh.schedule_storage).__name__ == "PostgresScheduleStorage"
    stored = fresh.get_run_record_by_id(run_id)
    assert stored is not None and stored.dagster_run.status == dg.DagsterRunStatus.SUCCESS

    def stored_events(event_type: dg.DagsterEventType) -> int:
        return len(fresh.all_logs(run_id, of_type=event_type))

    # Planned events are written by the launching process before the first step; the results by the step
    # processes: every one planned arrived.
    materialized = stored_events(dg.DagsterEventType.ASSET_MATERIALIZATION)
    evaluations = stored_events(dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    assert materialized > 50 and evaluations > 150
    assert materialized == stored_events(dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED)
    assert evaluations == stored_events(dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED)
    latest = fresh.get_latest_materialization_event(dg.AssetKey(["marts", "mart_kpi_daily"]))
    assert latest is not None and latest.run_id == run_id

    # PostgreSQL's own tables, read with psycopg2: the same run and events, and no SQLite beside the file.
    assert _count(server, "select count(*) from runs where run_id = %s and status = 'SUCCESS'", run_id) == 1
    by_type = "select count(*) from event_logs where run_id = %s and dagster_event_type = %s"
    assert _count(server, by_type, run_id, "ASSET_MATERIALIZATION") == materialized
    assert _count(server, by_type, run_id, "ASSET_CHECK_EVALUATION") == evaluations
    assert not list(team_home.rglob("*.db")), "the instance wrote SQLite storage next to dagster.yaml"


def test_schedule_state_survives(team_home: Path, server: PostgresServer, tmp_path: Path):
    env = {"SALESOPS_LANDING": str(SMALL_LANDING), "SALESOPS_WAREHOUSE": str(tmp_path / "salesops.duckdb")}
    _on_code_location(["schedule", "start", DAILY_SCHEDULE_NAME], env)

    fresh = dg.DagsterInstance.from_config(str(team_home))
    states = {s.instigator_name: s.status.value for s in fresh.all_instigator_state()}
    assert states.get(DAILY_SCHEDULE_NAME) == "RUNNING"
    running = (
        "select count(*) from instigators where instigator_type = 'SCHEDULE' and status = 'RUNNING' "
        "and instigator_body like %s"
    )
    assert _count(server, running, f'%"{DAILY_SCHEDULE_NAME}"%') == 1


def _step_intervals(instance: dg.DagsterInstance, run_id: str) -> dict[str, tuple[float, float, int]]:
    """Each step's start, end and process id, from the run's events in the event log."""
    starts = {
        e.step_key: (e.timestamp, e.dagster_event.pid)
        for e in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)
    }
    ends = {
        e.step_key: e.timestamp
        for e in instance.all_logs(run_id, of_type={dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE})
    }
    return {key: (start, ends[key], pid) for key, (start, pid) in starts.items()}


def test_multiprocess_run_takes_turns_at_the_warehouse(multiprocess_run: str, team_home: Path, server: PostgresServer):
    """The multiprocess run on the instance whose dagster.yaml limits every pool to one step: each step ran in
    its own process, and no two steps that open the warehouse were running at the same time; it succeeded."""
    pooled = {
        node.name
        for node in build_definitions(load_settings()).resolve_job_def(FULL_PIPELINE_JOB_NAME).graph.nodes
        if node.definition.pool == WAREHOUSE_POOL
    }
    assert len(pooled) > 30  # every raw load, every raw suite, the dbt build and the publish
    fresh = dg.DagsterInstance.from_config(str(team_home))
    stored = fresh.get_run_record_by_id(multiprocess_run)
    assert stored is not None and stored.dagster_run.status == dg.DagsterRunStatus.SUCCESS
    steps = _step_intervals(fresh, multiprocess_run)
    assert set(steps) == pooled
    assert len({pid for _, _, pid in steps.values()}) == len(steps), "each step should run in its own process"
    ordered = sorted(steps.items(), key=lambda item: item[1][0])  # by start time; an overlap shows between neighbours
    overlaps = [
        (a, b)
        for (a, (_, a_end, _)), (b, (b_start, _, _)) in zip(ordered, ordered[1:], strict=False)
        if b_start < a_end
    ]
    assert overlaps == [], f"steps of pool {WAREHOUSE_POOL} ran at the same time: {overlaps}"
    # And it was the pool that held them back: the executor had two ready steps and waited for the slot.
    blocked = [
        e.step_key
        for e in fresh.all_logs(multiprocess_run, of_type=dg.DagsterEventType.ENGINE_EVENT)
        if (e.user_message or "").startswith(f"Step blocked by limit for pool {WAREHOUSE_POOL}")
    ]
    assert blocked, "no step waited for the pool: the run does not show that the limit is applied"
    limits = 'select count(*) from concurrency_limits where concurrency_key = %s and "limit" = 1'
    assert _count(server, limits, WAREHOUSE_POOL) == 1
