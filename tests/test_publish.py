"""Write-audit-publish to the serving database, the gate in front of it, and freshness policies."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from orchestration.assets.publish import (
    PUBLISH_KEY,
    SERVING_STORAGE_VERSION,
    is_published_key,
    publish_to_serving,
)
from orchestration.pipeline import step_failures

# DuckDB's on-disk format number (bytes 12-19 of the file): 64 is the v1.0.0 format every DuckDB 1.x reads.
V1_STORAGE_NUMBER = 64


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _storage_number(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    return int.from_bytes(header[12:20], "little")


def _serving_state(path: Path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            "log": con.execute("select run_id, published_at from meta.publish_log order by published_at").fetchall(),
            "tables": con.execute(
                "select table_schema, table_name, row_count from meta.published_tables order by 1, 2"
            ).fetchall(),
        }
    finally:
        con.close()


@pytest.fixture()
def small_warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "work.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create schema core")
    con.execute("create table marts.mart_a as select range as id, range * 1.5 as amount from range(10)")
    con.execute("create view marts.mart_v as select id from marts.mart_a where id < 3")
    con.execute("create table core.dim_x as select 'x' as code")
    con.close()
    return path


TABLES = [("marts", "mart_a"), ("marts", "mart_v"), ("core", "dim_x")]


def test_publish_copies_tables_in_the_v1_format_and_records_the_version(small_warehouse, tmp_path):
    serving = tmp_path / "serving.duckdb"
    report = publish_to_serving(small_warehouse, serving, TABLES, run_id="run-1", base_currency="USD")
    assert report.row_counts == {"marts.mart_a": 10, "marts.mart_v": 3, "core.dim_x": 1}
    assert _storage_number(serving) == V1_STORAGE_NUMBER
    assert not (tmp_path / "serving.new.duckdb").exists()
    con = duckdb.connect(str(serving), read_only=True)
    try:
        tags = con.execute("select tags from duckdb_databases() where database_name = 'serving'").fetchall()[0][0]
        assert tags["storage_version"].startswith(SERVING_STORAGE_VERSION)
        # The view is frozen as a table in the serving copy.
        kinds = dict(
            con.execute(
                "select table_name, table_type from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        )
        assert kinds == {"mart_a": "BASE TABLE", "mart_v": "BASE TABLE"}
        assert con.execute("select sum(amount) from marts.mart_a").fetchall()[0][0] == pytest.approx(67.5)
        # The currency the amounts are in travels with the version (the report labels its axes with it).
        assert con.execute("select base_currency from meta.publish_log").fetchall() == [("USD",)]
    finally:
        con.close()
    state = _serving_state(serving)
    assert [r[0] for r in state["log"]] == ["run-1"]
    assert state["tables"] == [("core", "dim_x", 1), ("marts", "mart_a", 10), ("marts", "mart_v", 3)]


def test_each_versions_base_currency_stays_in_the_log_of_later_versions(small_warehouse, tmp_path):
    """The warehouse's log keeps each version's currency, so the next serving file does not lose it; a log
    written before it kept one (no such column) gives null for those versions, not a guess."""
    from orchestration.assets.publish import record_publish
    from orchestration.resources import WarehouseResource

    con = duckdb.connect(str(small_warehouse))
    con.execute("create schema quality")
    con.execute(
        "create table quality.publish_log (run_id varchar not null, published_at timestamp not null, "
        "serving_file varchar, table_count integer, total_rows bigint)"
    )
    con.execute("insert into quality.publish_log values ('run-0', '2026-01-01 00:00:00', 'old.duckdb', 3, 14)")
    con.close()
    serving = tmp_path / "serving.duckdb"
    for run_id, currency in (("run-1", "USD"), ("run-2", "EUR")):
        report = publish_to_serving(small_warehouse, serving, TABLES, run_id=run_id, base_currency=currency)
        record_publish(WarehouseResource(path=str(small_warehouse)), report)
    con = duckdb.connect(str(serving), read_only=True)
    try:
        log = con.execute("select run_id, base_currency from meta.publish_log order by published_at").fetchall()
    finally:
        con.close()
    assert log == [("run-0", None), ("run-1", "USD"), ("run-2", "EUR")]


def test_the_copying_duckdb_runs_under_the_memory_setting(small_warehouse, tmp_path, monkeypatch):
    """publish's own DuckDB (the one that attaches both files and copies) gets the duckdb_memory_limit
    setting and hands freed memory back: what DuckDB reports once the settings are applied."""
    from ingestion import warehouse
    from orchestration.assets import publish

    seen = []

    def observed(con, memory_limit):
        warehouse.limit_memory(con, memory_limit)
        sql = "select current_setting('memory_limit'), current_setting('allocator_background_threads')"
        seen.append(con.execute(sql).fetchall()[0])

    monkeypatch.setattr(publish, "limit_memory", observed)
    publish_to_serving(small_warehouse, tmp_path / "serving.duckdb", TABLES, run_id="run-1", memory_limit="256MB")
    expected = duckdb.connect(config={"memory_limit": "256MB"}).execute("select current_setting('memory_limit')")
    assert seen == [(expected.fetchall()[0][0], True)]


def test_a_failed_copy_leaves_the_serving_file_as_it_was(small_warehouse, tmp_path):
    serving = tmp_path / "serving.duckdb"
    publish_to_serving(small_warehouse, serving, TABLES, run_id="run-1")
    before = _sha256(serving)
    # A stale half-written file from a crashed publish is cleaned up, not published.
    (tmp_path / "serving.new.duckdb").write_bytes(b"garbage")
    with pytest.raises(duckdb.Error):
        publish_to_serving(small_warehouse, serving, [*TABLES, ("marts", "missing")], run_id="run-2")
    assert _sha256(serving) == before
    assert not (tmp_path / "serving.new.duckdb").exists()


def test_published_deps_are_every_mart_and_core_dimension_of_dbt():
    from orchestration.assets.dbt import salesops_dbt_assets
    from orchestration.assets.publish import PUBLISHED_DEPS

    dbt_keys = set(salesops_dbt_assets.keys)
    expected = {k for k in dbt_keys if k.path[0] == "marts"} | {
        k for k in dbt_keys if k.path[0] == "core" and k.path[1].startswith("dim_")
    }
    assert set(PUBLISHED_DEPS) == expected
    assert dg.AssetKey(["marts", "mart_kpi_daily"]) in expected
    assert dg.AssetKey(["marts", "mart_dq_results"]) in expected
    assert not is_published_key(dg.AssetKey(["core", "fct_orders"]))
    assert not is_published_key(dg.AssetKey(["staging", "stg_orders__orders"]))


def test_freshness_policies_on_raw_assets_marts_and_the_publish_step():
    from orchestration.code_location import build_definitions
    from orchestration.settings import load_settings

    defs = build_definitions(load_settings())
    from orchestration.freshness import DAILY_FRESHNESS

    graph = defs.resolve_asset_graph()
    policies = {k: graph.get(k).freshness_policy for k in graph.get_all_asset_keys()}
    with_policy = {k for k, p in policies.items() if p is not None}
    assert all(policies[k] == DAILY_FRESHNESS for k in with_policy)
    assert dg.AssetKey(["raw", "orders"]) in with_policy
    assert dg.AssetKey(["marts", "mart_kpi_daily"]) in with_policy
    assert PUBLISH_KEY in with_policy
    assert dg.AssetKey(["staging", "stg_orders__orders"]) not in with_policy
    assert dg.AssetKey(["raw", "load_ledger"]) not in with_policy
    assert {k for k in with_policy if k.path[0] not in ("raw", "marts")} == {PUBLISH_KEY}


def test_publish_step_depends_on_every_mart_and_the_job_runs_it():
    from orchestration.code_location import build_definitions
    from orchestration.settings import load_settings

    defs = build_definitions(load_settings())

    graph = defs.resolve_asset_graph()
    marts = {k for k in graph.get_all_asset_keys() if k.path[0] == "marts"}
    assert marts <= set(graph.get(PUBLISH_KEY).parent_keys)
    job = defs.resolve_job_def("salesops_full_pipeline")
    assert PUBLISH_KEY in job.asset_layer.asset_graph.get_all_asset_keys()
    gx_checks = {c for c in graph.asset_check_keys if c.name == "gx_contract"}
    assert len(gx_checks) == 17 and all(graph.get_check_spec(c).blocking for c in gx_checks)


def test_the_gate_refuses_to_publish_when_upstream_checks_never_ran(small_warehouse, tmp_path, monkeypatch):
    """The publish step run on its own, on an instance where no check ever ran: nothing is published."""
    from orchestration.code_location import build_definitions
    from orchestration.settings import load_settings

    serving = tmp_path / "serving.duckdb"
    publish_to_serving(small_warehouse, serving, TABLES, run_id="run-1")
    before = _sha256(serving)
    settings = load_settings().with_paths(tmp_path / "landing", small_warehouse, serving)
    job = build_definitions(settings).resolve_job_def("salesops_full_pipeline")
    result = job.execute_in_process(
        asset_selection=[PUBLISH_KEY], instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    data = failure.event_specific_data.user_failure_data
    assert "left unchanged" in data.description
    named = data.metadata["blocking_failures"].value
    assert "raw.orders:gx_contract (not evaluated in this run)" in named
    assert any(n.startswith("marts.mart_kpi_daily:") and n.endswith("(not evaluated in this run)") for n in named)
    assert _sha256(serving) == before
    # What `salesops publish` prints (and --json lists as failed_steps), though no check evaluation failed.
    [shown] = step_failures(result)
    assert shown.startswith("serving__published_marts: Serving database ") and "not evaluated in this run" in shown
    # Its start and its end (the gate names ten checks): one line, the head and tail of the description, cut
    # between words.
    described = " ".join(data.description.split())
    assert len(described) > 400
    head, tail = shown.removeprefix("serving__published_marts: ").split(" … ")
    assert described.startswith(head + " ") and described.endswith(" " + tail), shown
    assert 120 < len(head) <= 160 and 120 < len(tail) <= 160, shown


# ----------------------------------------------------------------------------- acceptance, full runs


def _table_counts(warehouse: Path, counts) -> dict[tuple[str, str], int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {(schema, table): n for schema, table, n in counts(con)}
    finally:
        con.close()


def _copy_of_demo(demo_pipeline, root: Path) -> tuple[Path, Path]:
    """A private copy of the demo warehouse and of the serving file the demo run published."""
    root.mkdir(parents=True, exist_ok=True)
    warehouse, serving = root / "salesops.duckdb", root / "serving.duckdb"
    shutil.copy(demo_pipeline.warehouse, warehouse)
    shutil.copy(demo_pipeline.warehouse.parent / "serving.duckdb", serving)
    return warehouse, serving


def test_demo_run_published_the_marts(demo_pipeline):
    serving = demo_pipeline.warehouse.parent / "serving.duckdb"
    state = _serving_state(serving)
    assert state["log"][-1][0] == demo_pipeline.run_id
    published = {(s, t) for s, t, _ in state["tables"]}
    assert ("marts", "mart_kpi_daily") in published and ("marts", "mart_dq_results") in published
    assert ("core", "dim_date") in published
    assert _storage_number(serving) == V1_STORAGE_NUMBER
    events = demo_pipeline.result.get_asset_materialization_events()
    assert any(e.asset_key == PUBLISH_KEY for e in events)


@pytest.mark.e2e  # a whole pipeline run of its own
def test_a_failed_blocking_check_stops_the_run_and_leaves_serving_untouched(
    demo_pipeline, demo_landing, tmp_path, monkeypatch, capsys
):
    from orchestration.cli import main
    from orchestration.pipeline import run_full_pipeline
    from orchestration.settings import CALENDAR_END_ENV

    warehouse, serving = _copy_of_demo(demo_pipeline, tmp_path / "wh")
    before_bytes, before_state = _sha256(serving), _serving_state(serving)
    # A calendar override that cuts off the last month of orders (a user's setting, no data fault): every
    # row still loads, but the date-joined marts would drop that month. The blocking test on the calendar's
    # bounds stops the run before any mart shows a silent shortfall.
    landing = tmp_path / "landing"
    shutil.copytree(demo_landing, landing)
    order_dates = pl.read_csv(landing / "orders/orders.csv", infer_schema=False)["order_date"]
    cut = (order_dates.str.to_date("%Y-%m-%d", strict=False).max() - timedelta(days=31)).isoformat()
    # And corrupted rows in a file the generator writes clean (accounts): one with no id and a date that is
    # not one (quarantined by the loader), one updated a year before it was created (the warning suite's
    # date order, DQ03).
    accounts = landing / "crm/accounts.csv"
    header, first = accounts.read_text(encoding="utf-8").splitlines()[:2]
    fields = dict(zip(header.split(","), first.split(","), strict=True))
    unreadable = {**fields, "account_id": "", "created_at": "not-a-date"}
    out_of_order = {**fields, "account_id": "ACC9999999", "updated_at": "2001-01-01 00:00:00"}
    with accounts.open("a", encoding="utf-8") as fh:
        for row in (unreadable, out_of_order):
            fh.write(",".join(row.values()) + "\n")
    # A persistent instance, as `salesops run` uses, so `salesops status` can read the run afterwards.
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").touch()
    instance = dg.DagsterInstance.from_config(str(home))
    with pytest.MonkeyPatch.context() as env:
        env.setenv(CALENDAR_END_ENV, cut)
        run = run_full_pipeline(
            landing, warehouse, serving=serving, raise_on_error=False, log_level="WARNING", instance=instance
        )

    assert not run.success
    calendar_checks = [c for c in run.failed_checks if c.startswith("intermediate/int_calendar_bounds:expression")]
    assert len(calendar_checks) == 1, run.failed_checks
    assert not any(e.asset_key == PUBLISH_KEY for e in run.result.get_asset_materialization_events())
    assert _sha256(serving) == before_bytes
    assert _serving_state(serving) == before_state
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        stored = con.execute(
            "select asset, status, severity from quality.check_results where run_id = ? and check_name like "
            "'expression_is_true_int_calendar_bounds%' and status = 'fail'",
            [run.run_id],
        ).fetchall()
        bounds = con.execute("select calendar_end, last_business_date from intermediate.int_calendar_bounds").fetchall()
    finally:
        con.close()
    assert stored == [("intermediate.int_calendar_bounds", "fail", "error")]
    assert bounds[0][0].isoformat() == cut and bounds[0][1].isoformat() > cut

    # `salesops status --json` names the run, its status and the failed blocking check, and exits 1.
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    capsys.readouterr()
    exit_code = main(["status", "--json", "--warehouse", str(warehouse), "--serving", str(serving)])
    status = json.loads(capsys.readouterr().out)
    assert exit_code == 1 == status["exit_code"]
    assert status["last_run"]["run_id"] == run.run_id and status["last_run"]["status"] == "FAILURE"
    failed = [(c["asset_key"], c["severity"]) for c in status["checks"] if c["check_name"].startswith("expression")]
    assert failed == [("intermediate/int_calendar_bounds", "ERROR")]
    # The corrupted file's warning suite failed, and status names it.
    assert ("raw/accounts", "gx_warnings", "WARN", False) in [
        (c["asset_key"], c["check_name"], c["severity"], c["passed"]) for c in status["checks"]
    ]
    assert status["serving"]["run_id"] == before_state["log"][-1][0]


# A BI client in its own process. mode "held" keeps one read-only connection open throughout; mode
# "fresh" opens a new one for every read (two processes: DuckDB shares one database instance between
# connections to the same path inside a process, so a fresh connection there would see the held file).
READER = r"""
import json, sys, time
from pathlib import Path
import duckdb

