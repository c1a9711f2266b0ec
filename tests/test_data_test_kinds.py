"""One data test of each kind (engines/data_test_kinds.py), what `salesops spark-build --data-tests each-kind`
and `compare-engines --data-tests each-kind` run: on a hand-made manifest whose kinds are written out by hand,
and on the project's own manifest. The Spark build with it is tests/test_spark_target.py (marker spark)."""

from __future__ import annotations

import io
import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from engines import spark_build
from engines.data_test_kinds import one_test_of_each_kind
from orchestration.dbt_project import dbt_manifest
from orchestration.settings import SPARK_DIR_ENV, load_settings


def _model(
    name: str, materialized: str = "table", types: dict[str, str] | None = None, folder: str = "m"
) -> tuple[str, dict]:
    columns = {column: {"name": column, "data_type": data_type} for column, data_type in (types or {}).items()}
    node = {"resource_type": "model", "name": name, "config": {"materialized": materialized}, "columns": columns}
    return f"model.p.{name}", {**node, "fqn": ["p", *folder.split("/"), name]}


def _generic(name: str, macro: str, model: str, config: dict | None = None, **arguments) -> tuple[str, dict]:
    node = {
        "resource_type": "test",
        "name": name,
        "fqn": ["p", "m", name],
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
        # Configs that change the SQL or what dbt does with the result, and arguments that are SQL after all.
        _generic("u_not_null_lines_limit", "not_null", "lines", {"limit": 0}, column_name="sku"),
        _generic("v_not_null_lines_warn_if", "not_null", "lines", {"warn_if": "> 10"}, column_name="sku"),
        _generic("w_not_null_lines_stored", "not_null", "lines", {"store_failures": True}, column_name="sku"),
        _generic("x_accepted_lines_sql", "accepted_values", "lines", column_name="unit", values=["a+b"], quote=False),
        _generic(
            "y_rel_lines_lower", "relationships", "lines", column_name="sku", to="ref('products')", field="lower(y)"
        ),
        _generic("z_unique_combo_text", "unique_combination_of_columns", "lines", combination_of_columns="a, b"),
        # Values a macro lists (a Jinja string in the manifest): one kind of their own; booleans unquoted are
        # literals.
        _generic("za_accepted_lines_listed", "accepted_values", "lines", column_name="unit", values="{{ units() }}"),
        _generic("zb_accepted_lines_listed", "accepted_values", "lines", column_name="kind", values="{{ kinds() }}"),
        _generic("zc_accepted_lines_flag", "accepted_values", "lines", column_name="flag", values=[True], quote=False),
        _generic("zd_accepted_lines_open", "accepted_values", "lines", column_name="open", values=[False], quote=False),
        # A test whose whole name begins another node's (a folder of that name): dbt's fqn selector would
        # select both, so it runs.
        _model("in_folder", folder="m/ze_not_null_lines_folder"),
        _generic("ze_not_null_lines_folder", "not_null", "lines", column_name="x"),
        (
            "test.p.t_singular",
            {"resource_type": "test", "name": "t_singular", "fqn": ["p", "t_singular"], "config": {}},
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
        "zb_accepted_lines_listed",
        "zd_accepted_lines_open",
    }
    tests = {unique_id for unique_id, node in HAND_MADE.items() if node["resource_type"] == "test"}
    assert sorted(selection.run + selection.left_out) == sorted(tests)
    assert not set(selection.run) & set(selection.left_out)


# The compiled SQL of a name-only test with what may differ within a kind replaced: relations, the test's own
# literal values, its column and field names and its model's name; a list of them counts as one. Every other
# literal stays.
_RELATION = re.compile(r'("[^"]+"\.)+"[^"]+"')


def _shape(node: dict) -> str:
    arguments = node["test_metadata"]["kwargs"]
    sql = _RELATION.sub("REL", node["compiled_code"])
    values = arguments.get("values")
    if isinstance(values, list):
        quoted = arguments.get("quote", True)
        literals = [f"'{v}'" if quoted and isinstance(v, str) else str(v) for v in values]
        for literal in sorted(literals, key=len, reverse=True):
            sql = re.sub(rf"(?<![\w'.]){re.escape(literal)}(?![\w'.])", "VALUE", sql)
    elif values:  # a macro lists them, unknown until rendered: every quoted text stands for one
        sql = re.sub(r"'(?:[^']|'')*'", "VALUE", sql)
    names = {arguments.get("column_name"), arguments.get("field"), *(arguments.get("combination_of_columns") or [])}
    names.add((node.get("attached_node") or "").split(".")[-1])  # the model's name, in a message
    for name in sorted(filter(None, names), key=len, reverse=True):
        sql = re.sub(rf'(?<![\w"]){re.escape(name)}(?![\w"])|"{re.escape(name)}"', "COL", sql)
    for item in ("VALUE", "COL"):
        sql = re.sub(rf"{item}(\s*,\s*{item})+", item, sql)
    return re.sub(r"\s+", " ", sql).strip()


def test_every_test_left_out_compiles_to_the_sql_of_the_test_of_its_kind_but_for_names_and_values(fixture_build):
    """The claim the selection rests on, checked on dbt's own compiled SQL of a whole build (the fixture's,
    every data test run): a test left out differs from the test that runs for its kind only by names and
    literal values."""
    manifest = json.loads((fixture_build.parent / "dbt_target" / "manifest.json").read_text())
    nodes = manifest["nodes"]
    selection = one_test_of_each_kind(manifest)
    assert len(selection.left_out) > 400
    differing = [uid for uid, chosen in selection.chosen.items() if _shape(nodes[uid]) != _shape(nodes[chosen])]
    assert differing == []
    # The shapes keep what makes SQL differ: three macros give three shapes.
    shapes = {}
    for chosen in sorted(set(selection.chosen.values())):
        shapes.setdefault(nodes[chosen]["test_metadata"]["name"], _shape(nodes[chosen]))
    assert len({shapes["not_null"], shapes["unique"], shapes["relationships"]}) == 3


def test_the_projects_singular_and_sql_carrying_tests_all_run():
    manifest = dbt_manifest()
    tests = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "test"}
    selection = one_test_of_each_kind(manifest)

    def macro(uid: str) -> str:
        return (tests[uid].get("test_metadata") or {}).get("name", "singular")

    # The project's macros whose arguments are SQL (expressions, queries, where clauses), and singular tests.
    always = ("singular", "expression_is_true", "sums_match", "row_count_equals", "team_rollup_adds_up")
    left_out = Counter(macro(uid) for uid in selection.left_out)
    assert [name for name in always if left_out[name]] == []
    assert not [uid for uid in selection.left_out if tests[uid]["config"].get("where")]
    assert {macro(uid) for uid in selection.run} == {macro(uid) for uid in tests}


