"""The landing-folder sensor: a new or changed contract file starts the pipeline job."""

import json

import dagster as dg

from orchestration.jobs import full_pipeline_job
from orchestration.landing_watch import changed_files, fingerprint_digest, landing_fingerprint
from orchestration.resources import LandingResource


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
