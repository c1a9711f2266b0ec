"""The Dagster code location: lineage, groups, checks, schedule and sensor."""

from __future__ import annotations

import importlib
import json
import re
import tomllib
from pathlib import Path

import dagster as dg
import yaml

from ingestion.contract import CONTRACT
from orchestration.landing_watch import changed_files, landing_fingerprint
from orchestration.translator import group_for_fqn

REPO = Path(__file__).resolve().parents[1]


def _defs() -> dg.Definitions:
    from orchestration.code_location import build_definitions
    from orchestration.settings import load_settings

    return build_definitions(load_settings())


def _graph():
    return _defs().resolve_asset_graph()


def test_lineage_runs_from_raw_files_to_marts():
    graph = _graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for cf in CONTRACT:
        assert f"raw/{cf.name}" in keys
        assert f"staging/stg_{cf.source}__{cf.name}" in keys
        staging = graph.get(dg.AssetKey(["staging", f"stg_{cf.source}__{cf.name}"]))
        # Records with an as-of history read raw through their versions view (docs as_of_history).
        versions = dg.AssetKey(["staging", f"stg_{cf.source}__{cf.name}_versions"])
        reads_raw = staging.parent_keys | (graph.get(versions).parent_keys if graph.has(versions) else set())
        assert dg.AssetKey(["raw", cf.name]) in reads_raw
    for core in [
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
    ]:
        assert f"core/{core}" in keys
    kpi = graph.get(dg.AssetKey(["marts", "mart_kpi_daily"]))
    assert dg.AssetKey(["core", "fct_orders"]) in kpi.parent_keys
    # raw.orders waits for the files its rows reference, so orphan checks see their parents.
    assert dg.AssetKey(["raw", "accounts"]) in graph.get(dg.AssetKey(["raw", "orders"])).parent_keys


def test_loading_the_code_location_prints_no_beta_notice(recwarn):
    """Every CLI command and UI reload builds the definitions: Dagster's notice that backfill_policy is in
    beta showed at the top of each of them."""
    _defs()
    notices = [w for w in recwarn if issubclass(w.category, (dg.BetaWarning, dg.PreviewWarning))]
    assert [str(w.message) for w in notices] == []


def test_groups_follow_the_layers():
    graph = _graph()
    groups = {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert groups["raw/orders"] == "raw"
    assert groups["staging/stg_orders__orders"] == "staging"
    assert groups["core/fct_orders"] == "core"
    assert groups["marts/mart_kpi_daily"] == "marts"
    assert groups["reference/stages"] == "reference"


def test_group_mapping_by_folder():
    assert group_for_fqn("model", ["salesops", "marts", "funnel", "mart_win_rate"]) == "funnel"
    assert group_for_fqn("model", ["salesops", "marts", "kpi", "mart_kpi_daily"]) == "marts"
    assert group_for_fqn("model", ["salesops", "staging", "crm", "stg_crm__teams"]) == "staging"
    assert group_for_fqn("seed", ["salesops", "stages"]) == "reference"


def test_dbt_tests_are_asset_checks():
    graph = _graph()
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    assert ("staging/stg_orders__orders", "unique_stg_orders__orders_order_id") in checks
    assert any(key == "marts/mart_kpi_daily" for key, _ in checks)


def test_every_blocking_dbt_test_is_an_asset_check_on_the_model_the_gate_names():
    """The check and publish jobs run the dbt tests that are Dagster checks; the publish gate requires every
    blocking one. A test Dagster does not attach (a singular test of no model) would block every publish."""
    from orchestration.dbt_project import dbt_manifest
    from quality.publish_gate import blocking_dbt_tests

    checks = {(c.asset_key.path[-1], c.name) for c in _graph().asset_check_keys}
    required = {(b.asset.split(".")[-1], b.dbt_unique_id.split(".")[2]) for b in blocking_dbt_tests(dbt_manifest())}
    assert len(required) > 500
    assert required - checks == set()


def test_job_schedule_and_sensor_exist():
    defs = _defs()
    job = defs.resolve_job_def("salesops_full_pipeline")
    # resolve_job_def raises for an unknown name; what can go wrong is the job leaving assets out.
    in_job = set(job.asset_layer.executable_asset_keys)
    # Everything but the partitioned daily-drops load, which has its own job (tests/test_daily_drops.py).
    partitioned = {dg.AssetKey(["raw", "daily_drops"])}
    assert in_job == set(defs.resolve_asset_graph().materializable_asset_keys) - partitioned
    assert {dg.AssetKey(["raw", "orders"]), dg.AssetKey(["marts", "mart_kpi_daily"])} <= in_job
    schedule = defs.resolve_schedule_def("salesops_daily")
    assert schedule.cron_schedule == "0 6 * * *"
    assert defs.resolve_sensor_def("salesops_landing_sensor").job_name == "salesops_full_pipeline"


def test_landing_sensor_requests_a_run_only_for_new_or_changed_files(tmp_path):
    from orchestration.resources import LandingResource
    from orchestration.sensors import landing_sensor

    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "orders.csv").write_text("order_id\n1\n")
    landing = LandingResource(root=str(tmp_path))

    first = landing_sensor(dg.build_sensor_context(resources={"landing": landing}))
    assert len(first.run_requests) == 1
    assert "orders/orders.csv" in first.run_requests[0].tags["salesops/changed_files"]

    unchanged = landing_sensor(dg.build_sensor_context(cursor=first.cursor, resources={"landing": landing}))
    assert not unchanged.run_requests

    (tmp_path / "orders" / "2024-05-01").mkdir()
    (tmp_path / "orders" / "2024-05-01" / "payments.csv").write_text("payment_id\n1\n")
    new_drop = landing_sensor(dg.build_sensor_context(cursor=first.cursor, resources={"landing": landing}))
    assert new_drop.run_requests[0].tags["salesops/changed_files"] == "orders/2024-05-01/payments.csv"
    assert changed_files(json.loads(first.cursor), landing_fingerprint(tmp_path)) == ["orders/2024-05-01/payments.csv"]


def test_staging_models_only_read_sources():
    for path in (REPO / "dbt_project/models/staging").rglob("*.sql"):
        sql = path.read_text()
        refs = set(re.findall(r"ref\('([a-z_]+)'\)", sql))
        # fx rates are the one staging input of others: amounts convert to the base currency here; a
        # record with an as-of history reads its own versions view (docs as_of_history).
        assert refs <= {"stg_orders__fx_rates", f"{path.stem}_versions"}, (path.name, refs)


def test_multiprocess_step_processes_fork_from_the_code_location():
    """The multiprocess run config preloads the code location and great-expectations in its forkserver
    (deploy/dagster-postgres/multiprocess.yaml). Python's forkserver skips a preload module that fails to
    import without a word, and every step process then pays that import again: the names must be the code
    location the project declares and modules that import."""
    config = yaml.safe_load((REPO / "deploy" / "dagster-postgres" / "multiprocess.yaml").read_text())
    preload = config["execution"]["config"]["multiprocess"]["start_method"]["forkserver"]["preload_modules"]
    code_location = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["dagster"]["module_name"]
    workspace = yaml.safe_load((REPO / "workspace.yaml").read_text())
    assert [entry["python_module"]["module_name"] for entry in workspace["load_from"]] == [code_location]
    assert preload == [code_location, "great_expectations"]
    for name in preload:
        importlib.import_module(name)
