"""Daily partitions on the landing's dated drops (orchestration/assets/drops.py, ingestion/drops.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from ingestion.drops import drop_dates
from orchestration.assets.drops import DAILY_DROPS_KEY
from orchestration.jobs import DAILY_DROPS_JOB_NAME, FULL_PIPELINE_JOB_NAME

DROPS = {
    "orders/2024-03-07/orders.csv": (
        "order_id,account_id,rep_id,channel_id,partner_id,opportunity_id,order_date,status,currency,"
        "payment_terms_days,due_date,shipped_at,delivered_at,updated_at\n"
        "SO1,A1,R2,C1,,O1,2024-01-15,cancelled,CNY,30,2024-02-14,,,2024-03-07 10:00:00\n"
    ),
    "orders/2024-03-08/payments.csv": (
        "payment_id,order_id,paid_at,amount,currency,method\nPM5,SO2,2024-03-08 09:00:00,50,USD,bank_transfer\n"
    ),
    "crm/2024-03-08/activities.csv": (
        "activity_id,rep_id,account_id,opportunity_id,activity_type,occurred_at,outcome\n"
        "AC9,R2,A1,,call,2024-03-08 11:00:00,ok\n"
    ),
}


def _tiny_landing(root: Path) -> Path:
    landing = root / "landing"
    for relative, text in DROPS.items():
        path = landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return landing


def _defs(landing: Path, warehouse: Path) -> dg.Definitions:
    from orchestration.code_location import build_definitions
    from orchestration.settings import load_settings

    return build_definitions(load_settings().with_paths(landing, warehouse))


def test_drop_dates_are_the_dated_folders(tmp_path):
    assert drop_dates(_tiny_landing(tmp_path)) == [date(2024, 3, 7), date(2024, 3, 8)]


def test_partitioned_job_covers_the_drop_dates_and_the_full_job_stays_unpartitioned(tmp_path):
    defs = _defs(_tiny_landing(tmp_path), tmp_path / "wh.duckdb")
    job = defs.resolve_job_def(DAILY_DROPS_JOB_NAME)
    keys = job.partitions_def.get_partition_keys()
    assert {"2024-03-07", "2024-03-08"} <= set(keys)
    assert min(keys) <= "2024-01-01"  # the first drop, or the project's default first date when earlier
    in_job = set(job.asset_layer.executable_asset_keys)
    assert DAILY_DROPS_KEY in in_job
    assert {dg.AssetKey(["core", "fct_order_lines"]), dg.AssetKey(["marts", "mart_kpi_daily"])} <= in_job
    assert dg.AssetKey(["raw", "orders"]) not in in_job  # raw/<table> would load every file
    # A range backfill is one run: all its dates load, then one dbt build.
    policy = defs.resolve_asset_graph().get(DAILY_DROPS_KEY).backfill_policy
    assert policy == dg.BackfillPolicy.single_run()
    # The dbt step waits for the drops (Dagster orders a run's steps by direct dependencies only).
    staging = defs.resolve_asset_graph().get(dg.AssetKey(["staging", "stg_orders__payments"]))
    assert DAILY_DROPS_KEY in staging.parent_keys
    assert defs.resolve_job_def(FULL_PIPELINE_JOB_NAME).partitions_def is None


def test_materializing_one_partition_loads_only_that_dates_drop(tmp_path):
    landing, warehouse = _tiny_landing(tmp_path), tmp_path / "wh.duckdb"
    job = _defs(landing, warehouse).resolve_job_def(DAILY_DROPS_JOB_NAME)
    result = job.execute_in_process(
        partition_key="2024-03-08", asset_selection=[DAILY_DROPS_KEY], instance=dg.DagsterInstance.ephemeral()
    )
    assert result.success
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        loaded = sorted(r[0] for r in con.execute("select source_file from audit.load_ledger").fetchall())
        orders = con.execute("select count(*) from raw.orders").fetchone()[0]
    finally:
        con.close()
    assert loaded == ["crm/2024-03-08/activities.csv", "orders/2024-03-08/payments.csv"]
    assert orders == 0  # raw.orders exists (staging needs it) but the 2024-03-07 drop is not loaded
    (materialization,) = result.asset_materializations_for_node("raw__daily_drops")
    assert materialization.metadata["files_loaded"].value == 2
