"""Builds the Dagster code location from resolved settings: every asset, check, job, schedule, sensor
and resource, listed here and defined in its own module. ``definitions.py`` builds it from the user's
settings for ``dagster dev``; the CLI and the tests build it with theirs (orchestration/pipeline.py)."""

from __future__ import annotations

import json

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.assets.dbt import salesops_dbt_assets
from orchestration.assets.publish import published_marts
from orchestration.assets.quality_checks import check_results_spec, raw_quality_checks
from orchestration.assets.raw import audit_specs, raw_assets
from orchestration.dbt_project import dbt_executable, salesops_dbt_project
from orchestration.freshness import with_freshness_policies
from orchestration.jobs import full_pipeline_job
from orchestration.resources import LandingResource, RunSettingsResource, ServingResource, WarehouseResource
from orchestration.schedules import daily_schedule
from orchestration.sensors import landing_sensor
from orchestration.settings import Settings


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    return {
        "warehouse": WarehouseResource(path=str(settings.warehouse)),
        "landing": LandingResource(
            root=str(settings.landing), mappings=str(settings.mappings) if settings.mappings else None
        ),
        "serving": ServingResource(path=str(settings.serving)),
        "run_settings": RunSettingsResource(
            timezone=settings.timezone.key, dbt_vars_json=json.dumps(settings.dbt_vars, sort_keys=True)
        ),
        "dbt": DbtCliResource(project_dir=salesops_dbt_project(), dbt_executable=dbt_executable()),
    }


def build_definitions(settings: Settings) -> dg.Definitions:
    """The whole code location: raw files -> dbt models -> quality gates -> the serving file, with the
    daily freshness policy on raw assets, marts and the publish step (orchestration/freshness.py)."""
    defs = dg.Definitions(
        assets=[*raw_assets, *audit_specs, salesops_dbt_assets, published_marts, check_results_spec],
        asset_checks=raw_quality_checks,
        jobs=[full_pipeline_job],
        schedules=[daily_schedule(settings.timezone)],
        sensors=[landing_sensor],
        resources=build_resources(settings),
    )
    return with_freshness_policies(defs)
