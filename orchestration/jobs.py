"""The pipeline job: every asset, landing files -> raw -> staging -> core -> marts -> serving."""

import dagster as dg

from orchestration.assets.raw import LEDGER_KEY, QUARANTINE_KEY

FULL_PIPELINE_JOB_NAME = "salesops_full_pipeline"

# In-process: DuckDB allows one writer per file, so steps must not run in parallel processes.
full_pipeline_job = dg.define_asset_job(
    name=FULL_PIPELINE_JOB_NAME,
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(LEDGER_KEY, QUARANTINE_KEY),
    executor_def=dg.in_process_executor,
    description="Load every landing file, build all dbt models and run every check.",
)
