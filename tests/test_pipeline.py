"""The whole pipeline through Dagster on generated data, checked against independent computations."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import demo_dbt_log

from ingestion.contract import CONTRACT

STAGING_MODELS = [f"stg_{cf.source}__{cf.name}" for cf in CONTRACT]
CORE_MODELS = [
    "dim_date",
    "dim_rep",
    "dim_team",
    "dim_account",
    "dim_product",
    "dim_channel",
    "dim_partner",
    "dim_stage",
    "fct_orders",
    "fct_order_lines",
    "fct_payments",
    "fct_opportunities",
]


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return con.execute(f"select count(*) from {relation}").fetchall()[0][0]


def test_every_layer_is_built_and_non_empty(demo_db):
    for cf in CONTRACT:
        assert _count(demo_db, f"raw.{cf.name}") > 0, cf.name
    for model in STAGING_MODELS:
        assert _count(demo_db, f"staging.{model}") > 0, model
    for model in CORE_MODELS:
        assert _count(demo_db, f"core.{model}") > 0, model
    assert _count(demo_db, "marts.mart_kpi_daily") > 0


def test_every_dbt_test_ran_as_a_passing_asset_check(demo_pipeline):
    evaluations = demo_pipeline.result.get_asset_check_evaluations()
    assert len(evaluations) > 150
    failed_errors = [e.check_name for e in evaluations if not e.passed and e.severity.value == "ERROR"]
    assert failed_errors == []
    checked_assets = {e.asset_key.to_user_string() for e in evaluations}
    assert {"marts/mart_kpi_daily", "core/fct_orders", "staging/stg_orders__orders"} <= checked_assets


def _read(landing: Path, relative: str) -> pl.DataFrame:
    return pl.read_csv(landing / relative, infer_schema=False).with_row_index("_row_number", offset=1)


def _good_rows(landing: Path, relative: str) -> pl.DataFrame:
    """The file's rows minus those the generator's answer key lists as injected bad rows."""
    bad = pl.read_csv(landing / "_bad_rows.csv", infer_schema=False)
    bad_rows = bad.filter(pl.col("file") == relative)["row_number"].cast(pl.UInt32)
    return _read(landing, relative).filter(~pl.col("_row_number").is_in(bad_rows.implode()))


def _fx_lookup(landing: Path) -> pl.DataFrame:
    return (
        _good_rows(landing, "orders/fx_rates.csv")
        .select(
            pl.col("currency"),
            pl.col("rate_date").str.to_date(),
            pl.col("rate_to_base").cast(pl.Float64),
        )
        .sort("currency", "rate_date")
    )


def _to_base(frame: pl.DataFrame, fx: pl.DataFrame, date_col: str) -> pl.DataFrame:
    """Attach the latest rate on or before ``date_col`` (CNY = 1)."""
    joined = frame.sort(date_col).join_asof(
        fx, left_on=date_col, right_on="rate_date", by="currency", strategy="backward", check_sortedness=False
    )
    return joined.with_columns(
        pl.when(pl.col("currency") == "CNY").then(1.0).otherwise(pl.col("rate_to_base")).alias("rate")
    )


def independent_kpi_daily(landing: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Revenue / orders / buyers per day × channel and collections per day × channel, from the CSVs."""
    fx = _fx_lookup(landing)
    orders = _good_rows(landing, "orders/orders.csv").select(
        "order_id", "account_id", "channel_id", "status", "currency", pl.col("order_date").str.to_date()
    )
    lines = _good_rows(landing, "orders/order_lines.csv").select(
        "order_id",
        pl.col("quantity").cast(pl.Float64),
        pl.col("unit_price").cast(pl.Float64),
        pl.col("discount_pct").cast(pl.Float64).fill_null(0.0),
    )
    order_net = lines.group_by("order_id").agg(
        (pl.col("quantity") * pl.col("unit_price") * (1 - pl.col("discount_pct"))).sum().alias("net"),
        (pl.col("quantity") < 0).any().alias("has_return_line"),
    )
    # A returned order without any return line came back whole: no revenue.
    returned_whole = (pl.col("status") == "returned") & ~pl.col("has_return_line").fill_null(False)
    priced = _to_base(orders.join(order_net, on="order_id", how="left"), fx, "order_date").with_columns(
        pl.when(returned_whole).then(0.0).otherwise(pl.col("net").fill_null(0.0) * pl.col("rate")).alias("revenue")
    )
    sales = (
        priced.filter(pl.col("status") != "cancelled")
        .group_by("order_date", "channel_id")
        .agg(
            pl.col("revenue").sum(),
            pl.len().alias("orders"),
            pl.col("account_id").n_unique().alias("buying_customers"),
        )
    )
    payments = _good_rows(landing, "orders/payments.csv").select(
        "payment_id",
        "order_id",
        "currency",
        pl.col("amount").cast(pl.Float64),
        pl.col("paid_at").alias("paid_ts"),
        pl.col("paid_at").str.slice(0, 10).str.to_date(),
    )
    # 回款额 = what each payment takes off its order's receivable at the settlement value: in the order's
    # currency at the order's booking rate, else at the paid date's rate; cancelled orders owe nothing, and
    # under a cent left is rounding (settled).
    receivables = priced.select(
        "order_id",
        "channel_id",
        pl.col("currency").alias("order_currency"),
        pl.col("rate").alias("order_rate"),
        pl.when(pl.col("status") == "cancelled")
        .then(0.0)
        .otherwise(pl.col("revenue").clip(lower_bound=0.0))
        .alias("receivable"),
    )
    settled = (
        pl.when(pl.col("currency") == pl.col("order_currency"))
        .then(pl.col("amount") * pl.col("order_rate"))
        .otherwise(pl.col("amount") * pl.col("rate"))
    )

    def collected(so_far: pl.Expr) -> pl.Expr:
        receivable = pl.col("receivable")
        return pl.when(receivable - so_far < 0.01).then(receivable).otherwise(so_far.clip(lower_bound=0.0))

    collections = (
        _to_base(payments, fx, "paid_at")
        .join(receivables, on="order_id", how="inner")
        .with_columns(settled.alias("settled"))
        .sort("order_id", "paid_ts", "payment_id")
        .with_columns(pl.col("settled").cum_sum().over("order_id").alias("cumulative"))
        .with_columns(
            (collected(pl.col("cumulative")) - collected(pl.col("cumulative") - pl.col("settled"))).alias("applied")
        )
        .group_by("paid_at", "channel_id")
        .agg(pl.col("applied").sum().alias("collections"))
    )
    return sales, collections


