"""The dbt project on Spark (marker spark; extra [spark] and Java 17; .ci/run runs it after the suite).

`salesops compare-engines --reuse-warehouse --data-tests each-kind` on the demo landing, loaded and built on
DuckDB first: `dbt build --target spark` of every seed, model and unit test and one data test of each kind
(engines/data_test_kinds.py: every singular test and every test with SQL of its own, one of each kind of
the tests that differ only by the names and values they test; every one must pass), then every table and
view dbt built compared row by row with DuckDB's. That the project's SQL runs on Spark is what the build
checks; that Spark's rows would pass the tests left out, the comparison: they are DuckDB's rows, which pass
every data test in the suite's demo pipeline run on the same landing.
Slow: the Spark build alone took 4.5-8.5 minutes on 2 cores with every data test (docs/benchmarks.md), nearly
twice that beside the other marked tests.

The DuckDB side is the loader and dbt's seeds and models, not the whole pipeline that `compare-engines` runs
without the flag: its checks, Dagster's run and the publish change no mart row the comparison reads
(mart_dq_results, the one mart of check results, is compared by its columns; checked once, not asserted here:
the marts and core tables built this way had the pipeline's recorded fingerprint,
tests/fixtures/demo_mart_fingerprint.json, which a build with the user's own vars would not). On this
landing the whole pipeline took 116 s of CPU against 27 s for the loader and the models (alone,
docs/benchmarks.md); the saving falls on the marked tests' longest worker. The whole pipeline on the demo
landing is the session's `demo_pipeline`; the command's steps are tested with recorders in tests/test_cli.py."""

import json
from pathlib import Path

import pytest
from check_inventory import check_constraints, enforces_constraints, not_null_constrained_columns
from conftest import build_fixture_warehouse

from orchestration.cli import main
from orchestration.settings import LANDING_ENV, SPARK_DIR_ENV, WAREHOUSE_ENV, load_settings

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]


def _built_tables(target: Path) -> set[str]:
    """The tables and views the build made, by its manifest: every enabled model and seed (an ephemeral model
    would make none)."""
    manifest = json.loads((target / "manifest.json").read_text())
    return {
        node["alias"]
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
        and node["config"]["enabled"]
        and node["config"]["materialized"] != "ephemeral"
    }


def test_demo_tables_are_identical_on_duckdb_and_spark(demo_landing: Path, tmp_path: Path, monkeypatch, capsys):
    warehouse = tmp_path / "wh" / "salesops.duckdb"
    spark_dir = tmp_path / "spark"
    monkeypatch.setenv(LANDING_ENV, str(demo_landing))
    monkeypatch.setenv(WAREHOUSE_ENV, str(warehouse))
    monkeypatch.setenv(SPARK_DIR_ENV, str(spark_dir))
    # --reuse-warehouse runs nothing of Dagster's; anything it did would be stored there, not in the checkout.
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))

    # Hive's sessions (the dbt build's, the mart comparison's) keep their resources in the Spark folder, not
    # in a folder of their own under the JVM's temporary directory that nothing removes.
    leftovers_before = set(Path("/tmp").glob("*_resources"))
    warehouse.parent.mkdir()
    # The generator writes some bad rows on purpose. Seeds and models only: the data tests that matter here are
    # Spark's. The user's settings (base currency, calendar, masking) reach this build as they reach Spark's.
    chosen = load_settings().dbt_vars
    dbt_args = ["--vars", json.dumps(chosen, sort_keys=True)] if chosen else None
    build_fixture_warehouse(demo_landing, warehouse, dbt_args=dbt_args, quarantine_expected=True, data_tests=False)
    code = main(["compare-engines", "--reuse-warehouse", "--data-tests", "each-kind"])
    out = capsys.readouterr().out
    assert code == 0, out[-8000:]
    assert set(Path("/tmp").glob("*_resources")) == leftovers_before
    assert (spark_dir / "hive_resources").is_dir()

    target = spark_dir / "dbt_target"
    results = json.loads((target / "run_results.json").read_text())["results"]
    manifest = json.loads((target / "manifest.json").read_text())
    nodes = manifest["nodes"]
    # A test of severity warn may warn (as on DuckDB); exposures do not run (no-op); everything else passes.
    warn_only = {uid for uid, node in nodes.items() if node.get("config", {}).get("severity", "").lower() == "warn"}
    not_passed = [
        (r["unique_id"], r["status"])
        for r in results
        if not (
            r["status"] in ("success", "pass")
            or (r["status"] == "warn" and r["unique_id"] in warn_only)
            or (r["status"] == "no-op" and r["unique_id"].startswith("exposure."))
        )
    ]
    assert not_passed == [], not_passed
    kinds = {r["unique_id"].split(".")[0] for r in results}
    assert {"model", "seed", "test", "unit_test"} <= kinds
    # Every model, seed and unit test ran; of the data tests, every singular one and every generic test macro.
    ran = {r["unique_id"] for r in results}
    for resource_type in ("model", "seed"):
        assert {uid for uid, n in nodes.items() if n["resource_type"] == resource_type} <= ran, resource_type
    assert len(manifest["unit_tests"]) > 30 and set(manifest["unit_tests"]) <= ran
    tests = {uid: n for uid, n in nodes.items() if n["resource_type"] == "test"}
    assert {uid for uid, n in tests.items() if not n.get("test_metadata")} <= ran
    macros_run = {tests[uid]["test_metadata"]["name"] for uid in ran & set(tests) if tests[uid].get("test_metadata")}
    assert macros_run == {n["test_metadata"]["name"] for n in tests.values() if n.get("test_metadata")}
    left_out = len(tests) - len(ran & set(tests))
    assert left_out > 0 and f"{left_out} data tests left out, one of their kind ran" in out
    # Spark does not enforce the contracts' not_null and check constraints: the contract_constraints test of
    # each model that has some (disabled on DuckDB) checked them here.
    contracts = {
        n["name"]
        for n in nodes.values()
        if n["resource_type"] == "model"
        and enforces_constraints(n)
        and (not_null_constrained_columns(n) or check_constraints(n))
    }
    checked = {
        nodes[r["unique_id"]]["attached_node"].split(".")[-1]
        for r in results
        if r["unique_id"].startswith("test.salesops.contract_constraints_")
    }
    assert len(contracts) > 30 and checked == contracts

    compared = _built_tables(spark_dir / "dbt_target")
    assert {"stages", "stg_orders__orders", "int_customer__monthly_state", "fct_orders", "mart_collections"} <= compared
    assert f"{len(compared)} tables compared; 0 differ" in out
    for table in compared:
        assert f"\n{table}: " in f"\n{out}", f"{table} was not compared"
