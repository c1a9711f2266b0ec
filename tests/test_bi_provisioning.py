"""The pieces of Superset provisioning that need no server: Rison queries, the read-only URL, the
dashboard layout, the chart payloads. tests/test_superset_bi.py runs them against a real Superset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bi.connection import engine_params, serving_url
from bi.superset import GRID_COLUMNS, dashboard_layout
from bi.superset_api import rison
from bi.superset_charts import CHARTS


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (
            {"filters": [{"col": "slug", "opr": "eq", "value": "salesops"}]},
            "(filters:!((col:'slug',opr:'eq',value:'salesops')))",
        ),
        ("it's 100%!", "'it!'s 100%!!'"),
        ({"page": 0, "ok": True, "none": None}, "(page:0,ok:!t,none:!n)"),
        ({"two words": []}, "('two words':!())"),
    ],
)
def test_rison(value, encoded: str):
    assert rison(value) == encoded


def test_serving_url_is_absolute_and_read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    assert serving_url(Path("wh/serving.duckdb")) == f"duckdb:///{tmp_path.resolve()}/wh/serving.duckdb"
    assert engine_params() == {"connect_args": {"read_only": True}}


def test_dashboard_layout_places_every_chart_once_within_the_grid():
    charts = [(10 + i, f"chart {i}") for i in range(5)]
    layout = dashboard_layout(charts)
    placed = [
        node["meta"]["chartId"] for node in layout.values() if isinstance(node, dict) and node.get("type") == "CHART"
    ]
    assert sorted(placed) == [10, 11, 12, 13, 14]
    rows = [layout[row_id] for row_id in layout["GRID_ID"]["children"]]
    assert [len(row["children"]) for row in rows] == [3, 2]
    for row in rows:
        assert sum(layout[child]["meta"]["width"] for child in row["children"]) <= GRID_COLUMNS
        assert all(layout[child]["parents"] == ["ROOT_ID", "GRID_ID", row["id"]] for child in row["children"])


def test_one_chart_per_mart_domain_each_on_a_mart():
    from orchestration.translator import MART_DOMAIN_GROUPS

    assert sorted(spec.domain for spec in CHARTS) == sorted(MART_DOMAIN_GROUPS)
    assert len({spec.title for spec in CHARTS}) == len(CHARTS)  # charts are found again by title
    assert all(spec.table.startswith("mart_") for spec in CHARTS)


@pytest.mark.parametrize("spec", CHARTS, ids=[spec.domain for spec in CHARTS])
def test_chart_payload_queries_what_it_draws(spec):
    payload = spec.chart_payload(dataset_id=7, dashboard_id=3)
    params, query_context = json.loads(payload["params"]), json.loads(payload["query_context"])
    assert payload["dashboards"] == [3] and payload["datasource_id"] == 7
    assert params["datasource"] == "7__table" and query_context["datasource"] == {"id": 7, "type": "table"}
    drawn = [params["metric"]] if "metric" in params else params["metrics"]
    (query,) = query_context["queries"]
    assert query["metrics"] == drawn
    assert query["columns"] == (params["groupby"] if "metric" in params else [params["x_axis"]])
    assert [(f["col"], f["val"]) for f in query["filters"]] == [
        (f["subject"], f["comparator"]) for f in params["adhoc_filters"]
    ]
