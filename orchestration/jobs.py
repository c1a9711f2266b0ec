"""The pipeline job, its daily schedule and the landing-folder sensor."""

import json

import dagster as dg

from orchestration.assets.raw import LEDGER_KEY, QUARANTINE_KEY
from orchestration.landing_watch import changed_files, fingerprint_digest, landing_fingerprint
from orchestration.resources import LandingResource
from orchestration.settings import business_timezone

FULL_PIPELINE_JOB_NAME = "salesops_full_pipeline"

# Everything materializable: landing files -> raw -> staging -> core -> marts (+ their checks).
# In-process: DuckDB allows one writer per file, so steps must not run in parallel processes.
full_pipeline_job = dg.define_asset_job(
    name=FULL_PIPELINE_JOB_NAME,
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(LEDGER_KEY, QUARANTINE_KEY),
    executor_def=dg.in_process_executor,
    description="Load every landing file, build all dbt models and run every check.",
)

daily_schedule = dg.ScheduleDefinition(
    name="salesops_daily",
    job=full_pipeline_job,
    cron_schedule="0 6 * * *",
    execution_timezone=business_timezone().key,
    description=f"Whole pipeline every morning at 06:00 business time ({business_timezone().key}).",
)


@dg.sensor(
    name="salesops_landing_sensor",
    job=full_pipeline_job,
    minimum_interval_seconds=60,
    description="Starts the pipeline when a contract file appears or changes in the landing folder.",
)
def landing_sensor(context: dg.SensorEvaluationContext, landing: LandingResource) -> dg.SensorResult:
    previous = json.loads(context.cursor) if context.cursor else {}
    current = landing_fingerprint(landing.path, landing.mappings_path)
    changed = changed_files(previous, current)
    if not changed:
        return dg.SensorResult(skip_reason=dg.SkipReason(f"no new files in {landing.path}"))
    run = dg.RunRequest(
        run_key=fingerprint_digest(current),
        tags={"salesops/changed_files": ", ".join(changed)[:1000]},
    )
    return dg.SensorResult(run_requests=[run], cursor=json.dumps(current, sort_keys=True))
