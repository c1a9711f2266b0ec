"""The semantic layer (dbt semantic models, metrics, exposures) against the parsed project and the fixture
warehouse.

The definitions come from ``dbt parse`` (target/manifest.json, target/semantic_manifest.json). The
numbers come from a small evaluator written here: it aggregates a metric's measure over its model's
table with the measure's ``agg``/``expr``, the metric's filter and a time slice on the measure's
aggregation time dimension, so a wrong filter or expression in the YAML shows up as a number that no
longer matches the mart (and the hand-computed value of tests/fixtures/landing_small).
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from pathlib import Path

import dagster as dg
import pytest

HEADLINE_METRICS = {
    # metric name -> the Chinese term (domain.md) its meta must carry
    "revenue": "销售额",
    "revenue_per_customer": "客单价",
    "average_order_value": "平均订单金额",
    "win_rate": "赢单率",
    "conversion_rate": "转化率",
    "stage_conversion_rate": "转化率",
    "quota_attainment": "达成率",
    "collection_rate": "回款率",
    "dso": "应收账款周转天数",
    "retention_rate": "留存率",
    "rfm_customers": "客户分级",
}
CJK = re.compile(r"[\u4e00-\u9fff]")
DIMENSION_REF = re.compile(r"\{\{\s*Dimension\('(\w+?)__(\w+)'\)\s*\}\}")


@cache
def _target() -> Path:
    from orchestration.dbt_project import salesops_dbt_project

    project = salesops_dbt_project()  # parses when the manifest is missing or older than the project
    return Path(project.project_dir) / project.target_path


@cache
def manifest() -> dict:
    return json.loads((_target() / "manifest.json").read_text())


@cache
def semantic_manifest() -> dict:
    return json.loads((_target() / "semantic_manifest.json").read_text())


def metrics() -> dict[str, dict]:
    return {m["name"]: m for m in semantic_manifest()["metrics"]}


def semantic_models() -> dict[str, dict]:
    return {sm["name"]: sm for sm in semantic_manifest()["semantic_models"]}


def model_of_measure(measure_name: str) -> tuple[dict, dict]:
    for sm in semantic_models().values():
        for measure in sm["measures"]:
            if measure["name"] == measure_name:
                return sm, measure
    raise KeyError(measure_name)


def relation(sm: dict) -> str:
    node = sm["node_relation"]
    return f"{node['schema_name']}.{node['alias']}"


def _metric_docs() -> list[str]:
    return [
        d["name"]
        for d in manifest()["docs"].values()
        if d["package_name"] == "salesops" and d["name"].startswith("metric_")
    ]


def docs_block(name: str) -> str:
    return manifest()["docs"][f"doc.salesops.{name}"]["block_contents"].strip()


# ------------------------------------------------------------------------------------------ definitions


def test_semantic_manifest_lists_every_metric_and_the_time_spine():
    parsed = {n["name"] for n in manifest()["metrics"].values()}
    assert set(metrics()) == parsed
    assert set(HEADLINE_METRICS) <= parsed
    spines = semantic_manifest()["project_configuration"]["time_spines"]
    assert [(s["node_relation"]["alias"], s["primary_column"]["name"], s["primary_column"]["time_granularity"])
            for s in spines] == [("dim_date", "date_day", "day")]  # fmt: skip


@pytest.mark.parametrize("name", sorted(HEADLINE_METRICS))
def test_headline_metric_has_label_chinese_term_and_docs_block(name):
    metric = metrics()[name]
    assert metric["label"] and metric["label"].isascii(), metric["label"]
    assert HEADLINE_METRICS[name] in metric["config"]["meta"]["term_zh"]
    # The description is the docs block itself (models/docs/metrics.md), in both languages.
    blocks = [n for n in _metric_docs() if docs_block(n) == metric["description"].strip()]
    assert len(blocks) == 1, f"{name}: description is not one metric docs block"
    block = docs_block(blocks[0])
    assert HEADLINE_METRICS[name] in block
    assert CJK.search(block) and re.search(r"[A-Za-z]{4,}", block)


def test_every_metric_has_label_and_chinese_term():
    for name, metric in metrics().items():
        assert metric["label"], name
        assert CJK.search(metric["config"]["meta"]["term_zh"]), name


def test_docs_blocks_are_the_single_definition_the_marts_use():
    """Each metric docs block is used by the semantic metric and by at least one mart column."""
    docs = _metric_docs()
    assert len(docs) >= 10
    column_docs = " ".join(
        column["description"]
        for node in manifest()["nodes"].values()
        if node["resource_type"] == "model"
        for column in node["columns"].values()
    )
    for name in docs:
        assert docs_block(name) in column_docs, f"no mart column uses docs block {name}"


def test_measures_dimensions_and_entities_are_columns_of_their_model(fixture_db):
    for sm in semantic_models().values():
        table = relation(sm)
        schema, alias = table.split(".")
        columns = {
            r[0]
            for r in fixture_db.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [schema, alias],
            ).fetchall()
        }
        assert columns, f"{table} is not in the fixture warehouse"
        for kind in ("dimensions", "entities", "measures"):
            for element in sm[kind]:
                expr = element.get("expr") or element["name"]
                if re.fullmatch(r"\w+", expr):
                    assert expr in columns, f"{sm['name']}.{element['name']}: no column {expr} in {table}"
                else:
                    # A SQL expression: it must run against the table (an unknown column raises).
                    fixture_db.execute(f"select {expr} from {table} limit 0")
        for measure in sm["measures"]:
            nad = measure.get("non_additive_dimension")
            if nad:
                assert nad["name"] in {d["name"] for d in sm["dimensions"] if d["type"] == "time"}


def test_metric_filters_name_declared_dimensions():
    declared = set()
    for sm in semantic_models().values():
        entities = {e["name"] for e in sm["entities"]} | ({sm["primary_entity"]} if sm.get("primary_entity") else set())
        declared |= {(e, d["name"]) for e in entities for d in sm["dimensions"]}
    filters = [
        w["where_sql_template"]
        for m in metrics().values()
        for w in ((m.get("filter") or {}).get("where_filters") or [])
    ]
    assert filters
    for where in filters:
        refs = DIMENSION_REF.findall(where)
        assert refs, where
        for ref in refs:
            assert ref in declared, f"filter names an undeclared dimension {ref}"


def test_exposures_depend_on_real_models_and_serving_lists_every_published_table():
    from orchestration.assets.publish import is_published_key

    nodes = manifest()["nodes"]
    exposures = {e["name"]: e for e in manifest()["exposures"].values()}
    assert set(exposures) == {"serving_database", "sales_ops_report", "superset_sales_ops_dashboard"}
    for exposure in exposures.values():
        assert exposure["owner"]["name"] and exposure["type"] in {"dashboard", "application"}
        depends = exposure["depends_on"]["nodes"]
        assert depends, exposure["name"]
        for unique_id in depends:
            assert unique_id in nodes and nodes[unique_id]["resource_type"] == "model", unique_id

    def names(exposure: str) -> set[str]:
        return {nodes[u]["name"] for u in exposures[exposure]["depends_on"]["nodes"]}

    published = {
        n["name"]
        for n in nodes.values()
        if n["resource_type"] == "model" and is_published_key(dg.AssetKey([n["schema"], n["name"]]))
    }
    assert names("serving_database") == published
    from bi.superset_charts import CHARTS

    assert names("superset_sales_ops_dashboard") == {chart.table for chart in CHARTS}
    assert names("sales_ops_report") <= published
    # Every mart a chart of the report reads is in its exposure, so lineage reaches the report.
    from reporting.report import SECTIONS

    assert {mart for section in SECTIONS for mart in section.marts} <= names("sales_ops_report")


# ------------------------------------------------------------------------------------------ numbers

_AGG = {
    "sum": "sum({})",
    "count": "count({})",
    "count_distinct": "count(distinct {})",
    "max": "max({})",
    "min": "min({})",
    "average": "avg({})",
}


def _dimension_sql(sm: dict, name: str) -> str:
    dim = next(d for d in sm["dimensions"] if d["name"] == name)
    return dim.get("expr") or dim["name"]


def evaluate(con, metric_name: str, start: date, end: date) -> float | None:
    """The metric over [start, end] of its measures' aggregation time dimension, from the semantic
    definitions only: simple = agg(expr) where filter; ratio = numerator ÷ denominator."""
    metric = metrics()[metric_name]
    params = metric["type_params"]
    if metric["type"] == "ratio":
        numerator = evaluate(con, params["numerator"]["name"], start, end)
        denominator = evaluate(con, params["denominator"]["name"], start, end)
        return None if not denominator else numerator / denominator
    assert metric["type"] == "simple", metric_name
    sm, measure = model_of_measure(params["measure"]["name"])
    value = _AGG[measure["agg"]].format(measure.get("expr") or measure["name"])
    time_dim = measure.get("agg_time_dimension") or sm["defaults"]["agg_time_dimension"]
    where = [f"{_dimension_sql(sm, time_dim)} between ? and ?"]
    for w in (metric.get("filter") or {}).get("where_filters") or []:
        where.append("(" + DIMENSION_REF.sub(lambda m: _dimension_sql(sm, m.group(2)), w["where_sql_template"]) + ")")
    sql = f"select cast({value} as double) from {relation(sm)} where {' and '.join(where)}"
    return con.execute(sql, [start, end]).fetchall()[0][0]


def _mart_revenue(con, start: date, end: date) -> float:
    return con.execute(
        "select cast(sum(revenue_base) as double) from marts.mart_kpi_daily where date_day between ? and ?",
        [start, end],
    ).fetchall()[0][0]


@pytest.mark.parametrize(
    ("start", "end", "revenue", "orders", "customers"),
    [
        # SO1 1,400 (A1) + SO2 700 (A2)
        (date(2024, 1, 1), date(2024, 1, 31), 2100.0, 2, 2),
        # SO4 200 (A3) + SO5 216 (A2); SO3 (A1) is cancelled: not revenue, not an order, not a buyer
        (date(2024, 2, 1), date(2024, 2, 29), 416.0, 2, 2),
    ],
)
def test_revenue_metrics_from_the_semantic_definition_equal_the_mart(
    fixture_db, start, end, revenue, orders, customers
):
    value = evaluate(fixture_db, "revenue", start, end)
    assert value == pytest.approx(revenue)
    assert value == pytest.approx(_mart_revenue(fixture_db, start, end))
    assert evaluate(fixture_db, "orders_placed", start, end) == orders
    assert evaluate(fixture_db, "buying_customers", start, end) == customers
    assert evaluate(fixture_db, "revenue_per_customer", start, end) == pytest.approx(revenue / customers)
    assert evaluate(fixture_db, "average_order_value", start, end) == pytest.approx(revenue / orders)


def test_win_rate_from_the_semantic_definition_equals_the_mart(fixture_db):
    # January 2024: O1 won (closed 2024-01-15), O2 lost (2024-01-30); O3 is still open.
    jan = (date(2024, 1, 1), date(2024, 1, 31))
    mart = fixture_db.execute(
        "select won_count, closed_count, cast(win_rate as double) from marts.mart_win_rate "
        "where slice_type = 'company' and period_month = ?",
        [jan[0]],
    ).fetchall()
    assert mart == [(1, 2, 0.5)]
    assert evaluate(fixture_db, "won_deals", *jan) == 1
    assert evaluate(fixture_db, "closed_deals", *jan) == 2
    assert evaluate(fixture_db, "win_rate", *jan) == pytest.approx(0.5)
    # No deal closed in February: no win rate, as in the mart (no row or a null rate).
    assert evaluate(fixture_db, "win_rate", date(2024, 2, 1), date(2024, 2, 29)) is None


def test_collection_rate_from_the_semantic_definition_equals_the_mart(fixture_db):
    rows = fixture_db.execute(
        "select month_start, cast(collection_rate as double) from marts.mart_collections "
        "where group_level = 'company' and due_base > 0 order by month_start"
    ).fetchall()
    assert rows
    for month_start, mart_rate in rows:
        month_end = fixture_db.execute("select last_day(cast(? as date))", [month_start]).fetchall()[0][0]
        assert evaluate(fixture_db, "collection_rate", month_start, month_end) == pytest.approx(mart_rate)
