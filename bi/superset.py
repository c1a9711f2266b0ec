"""Provision Apache Superset on the serving file: the database connection, one dataset per chart, one chart
per mart domain (bi/superset_charts.py) and a dashboard holding them.

Every step finds its object by name first and updates it, so provisioning again (a moved serving file,
a changed chart) leaves one of each. Run it against a running Superset::

    python -m bi.superset --url http://127.0.0.1:8088 --username admin [--serving warehouse/serving.duckdb]

(the password comes from ``$SUPERSET_PASSWORD``, or ``--password``). See docs/bi.md."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from bi.connection import engine_params, serving_url
from bi.superset_api import SupersetClient
from bi.superset_charts import CHARTS, SERVING_SCHEMA, ChartSpec

DATABASE_NAME = "salesops serving"
DASHBOARD_TITLE = "Sales operations"
DASHBOARD_SLUG = "salesops"
# Superset's dashboard grid is 12 columns wide; up to three charts to a row, sharing its width.
GRID_COLUMNS = 12
CHARTS_PER_ROW = 3
CHART_HEIGHT = 60


@dataclass(frozen=True)
class Provisioned:
    """What provisioning made (or found), by id: ``charts`` and ``datasets`` by mart domain."""

    database_id: int
    datasets: dict[str, int]
    charts: dict[str, int]
    dashboard_id: int
    dashboard_path: str


def ensure_database(client: SupersetClient, serving: Path, name: str = DATABASE_NAME) -> int:
    """The Superset database that reads ``serving`` read-only (made, or repointed if it exists)."""
    payload = {
        "database_name": name,
        "sqlalchemy_uri": serving_url(serving),
        "extra": json.dumps({"engine_params": engine_params()}),
        "expose_in_sqllab": True,
        "allow_dml": False,
        "allow_file_upload": False,
    }
    existing = client.find_id("database", [("database_name", "eq", name)])
    if existing is None:
        return client.post("/api/v1/database/", payload)["id"]
    client.put(f"/api/v1/database/{existing}", payload)
    return existing


def ensure_dataset(client: SupersetClient, database_id: int, table: str, schema: str = SERVING_SCHEMA) -> int:
    """The physical dataset on ``schema.table``; its columns are read again from the serving file, so a
    mart that gained a column shows it."""
    existing = client.find_id(
        "dataset", [("table_name", "eq", table), ("schema", "eq", schema), ("database", "rel_o_m", database_id)]
    )
    if existing is None:
        return client.post("/api/v1/dataset/", {"database": database_id, "schema": schema, "table_name": table})["id"]
    client.put(f"/api/v1/dataset/{existing}/refresh", {})
    return existing


def ensure_dashboard(client: SupersetClient, title: str = DASHBOARD_TITLE, slug: str = DASHBOARD_SLUG) -> int:
    existing = client.find_id("dashboard", [("slug", "eq", slug)])
    if existing is not None:
        return existing
    return client.post("/api/v1/dashboard/", {"dashboard_title": title, "slug": slug, "published": True})["id"]


def ensure_chart(client: SupersetClient, spec: ChartSpec, dataset_id: int, dashboard_id: int) -> int:
    payload = spec.chart_payload(dataset_id, dashboard_id)
    existing = client.find_id("chart", [("slice_name", "eq", spec.title)])
    if existing is None:
        return client.post("/api/v1/chart/", payload)["id"]
    client.put(f"/api/v1/chart/{existing}", payload)
    return existing


def dashboard_layout(charts: list[tuple[int, str]]) -> dict:
    """Superset's ``position_json`` for ``(chart id, title)`` pairs, in rows of ``CHARTS_PER_ROW``."""
    layout: dict = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
    }
    for start in range(0, len(charts), CHARTS_PER_ROW):
        row_id = f"ROW-{start // CHARTS_PER_ROW + 1}"
        layout["GRID_ID"]["children"].append(row_id)
        layout[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        row = charts[start : start + CHARTS_PER_ROW]
        width = GRID_COLUMNS // len(row)
        for chart_id, title in row:
            node_id = f"CHART-{chart_id}"
            layout[row_id]["children"].append(node_id)
            layout[node_id] = {
                "type": "CHART",
                "id": node_id,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {"chartId": chart_id, "sliceName": title, "width": width, "height": CHART_HEIGHT},
            }
    return layout


def provision(client: SupersetClient, serving: Path) -> Provisioned:
    """Database, datasets, charts and dashboard for ``serving``; returns their ids."""
    database_id = ensure_database(client, serving)
    dashboard_id = ensure_dashboard(client)
    datasets: dict[str, int] = {}
    charts: dict[str, int] = {}
    for spec in CHARTS:
        datasets[spec.domain] = ensure_dataset(client, database_id, spec.table)
        charts[spec.domain] = ensure_chart(client, spec, datasets[spec.domain], dashboard_id)
    layout = dashboard_layout([(charts[spec.domain], spec.title) for spec in CHARTS])
    client.put(f"/api/v1/dashboard/{dashboard_id}", {"position_json": json.dumps(layout)})
    return Provisioned(database_id, datasets, charts, dashboard_id, f"/superset/dashboard/{DASHBOARD_SLUG}/")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bi.superset", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="Superset's base URL, e.g. http://127.0.0.1:8088")
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", default=os.environ.get("SUPERSET_PASSWORD"), help="default $SUPERSET_PASSWORD")
    parser.add_argument("--serving", type=Path, help="the serving file (default: the salesops setting 'serving')")
    args = parser.parse_args(argv)
    if args.serving is None:
        from orchestration.settings import serving_file

        args.serving = serving_file()
    if not args.password:
        parser.error("give --password or set SUPERSET_PASSWORD")
    if not args.serving.is_file():
        parser.error(f"no serving file at {args.serving}: run the pipeline first (salesops demo or salesops run)")
    done = provision(SupersetClient(args.url, args.username, args.password), args.serving)
    print(f"Superset dashboard: {args.url.rstrip('/')}{done.dashboard_path}")
    for domain, chart_id in done.charts.items():
        print(f"  {domain:<12} chart {chart_id} on dataset {done.datasets[domain]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
