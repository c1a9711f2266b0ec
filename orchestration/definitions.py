"""Assembles the Dagster code location; every piece lives in its own module."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.assets.dbt import salesops_dbt_assets
from orchestration.assets.quality_checks import with_quality_gates
from orchestration.assets.raw import audit_specs, raw_assets
from orchestration.dbt_project import salesops_dbt_project
from orchestration.jobs import daily_schedule, full_pipeline_job, landing_sensor
from orchestration.pipeline import dbt_executable
from orchestration.resources import LandingResource, WarehouseResource
from orchestration.settings import landing_root, mappings_dir, warehouse_file


def build_definitions() -> dg.Definitions:
    defs = dg.Definitions(
        assets=[*raw_assets, *audit_specs, salesops_dbt_assets],
        jobs=[full_pipeline_job],
        schedules=[daily_schedule],
        sensors=[landing_sensor],
        resources={
            "warehouse": WarehouseResource(path=str(warehouse_file())),
            "landing": LandingResource(
                root=str(landing_root()), mappings=str(mappings_dir()) if mappings_dir() else None
            ),
            "dbt": DbtCliResource(project_dir=salesops_dbt_project(), dbt_executable=dbt_executable()),
        },
    )
    # Quality gates (great-expectations checks on raw files), write-audit-publish to the serving
    # database and freshness policies: orchestration/assets/quality_checks.py.
    return with_quality_gates(defs)


defs = build_definitions()
