"""No dbt check is dropped silently (issue 10): the checks of the dbt project against the committed list, and
the ``contract_not_null`` tests that check contract columns on engines that do not enforce the constraints."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import yaml
from check_inventory import LIST_FILE, dbt_checks, enforces_constraints, listed_checks, not_null_constrained_columns

from orchestration.dbt_project import dbt_manifest
from orchestration.pipeline import run_dbt

MODELS = Path(__file__).resolve().parents[1] / "dbt_project" / "models"


def test_no_dbt_check_is_dropped_or_added_unlisted():
    current, listed = set(dbt_checks(dbt_manifest())), set(listed_checks())
    dropped, unlisted = sorted(listed - current), sorted(current - listed)
    assert not dropped, f"checks no longer made (a not_null moved into a contract stays listed): {dropped}"
    assert not unlisted, f"new checks, to be listed (tests/check_inventory.py writes {LIST_FILE.name}): {unlisted}"


def test_not_null_data_tests_and_contract_constraints_are_listed_alike():
    """A not_null data test and a not_null constraint of an enforced contract give the same line, so the
    list does not change when one becomes the other."""
    test = {"resource_type": "test", "name": "not_null_m_c", "config": {"severity": "ERROR"}}
    model = {
        "resource_type": "model",
        "name": "m",
        "config": {"contract": {"enforced": True}, "materialized": "table"},
        "columns": {"c": {"name": "c", "constraints": [{"type": "not_null"}]}, "d": {"name": "d"}},
    }
    unenforced = {**model, "name": "u", "config": {"contract": {"enforced": False}, "materialized": "table"}}
    view = {**model, "name": "v", "config": {"contract": {"enforced": True}, "materialized": "view"}}
    assert dbt_checks({"nodes": {"t": test}}) == dbt_checks({"nodes": {"m": model, "u": unenforced, "v": view}})
    assert dbt_checks({"nodes": {"t": test}}) == ["not_null_m_c\terror"]


def _contract_models() -> dict[str, set[str]]:
    """Every model with an enforced contract and not_null constraints, and those columns, read from the YAML."""
    found = {}
    for path in MODELS.rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            if (model.get("config") or {}).get("contract", {}).get("enforced"):
                found[model["name"]] = {
                    column["name"]
                    for column in model.get("columns", [])
                    if any(c.get("type") == "not_null" for c in column.get("constraints") or [])
                }
    return {name: columns for name, columns in found.items() if columns}


def test_every_contract_model_has_a_contract_not_null_test_that_duckdb_leaves_disabled():
    manifest = dbt_manifest()
    contract_models = _contract_models()
    assert len(contract_models) >= 30, contract_models

    def attached(nodes) -> list[str]:
        return sorted(
            node["attached_node"].split(".")[-1]
            for node in nodes
            if node["resource_type"] == "test" and (node.get("test_metadata") or {}).get("name") == "contract_not_null"
        )

    disabled = [node for versions in manifest.get("disabled", {}).values() for node in versions]
    assert attached(disabled) == sorted(contract_models)
    assert attached(manifest["nodes"].values()) == []


def test_no_not_null_constraint_sits_where_dbt_does_not_apply_it():
    """dbt creates a view without constraints (it only warns): such a column needs a not_null data test."""
    ignored = [
        f"{node['name']}.{column}"
        for node in dbt_manifest()["nodes"].values()
        if node["resource_type"] == "model" and not enforces_constraints(node)
        for column in not_null_constrained_columns(node)
    ]
    assert ignored == []


def _run_contract_not_null(warehouse: Path, target: Path) -> dict[str, tuple[str, int]]:
    run_dbt(
        ["test", "--select", "test_name:contract_not_null", "--vars", json.dumps({"contract_not_null_tests": True})],
        warehouse,
        target_path=target,
        check=False,
    )
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {
        r["unique_id"].split(".")[2]: (r["status"], r["failures"])
        for r in results
        if r["unique_id"].startswith("test.")
    }


def test_contract_not_null_counts_the_rows_with_a_null_in_a_constrained_column(fixture_build, tmp_path):
    """The test, forced on DuckDB, on a copy of the fixture build whose mart_collections lost its constraints
    and got nulls in two constrained columns: rows 1 and 2 in one, rows 2 and 3 in the other. 3 rows fail
    (a query per column would count 4)."""
    warehouse = tmp_path / "wh" / "salesops.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(fixture_build, warehouse)
    # Rows are picked by their key, so the key is not one of the columns made null.
    first, second = sorted(_contract_models()["mart_collections"] - {"collections_key"})[:2]
    con = duckdb.connect(str(warehouse))
    try:
        # A table made by CREATE TABLE AS has no constraints: what dbt-spark leaves on Parquet.
        con.execute("create table marts.collections_copy as select * from marts.mart_collections")
        con.execute("drop table marts.mart_collections")
        con.execute("alter table marts.collections_copy rename to mart_collections")
        keys = [k for (k,) in con.execute("select collections_key from marts.mart_collections order by 1").fetchall()]
        assert len(keys) >= 3, keys
        con.execute(f"update marts.mart_collections set {first} = null where collections_key in (?, ?)", keys[:2])
        con.execute(f"update marts.mart_collections set {second} = null where collections_key in (?, ?)", keys[1:3])
    finally:
        con.close()

    results = _run_contract_not_null(warehouse, tmp_path / "target")
    assert len(results) == len(_contract_models())
    collections = [name for name in results if name.startswith("contract_not_null_mart_collections")]
    assert [results.pop(name) for name in collections] == [("fail", 3)]
    assert set(results.values()) == {("pass", 0)}, results
