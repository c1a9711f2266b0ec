"""The one place that decides how dbt nodes appear in Dagster: asset keys and groups."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from orchestration.assets.drops import DAILY_DROPS_KEY

# models/marts/<domain>/ folders that get their own group in the asset graph.
MART_DOMAIN_GROUPS = {
    "kpi": "marts",
    "funnel": "funnel",
    "customer": "customer",
    "channel": "channel",
    "collections": "collections",
    "quota": "quota",
    "quality": "quality",
}
LAYER_GROUPS = {"staging": "staging", "intermediate": "intermediate", "core": "core"}


def group_for_fqn(resource_type: str, fqn: list[str]) -> str:
    """Group of a dbt node from its folder path (fqn = [project, folder..., name])."""
    if resource_type == "seed":
        return "reference"
    folders = fqn[1:-1]
    if not folders:
        return "marts"
    if folders[0] == "marts":
        return MART_DOMAIN_GROUPS.get(folders[1], "marts") if len(folders) > 1 else "marts"
    return LAYER_GROUPS.get(folders[0], folders[0])


class SalesOpsDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            # [schema, name]: the key reads like the table BI users query (marts.mart_kpi_daily).
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id) or {}
        reads_raw = any(dep.startswith("source.") for dep in node.get("depends_on", {}).get("nodes", []))
        if node.get("resource_type") == "model" and reads_raw:
            # A model reading raw also waits for the daily-drops load in the partitioned job
            # (orchestration/jobs.py): Dagster orders the steps of a run by direct dependencies only.
            spec = spec.merge_attributes(deps=[DAILY_DROPS_KEY])
        return spec

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type in ("model", "seed", "snapshot"):
            return group_for_fqn(resource_type, list(dbt_resource_props["fqn"]))
        return super().get_group_name(dbt_resource_props)