mode, serving, stop, ready, out = sys.argv[1], *map(Path, sys.argv[2:6])


def snapshot(con):
    run_id = con.execute("select run_id from meta.publish_log order by published_at desc limit 1").fetchall()[0][0]
    tables = con.execute("select run_id, table_schema, table_name, row_count from meta.published_tables").fetchall()
    mixed = {r[0] for r in tables} != {run_id}
    for _, schema, name, rows in tables:
        if con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0] != rows:
            mixed = True
    return run_id, mixed


held = duckdb.connect(str(serving), read_only=True) if mode == "held" else None


def read():
    if held is not None:
        return snapshot(held)
    con = duckdb.connect(str(serving), read_only=True)
    try:
        return snapshot(con)
    finally:
        con.close()


seen = {"runs": [], "errors": [], "mixed": 0}


def record():
    try:
        run_id, mixed = read()
        seen["runs"].append(run_id)
        seen["mixed"] += int(mixed)
    except Exception as exc:
        seen["errors"].append(repr(exc))


record()
ready.write_text("ready")
while not stop.exists():
    record()
    time.sleep(0.2)
record()
if held is not None:
    held.close()
out.write_text(json.dumps(seen))
"""


@pytest.mark.e2e  # a whole pipeline run of its own
def test_a_second_cli_run_changes_no_row_counts_and_bi_readers_see_one_version(
    demo_pipeline, demo_landing, tmp_path, monkeypatch, capsys
):
    """`salesops run` again on the landing the demo warehouse was built from, while two BI clients read
    the serving file: identical files are not loaded twice (no row count changes), and each reader sees
    the old or the new published version, never a mix."""
    from orchestration.cli import main
    from orchestration.summary import warehouse_table_counts

    warehouse, serving = _copy_of_demo(demo_pipeline, tmp_path / "wh")
    before = _table_counts(warehouse, warehouse_table_counts)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    old_run = _serving_state(serving)["log"][-1][0]
    script, stop = tmp_path / "reader.py", tmp_path / "stop"
    script.write_text(READER)
    readers = {}
    for mode in ("held", "fresh"):
        ready, out = tmp_path / f"{mode}.ready", tmp_path / f"{mode}.json"
        process = subprocess.Popen([sys.executable, str(script), mode, str(serving), str(stop), str(ready), str(out)])
        readers[mode] = (process, ready, out)
    try:
        deadline = time.monotonic() + 60
        for process, ready, _ in readers.values():
            while not ready.exists():
                assert process.poll() is None, "a reader died before it was ready"
                assert time.monotonic() < deadline, "reader not ready"
                time.sleep(0.1)

        args = ["run", "--landing", str(demo_landing), "--warehouse", str(warehouse), "--serving", str(serving)]
        exit_code = main(args)
    finally:
        stop.write_text("stop")
        for process, _, _ in readers.values():
            process.wait(timeout=120)

    printed = capsys.readouterr().out
    assert exit_code == 0, printed[-3000:]
    assert "succeeded" in printed and "mart_kpi_daily" in printed
    after = _table_counts(warehouse, warehouse_table_counts)
    assert ("raw", "orders") in before and ("marts", "mart_kpi_daily") in before
    assert after == before
    new_run = _serving_state(serving)["log"][-1][0]
    assert new_run != old_run
    held, fresh = (json.loads(readers[mode][2].read_text()) for mode in ("held", "fresh"))
    assert held["errors"] == [] and fresh["errors"] == []
    assert held["mixed"] == 0 and fresh["mixed"] == 0
    # The connection held open through the swap kept reading the old version, start to end.
    assert set(held["runs"]) == {old_run}
    # New connections saw the old version, then the new one, and nothing else.
    assert set(fresh["runs"]) <= {old_run, new_run}
    assert fresh["runs"][0] == old_run and fresh["runs"][-1] == new_run
    state = _serving_state(serving)
    assert [r[0] for r in state["log"]][-2:] == [old_run, new_run]
    assert _storage_number(serving) == V1_STORAGE_NUMBER

    # `salesops status` reads the run from the same instance: succeeded, nothing blocking, published.
    exit_code = main(["status", "--json", "--warehouse", str(warehouse), "--serving", str(serving)])
    status = json.loads(capsys.readouterr().out)
    assert exit_code == 0 == status["exit_code"]
    assert status["last_run"]["run_id"] == new_run and status["last_run"]["status"] == "SUCCESS"
    assert [c for c in status["checks"] if c["severity"] == "ERROR"] == []
    assert status["serving"]["run_id"] == new_run
    con = duckdb.connect(str(serving), read_only=True)
    try:
        counted = {
            f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t, _ in state["tables"]
        }
    finally:
        con.close()
    assert status["serving"]["tables"] == counted and len(counted) > 10
    assert not [a for a in status["stale"] if a["reason"] == "never materialized"]
