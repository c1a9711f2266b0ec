"""`dagster dev` loads the code location from workspace.yaml with no errors and the full asset graph."""

from __future__ import annotations

import pytest
from dagster_dev import dagster_dev

from ingestion.contract import CONTRACT

# Starts the dagster dev server: run by .ci/run after the README's test command.
pytestmark = pytest.mark.e2e


def test_dagster_dev_loads_workspace_with_full_asset_graph(tmp_path):
    with dagster_dev(tmp_path, env={"SALESOPS_WAREHOUSE": str(tmp_path / "wh.duckdb")}) as (_, data):
        (entry,) = data["workspaceOrError"]["locationEntries"]
        assert entry["name"] == "salesops"
        assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
        keys = {"/".join(n["assetKey"]["path"]) for n in data["assetNodes"]}
        groups = {n["groupName"] for n in data["assetNodes"]}
        assert {f"raw/{cf.name}" for cf in CONTRACT} <= keys
        assert {f"staging/stg_{cf.source}__{cf.name}" for cf in CONTRACT} <= keys
        assert {"core/fct_orders", "core/dim_account", "marts/mart_kpi_daily"} <= keys
        assert {"raw", "staging", "core", "marts"} <= groups