class _FinishedBuild(io.StringIO):
    returncode = 0

    def wait(self) -> int:
        return 0


def test_the_spark_build_leaves_out_the_tests_of_kinds_already_run_only_when_asked(monkeypatch, tmp_path: Path):
    manifest = dbt_manifest()
    tests = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "test"}
    by_fqn = Counter(".".join(node["fqn"]) for node in manifest["nodes"].values())
    chosen = sorted(set(one_test_of_each_kind(manifest).chosen.values()))
    commands: list[list[str]] = []

    def popen(cmd, **kwargs):
        """dbt's build, as run_results.json reports it: every test not excluded ran, but for one test chosen
        for its kind (as if it were disabled on Spark)."""
        commands.append(cmd)
        excluded = {selector.removeprefix("fqn:") for selector in cmd[cmd.index("--exclude") + 1 :]}
        ran = [uid for uid, node in tests.items() if ".".join(node["fqn"]) not in excluded and uid != chosen[0]]
        target = Path(cmd[cmd.index("--target-path") + 1])
        target.mkdir(parents=True, exist_ok=True)
        results = [{"unique_id": uid, "status": "pass"} for uid in ran]
        (target / "run_results.json").write_text(json.dumps({"results": results}))
        build = _FinishedBuild("")
        build.stdout = build
        return build

    monkeypatch.setattr(spark_build, "export_raw_tables", lambda warehouse, folder: [])
    monkeypatch.setenv(SPARK_DIR_ENV, str(tmp_path / "spark"))
    settings = load_settings()
    with pytest.raises(ValueError, match="data_tests must be one of all, each-kind"):
        spark_build.build_on_spark(settings, echo=False, data_tests="some")
    monkeypatch.setattr(subprocess, "Popen", lambda cmd, **kwargs: popen([*cmd, "--exclude"], **kwargs))
    every = spark_build.build_on_spark(settings, echo=False)
    monkeypatch.setattr(subprocess, "Popen", popen)
    each_kind = spark_build.build_on_spark(settings, echo=False, data_tests="each-kind")

    assert commands[0][-1] == "--exclude" and every.tests_left_out == 0
    # Each selector is a whole fully qualified name that no other node has, of a name-only generic test.
    excluded = [selector.removeprefix("fqn:") for selector in commands[1][commands[1].index("--exclude") + 1 :]]
    assert len(excluded) == len(set(excluded)) == each_kind.tests_left_out > 400
    assert all(by_fqn[fqn] == 1 for fqn in excluded)
    excluded_tests = [node for node in tests.values() if ".".join(node["fqn"]) in excluded]
    assert len(excluded_tests) == len(excluded)
    assert all(node.get("test_metadata") and not node["config"].get("where") for node in excluded_tests)
    # The build of a kind whose chosen test did not run fails, naming it.
    assert not each_kind.success
    assert each_kind.failures == [f"{chosen[0]} (chosen for the tests of its kind) did not run"]
