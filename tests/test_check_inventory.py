"""No dbt check is dropped silently (issue 10): the checks of the dbt project against the committed list, and
the ``contract_constraints`` tests that check contract tables on engines that do not enforce the constraints."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import yaml
from check_inventory import (
    LIST_FILE,
    check_constraints,
    dbt_checks,
    enforces_constraints,
    listed_checks,
    not_null_constrained_columns,
)

from orchestration.dbt_project import dbt_manifest
from orchestration.pipeline import run_dbt

MODELS = Path(__file__).resolve().parents[1] / "dbt_project" / "models"


def test_no_dbt_check_is_dropped_or_added_unlisted():
    current, listed = set(dbt_checks(dbt_manifest())), set(listed_checks())
    dropped, unlisted = sorted(listed - current), sorted(current - listed)
    moved = "a not_null or expression_is_true test moved into a contract keeps its line"
    assert not dropped, f"checks no longer made ({moved}): {dropped}"
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


def test_check_constraints_are_listed_as_the_expression_tests_they_stand_for():
    """A check constraint gives the line of the expression_is_true test with the same expression on the same
    column (or on the model), as dbt names that test."""
    tests = {
        "t1": {"resource_type": "test", "name": "expression_is_true_m_c__c_0", "config": {"severity": "ERROR"}},
        "t2": {"resource_type": "test", "name": "expression_is_true_m_a_b_1", "config": {"severity": "ERROR"}},
    }
    model = {
        "resource_type": "model",
        "name": "m",
        "config": {"contract": {"enforced": True}, "materialized": "table"},
        "constraints": [{"type": "check", "expression": "a + b <= 1"}],
        "columns": {"c": {"name": "c", "constraints": [{"type": "check", "expression": "c >= 0"}]}},
    }
    assert dbt_checks({"nodes": tests}) == dbt_checks({"nodes": {"m": model}})
    assert check_constraints(model) == [(None, "a + b <= 1"), ("c", "c >= 0")]


def _contract_models() -> dict[str, set[str]]:
    """Every model with an enforced contract and not_null or check constraints, and the columns that carry
    them ("" for the model's own checks), read from the YAML."""
    found, kinds = {}, {"not_null", "check"}
    for path in MODELS.rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            if (model.get("config") or {}).get("contract", {}).get("enforced"):
                found[model["name"]] = {
                    column["name"]
                    for column in model.get("columns", [])
                    if any(c.get("type") in kinds for c in column.get("constraints") or [])
                } | ({""} if any(c.get("type") == "check" for c in model.get("constraints") or []) else set())
    return {name: columns for name, columns in found.items() if columns}


def test_every_contract_model_has_a_contract_constraints_test_that_duckdb_leaves_disabled():
    manifest = dbt_manifest()
    contract_models = _contract_models()
    assert len(contract_models) >= 30, contract_models

    def attached(nodes) -> list[str]:
        return sorted(
            node["attached_node"].split(".")[-1]
            for node in nodes
            if (node.get("test_metadata") or {}).get("name") == "contract_constraints"
        )

    disabled = [node for versions in manifest.get("disabled", {}).values() for node in versions]
    assert attached(disabled) == sorted(contract_models)
    assert attached(manifest["nodes"].values()) == []


def test_no_constraint_sits_where_dbt_does_not_apply_it():
    """dbt creates a view without constraints (it only warns): such a column needs a data test instead. An
    incremental model gets its constraints only when its table is created, so a check added to it later would
    not reach an existing warehouse: its rules stay data tests too."""
    ignored = [
        f"{node['name']}.{column or ''}"
        for node in dbt_manifest()["nodes"].values()
        if node["resource_type"] == "model" and not enforces_constraints(node)
        for column in not_null_constrained_columns(node) + [column for column, _ in check_constraints(node)]
    ]
    incremental_checks = [
        f"{node['name']}.{column or ''}"
        for node in dbt_manifest()["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
        for column, _ in check_constraints(node)
    ]
    assert ignored == []
    assert incremental_checks == []


def _run_contract_constraints(warehouse: Path, target: Path) -> dict[str, tuple[str, int]]:
    run_dbt(
        [
            "test",
            "--select",
            "test_name:contract_constraints",
            "--vars",
            json.dumps({"contract_constraint_tests": True}),
            "--store-failures",
        ],
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


def test_contract_constraints_counts_the_rows_that_break_a_constraint(fixture_build, tmp_path):
    """The test, forced on DuckDB, on a copy of the fixture build whose mart_collections lost its constraints:
    rows 1-2 get a null month_start (not_null), rows 2-3 a group_level outside its column's check, row 4 a
    negative collection_rate (the model's first check), row 5 a null collection_rate (a null check passes).
    4 rows fail (a query per constraint would count 5), each saying which constraints it breaks."""
    assert {"month_start", "group_level", ""} <= _contract_models()["mart_collections"]
    warehouse = tmp_path / "wh" / "salesops.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(fixture_build, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        # A table made by CREATE TABLE AS has no constraints: what dbt-spark leaves on Parquet.
        con.execute("create table marts.collections_copy as select * from marts.mart_collections")
        con.execute("drop table marts.mart_collections")
        con.execute("alter table marts.collections_copy rename to mart_collections")
        keys = [k for (k,) in con.execute("select collections_key from marts.mart_collections order by 1").fetchall()]
        assert len(keys) >= 5, keys
        update = "update marts.mart_collections set {} where collections_key in ({})"
        for assignment, rows in [
            ("month_start = null", keys[0:2]),
            ("group_level = 'region'", keys[1:3]),
            ("collection_rate = -1", keys[3:4]),
            ("collection_rate = null", keys[4:5]),
        ]:
            con.execute(update.format(assignment, ", ".join("?" for _ in rows)), rows)
    finally:
        con.close()

    results = _run_contract_constraints(warehouse, tmp_path / "target")
    assert len(results) == len(_contract_models())
    collections = [name for name in results if name.startswith("contract_constraints_mart_collections")]
    assert [results.pop(name) for name in collections] == [("fail", 4)]
    assert set(results.values()) == {("pass", 0)}, results
    # dbt stored the failing rows (--store-failures) in a table named after the test.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ((schema, table),) = con.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_name like 'contract_constraints_mart_collections%'"
        ).fetchall()
        broken = con.execute(
            f'select collections_key, broken_constraints from "{schema}"."{table}" order by 1'
        ).fetchall()
    assert broken == [
        (keys[0], "not_null: month_start"),
        (keys[1], "not_null: month_start, check: group_level"),
        (keys[2], "check: group_level"),
        (keys[3], "check: model #1"),
    ]


def test_the_build_holds_every_declared_constraint(fixture_build):
    """Every not_null and check constraint the manifest declares on a contract table is one the built DuckDB
    table enforces (counted in DuckDB's catalog): a constraint dbt only warned about would check nothing."""
    declared, built = {}, {}
    for node in dbt_manifest()["nodes"].values():
        if node["resource_type"] == "model" and enforces_constraints(node):
            table = (node["schema"], node.get("alias") or node["name"])
            not_null, checks = not_null_constrained_columns(node), check_constraints(node)
            declared[table] = {"NOT NULL": len(not_null), "CHECK": len(checks)}
            built[table] = {"NOT NULL": 0, "CHECK": 0}
    # Its own connection, closed at once: the session's fixture_db would hold the file until the session ends,
    # and later tests of this worker write to it (dbt docs generate).
    with duckdb.connect(str(fixture_build), read_only=True) as con:
        rows = con.execute(
            "select schema_name, table_name, constraint_type, count(*) from duckdb_constraints()"
            " where constraint_type in ('NOT NULL', 'CHECK') group by all"
        ).fetchall()
    for schema, table, kind, count in rows:
        if (schema, table) in built:
            built[schema, table][kind] = count
    assert sum(d["CHECK"] for d in declared.values()) >= 70 and len(declared) >= 30
    assert built == declared