def test_mart_kpi_daily_matches_an_independent_polars_computation(demo_landing, demo_db):
    sales, collections = independent_kpi_daily(demo_landing)
    mart = demo_db.sql(
        "select date_day, channel_id, cast(revenue_base as double) as revenue, orders, buying_customers, "
        "cast(collections_base as double) as collections from marts.mart_kpi_daily"
    ).pl()

    got_sales = mart.filter(pl.col("orders") > 0).sort("date_day", "channel_id")
    expected_sales = sales.rename({"order_date": "date_day"}).sort("date_day", "channel_id")
    assert got_sales.height == expected_sales.height
    compared = got_sales.join(expected_sales, on=["date_day", "channel_id"], how="full", suffix="_expected")
    assert compared.filter(pl.col("orders") != pl.col("orders_expected")).height == 0
    assert compared.filter(pl.col("buying_customers") != pl.col("buying_customers_expected")).height == 0
    off = compared.filter((pl.col("revenue") - pl.col("revenue_expected")).abs() > 0.01)
    assert off.height == 0, off.head()

    got_collections = mart.filter(pl.col("collections") != 0).select("date_day", "channel_id", "collections")
    expected_collections = collections.rename({"paid_at": "date_day"}).filter(pl.col("collections") != 0)
    both = got_collections.join(expected_collections, on=["date_day", "channel_id"], how="full", suffix="_expected")
    assert both.height == expected_collections.height == got_collections.height
    assert both.filter((pl.col("collections") - pl.col("collections_expected")).abs() > 0.01).height == 0


def test_raw_rows_equal_staged_plus_quarantined_per_table(demo_landing, demo_db):
    bad = pl.read_csv(demo_landing / "_bad_rows.csv", infer_schema=False)
    for cf in CONTRACT:
        received = _read(demo_landing, cf.relative_path).height
        raw_rows = _count(demo_db, f"raw.{cf.name}")
        quarantined = demo_db.execute(
            "select count(distinct row_number) from audit.quarantined_rows where table_name = ?", [cf.name]
        ).fetchall()[0][0]
        staged = _count(demo_db, f"staging.stg_{cf.source}__{cf.name}")
        injected = bad.filter(pl.col("file") == cf.relative_path)["row_number"].n_unique()
        assert raw_rows == received, cf.name
        assert quarantined == injected, (cf.name, quarantined, injected)
        assert raw_rows == staged + quarantined, (cf.name, raw_rows, staged, quarantined)


def test_quarantine_holds_each_injected_bad_row_with_its_reason(demo_landing, demo_db):
    bad = pl.read_csv(demo_landing / "_bad_rows.csv", infer_schema=False).with_columns(
        pl.col("row_number").cast(pl.Int64)
    )
    got = demo_db.sql("select source_file as file, row_number, column_name, reason from audit.quarantined_rows").pl()
    kind_to_reasons = {
        "duplicate_row": {"duplicate_row"},
        "missing_required": {"missing_required"},
        "orphan_foreign_key": {"orphan_foreign_key"},
        "invalid_date": {"invalid_date", "invalid_timestamp"},
        "negative_price": {"negative_price"},
    }
    assert set(bad["kind"].unique()) == set(kind_to_reasons)
    for row in bad.iter_rows(named=True):
        reasons = set(
            got.filter((pl.col("file") == row["file"]) & (pl.col("row_number") == row["row_number"]))["reason"]
        )
        assert reasons & kind_to_reasons[row["kind"]], row


