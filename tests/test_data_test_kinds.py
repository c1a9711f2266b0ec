"""One data test of each kind (engines/data_test_kinds.py), what `salesops spark-build --data-tests each-kind`
and `compare-engines --data-tests each-kind` run: on a hand-made manifest whose kinds are written out by hand,
and on the project's own manifest. The Spark build with it is tests/test_spark_target.py (marker spark)."""

from __future__ import annotations

import io
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from engines import spark_build
from engines.data_test_kinds import one_test_of_each_kind
from orchestration.dbt_project import dbt_manifest
from orchestration.settings import SPARK_DIR_ENV, load_settings


def _model(name: str, materialized: str = "table", types: dict[str, str] | None = None) -> tuple[str, dict]:
    columns = {column: {"name": column, "data_type": data_type} for column, data_type in (types or {}).items()}
    node = {"resource_type": "model", "name": name, "config": {"materialized": materialized}, "columns": columns}
    return f"model.p.{name}", node


def _generic(name: str, macro: str, model: str, config: dict | None = None, **arguments) -> tuple[str, dict]:
    node = {
        "resource_type": "test",
        "name": name,
        "attached_node": f"model.p.{model}",
        "config": {"severity": "ERROR", **(config or {})},
        "test_metadata": {"name": macro, "namespace": None, "kwargs": {"model": "{{ ref('x') }}", **arguments}},
    }
    return f"test.p.{name}", node


HAND_MADE = dict(
    [
        _model("orders", types={"order_id": "varchar", "amount": "decimal(28,6)"}),
        _model("lines"),
        _model("accounts", materialized="view"),
        # Four not_null tests of one kind (a table, no declared type), the first by unique id runs.
        _generic("a_not_null_lines_sku", "not_null", "lines", column_name="sku"),
        _generic("b_not_null_lines_qty", "not_null", "lines", column_name="qty"),
        _generic("c_not_null_lines_price", "not_null", "lines", column_name="price"),
        _generic("d_not_null_lines_line", "not_null", "lines", column_name="line"),
        # Another kind each: a declared type, another one, a view.
        _generic("e_not_null_orders_order_id", "not_null", "orders", column_name="order_id"),
        _generic("f_not_null_orders_amount", "not_null", "orders", column_name="amount"),
        _generic("g_not_null_accounts_id", "not_null", "accounts", column_name="id"),
        # SQL of their own: a where config, a fail_calc, an expression for a column, an expression argument.
        _generic("h_not_null_lines_where", "not_null", "lines", {"where": "qty > 0"}, column_name="sku"),
        _generic("i_not_null_lines_calc", "not_null", "lines", {"fail_calc": "sum(1)"}, column_name="sku"),
        _generic("j_not_null_lines_concat", "not_null", "lines", column_name="sku || qty"),
        _generic("k_expression_lines", "expression_is_true", "lines", expression="qty > 0"),
        _generic("l_expression_lines", "expression_is_true", "lines", expression="price >= 0"),
        # accepted_values: text values, then numbers, are two kinds; a second list of text values is the first's.
        _generic("m_accepted_lines_unit", "accepted_values", "lines", column_name="unit", values=["pcs", "kg"]),
        _generic("n_accepted_lines_qty", "accepted_values", "lines", column_name="qty", values=[1, 2], quote=False),
        _generic("o_accepted_lines_status", "accepted_values", "lines", column_name="status", values=["open"]),
        # relationships of two child columns of one model: one kind.
        _generic("p_rel_lines_order", "relationships", "lines", column_name="order_id", to="ref('orders')", field="x"),
        _generic("q_rel_lines_sku", "relationships", "lines", column_name="sku", to="ref('products')", field="y"),
        # The default fail_calc written out is the default.
        _generic("r_unique_lines_line", "unique", "lines", {"fail_calc": "count(*)"}, column_name="line"),
        _generic("s_unique_lines_sku", "unique", "lines", column_name="sku"),
        (
            "test.p.t_singular",
            {"resource_type": "test", "name": "t_singular", "config": {}, "depends_on": {"nodes": []}},
        ),
    ]
)


def test_one_test_of_each_kind_on_a_hand_made_manifest():
    selection = one_test_of_each_kind({"nodes": HAND_MADE})
    left_out = {unique_id.split(".")[-1] for unique_id in selection.left_out}
    assert left_out == {
        "b_not_null_lines_qty",
        "c_not_null_lines_price",
        "d_not_null_lines_line",
        "o_accepted_lines_status",
        "q_rel_lines_sku",
        "s_unique_lines_sku",
    }
    tests = {unique_id for unique_id, node in HAND_MADE.items() if node["resource_type"] == "test"}
    assert sorted(selection.run + selection.left_out) == sorted(tests)
    assert not set(selection.run) & set(selection.left_out)


def test_the_projects_tests_left_out_are_name_only_generic_tests_and_every_macro_still_runs():
    manifest = dbt_manifest()
    tests = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "test"}
    selection = one_test_of_each_kind(manifest)
    assert sorted(selection.run + selection.left_out) == sorted(tests)

    def macro(uid: str) -> str:
        return (tests[uid].get("test_metadata") or {}).get("name", "singular")

    # Left out: only these macros' tests, never one with a where config or an expression among its arguments.
    assert {macro(uid) for uid in selection.left_out} <= {
        "not_null",
        "unique",
        "unique_combination_of_columns",
        "relationships",
        "accepted_values",
        "not_empty",
    }
    assert not [uid for uid in selection.left_out if tests[uid]["config"].get("where")]
    # Every singular test and every test of every other macro runs; every macro runs at least once.
    run = Counter(macro(uid) for uid in selection.run)
    assert run["singular"] == sum(1 for uid in tests if macro(uid) == "singular")
    for name in ("expression_is_true", "sums_match", "row_count_equals", "team_rollup_adds_up", "has_a_rate_to_base"):
        assert run[name] == sum(1 for uid in tests if macro(uid) == name), name
    assert set(run) == {macro(uid) for uid in tests}
    # What it saves on the project as it is: most of its tests are name-only (docs/benchmarks.md).
    assert len(selection.left_out) > len(tests) / 2


class _FinishedBuild(io.StringIO):
    returncode = 0

    def wait(self) -> int:
        return 0


def test_the_spark_build_leaves_out_the_tests_of_kinds_already_run_only_when_asked(monkeypatch, tmp_path: Path):
    commands: list[list[str]] = []

    def popen(cmd, **kwargs):
        commands.append(cmd)
        build = _FinishedBuild("")
        build.stdout = build
        return build

    monkeypatch.setattr(spark_build, "export_raw_tables", lambda warehouse, folder: [])
    monkeypatch.setattr(subprocess, "Popen", popen)
    monkeypatch.setenv(SPARK_DIR_ENV, str(tmp_path / "spark"))
    settings = load_settings()
    every = spark_build.build_on_spark(settings, echo=False)
    each_kind = spark_build.build_on_spark(settings, echo=False, data_tests="each-kind")

    assert "--exclude" not in commands[0] and every.tests_left_out == 0
    excluded = commands[1][commands[1].index("--exclude") + 1 :]
    names = {node["name"] for node in dbt_manifest()["nodes"].values() if node["resource_type"] == "test"}
    assert set(excluded) <= names and len(set(excluded)) == len(excluded) == each_kind.tests_left_out > 0
    with pytest.raises(ValueError, match="data_tests must be one of all, each-kind"):
        spark_build.build_on_spark(settings, echo=False, data_tests="some")
