"""Builds the Dagster code location from resolved settings: every asset, check, job, schedule, sensor
and resource, listed here and defined in its own module. ``definitions.py`` builds it from the user's
settings for ``dagster dev``; the CLI and the tests build it with theirs (orchestration/pipeline.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.assets.dbt import salesops_dbt_assets
from orchestration.assets.drops import build_daily_drops_asset, daily_drop_partitions
from orchestration.assets.publish import PUBLISH_KEY, published_marts
from orchestration.assets.quality_checks import check_results_spec, raw_quality_checks
from orchestration.assets.raw import audit_specs, raw_assets
from orchestration.dbt_project import dbt_executable, salesops_dbt_project
from orchestration.freshness import with_freshness_policies
from orchestration.jobs import daily_drops_job, full_pipeline_job, step_jobs
from orchestration.resources import LandingResource, RunSettingsResource, ServingResource, WarehouseResource
from orchestration.schedules import daily_schedule
from orchestration.sensors import landing_sensor
from orchestration.settings import SETTINGS_BY_KEY, Settings


def _path_config(settings: Settings, key: str, value: Path | None) -> str | dg.EnvVar | None:
    """A path setting as resource config: read through its environment variable when that is where it
    came from, else the resolved value (a flag, the config file or the default)."""
    if value is None:
        return None
    return dg.EnvVar(SETTINGS_BY_KEY[key].env) if key in settings.from_environment else str(value)


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    return {
        "warehouse": WarehouseResource(
            path=_path_config(settings, "warehouse", settings.warehouse), memory_limit=settings.duckdb_memory_limit
        ),
        "landing": LandingResource(
            root=_path_config(settings, "landing", settings.landing),
            mappings=_path_config(settings, "mappings", settings.mappings),
        ),
        "serving": ServingResource(
            path=_path_config(settings, "serving", settings.serving_setting) or str(settings.serving)
        ),
        "run_settings": RunSettingsResource(
            timezone=settings.timezone.key,
            dbt_vars_json=json.dumps(settings.dbt_vars, sort_keys=True),
            reuse_raw_checks=settings.reuse_raw_checks,
            dbt_targets_kept=settings.dbt_targets_kept,
        ),
        "dbt": DbtCliResource(project_dir=salesops_dbt_project(), dbt_executable=dbt_executable()),
    }


def build_definitions(settings: Settings, checks_of: Sequence[dg.AssetKey] | None = None) -> dg.Definitions:
    """The whole code location: raw files -> dbt models -> quality gates -> the serving file, with the
    daily freshness policy on raw assets, marts and the publish step (orchestration/freshness.py).
    ``checks_of`` narrows the check job to those assets' checks (``step_jobs``)."""
    daily_drops = build_daily_drops_asset(daily_drop_partitions(settings.landing, settings.mappings))
    defs = dg.Definitions(
        assets=[*raw_assets, *audit_specs, daily_drops, salesops_dbt_assets, published_marts, check_results_spec],
        asset_checks=raw_quality_checks,
        jobs=[
            full_pipeline_job,
            daily_drops_job(salesops_dbt_assets),
            *step_jobs(salesops_dbt_assets, PUBLISH_KEY, checks_of),
        ],
        schedules=[daily_schedule(settings.timezone)],
        sensors=[landing_sensor],
        resources=build_resources(settings),
    )
    return with_freshness_policies(defs)