@pytest.mark.parametrize("schema", ["staging", "core", "marts"])
def test_models_have_documented_columns(schema, demo_db):
    """Every column BI or a downstream model can see is in the YAML docs (dbt manifest)."""
    import json

    from orchestration.dbt_project import salesops_dbt_project

    manifest = json.loads(salesops_dbt_project().manifest_path.read_text())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["schema"] == schema]
    assert models
    for node in models:
        assert node["description"].strip(), node["name"]
        actual = [
            r[0]
            for r in demo_db.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [schema, node["name"]],
            ).fetchall()
        ]
        # The full job materialises every model (test_definitions), so a model missing here was not built.
        assert actual, f"{node['name']} is not in the {schema} schema of the demo warehouse"
        undocumented = [c for c in actual if c not in node["columns"]]
        assert not undocumented, (node["name"], undocumented)


def test_materializations_report_the_row_counts_of_the_built_tables(demo_pipeline, demo_db, demo_landing):
    counts = {
        m.asset_key.to_user_string(): m.materialization.metadata["dagster/row_count"].value
        for m in demo_pipeline.result.get_asset_materialization_events()
        if "dagster/row_count" in m.materialization.metadata
    }
    assert counts["marts/mart_kpi_daily"] == _count(demo_db, "marts.mart_kpi_daily")
    # Against numbers taken from the landing files, not from the tables the counts describe: one fct_orders
    # row per order id among the rows the generator's answer key leaves good, and one raw row per CSV row
    # (raw assets count the rows of the current file versions, quarantined rows included).
    assert counts["core/fct_orders"] == _good_rows(demo_landing, "orders/orders.csv")["order_id"].n_unique()
    assert counts["raw/orders"] == _read(demo_landing, "orders/orders.csv").height


def test_every_dbt_table_materialization_carries_its_row_count_reported_by_dbt(demo_pipeline, demo_db):
    """Each model's and seed's count reached Dagster from dbt's own report line, and is the table's.
    mart_dq_results, a view that grows when dbt stores the build's test results, is counted after the build
    instead. (That a count follows the model's own post-hooks: tests/test_funnel_marts.py.)"""
    from orchestration.dbt_project import dbt_manifest
    from orchestration.dbt_stream import ROW_COUNT_LINE

    nodes = {uid: n for uid, n in dbt_manifest()["nodes"].items() if n["resource_type"] in ("model", "seed")}
    tables = {uid: f"{n['schema']}.{n.get('alias') or n['name']}" for uid, n in nodes.items()}
    after_build = {uid for uid, n in nodes.items() if n["config"]["meta"].get("count_rows_after_build")}
    assert after_build == {"model.salesops.mart_dq_results"}
    metadata = {
        m.materialization.metadata["unique_id"].value: m.materialization.metadata
        for m in demo_pipeline.result.get_asset_materialization_events()
        if "unique_id" in m.materialization.metadata
    }
    assert set(metadata) == set(tables)
    for uid, table in tables.items():
        assert metadata[uid]["dagster/row_count"].value == _count(demo_db, table), uid

    reported = {}
    for event in _dbt_log(demo_pipeline):
        if event["info"]["msg"].startswith(ROW_COUNT_LINE):
            relation, rows = event["info"]["msg"][len(ROW_COUNT_LINE) :].split(" ")
            assert relation == tables[event["data"]["node_info"]["unique_id"]]
            reported[event["data"]["node_info"]["unique_id"]] = int(rows)
    assert reported == {uid: metadata[uid]["dagster/row_count"].value for uid in tables if uid not in after_build}


def test_dbt_results_reach_dagster_while_dbt_builds(demo_pipeline):
    """The dbt asset hands each result over as dbt reports it (orchestration/dbt_stream.py), not after dbt
    has exited: nearly every materialization and check of the dbt step is stored before dbt's last line.
    (Those that wait: the marts until mart_coverage is built, mart_dq_results until the end.)"""
    from datetime import datetime

    import dagster as dg

    from orchestration.assets.dbt import salesops_dbt_assets
    from orchestration.pipeline import DBT_OP_NAME

    last_line = datetime.fromisoformat(_dbt_log(demo_pipeline)[-1]["info"]["ts"].replace("Z", "+00:00")).timestamp()
    kinds = (dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    stored = [
        record.timestamp
        for record in demo_pipeline.instance.all_logs(demo_pipeline.run_id)
        if record.step_key == DBT_OP_NAME and record.dagster_event and record.dagster_event.event_type in kinds
    ]
    # Every check and every materialization the dbt asset declares (one per data test, model and seed).
    assert len(stored) == len(list(salesops_dbt_assets.check_specs)) + len(salesops_dbt_assets.keys)
    before = sum(1 for t in stored if t < last_line)
    assert before >= 0.9 * len(stored), (before, len(stored))


def _dbt_log(run) -> list[dict]:
    """The JSON lines of the dbt log of the run's dbt step, as the session fixture kept it."""
    import json

    return [json.loads(line) for line in demo_dbt_log(run).read_text(encoding="utf-8").splitlines()]
