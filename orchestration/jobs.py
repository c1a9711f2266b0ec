"""The pipeline jobs: the whole pipeline (landing files -> raw -> staging -> core -> marts -> serving), and
the daily-drops job (one day's dated drops -> raw -> an incremental dbt build)."""

import dagster as dg

from orchestration.assets.drops import DAILY_DROPS_KEY
from orchestration.assets.raw import LEDGER_KEY, QUARANTINE_KEY

FULL_PIPELINE_JOB_NAME = "salesops_full_pipeline"
DAILY_DROPS_JOB_NAME = "salesops_daily_drops"

# In-process: DuckDB allows one writer per file, so steps must not run in parallel processes.
# The daily-drops asset is partitioned: it has its own job, and this one stays unpartitioned.
full_pipeline_job = dg.define_asset_job(
    name=FULL_PIPELINE_JOB_NAME,
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(LEDGER_KEY, QUARANTINE_KEY, DAILY_DROPS_KEY),
    executor_def=dg.in_process_executor,
    description="Load every landing file, build all dbt models and run every check.",
)


def daily_drops_job(dbt_assets: dg.AssetsDefinition):
    """The drops of a partition's date (or, backfilled, a range of dates in one run), then every dbt model:
    the facts build incrementally (docs incremental_days). Launch a range from the UI: Materialize on
    raw/daily_drops, or the job's Partitions tab."""
    return dg.define_asset_job(
        name=DAILY_DROPS_JOB_NAME,
        selection=dg.AssetSelection.assets(DAILY_DROPS_KEY) | dg.AssetSelection.assets(dbt_assets),
        executor_def=dg.in_process_executor,
        description="Load one day's dated drops (a partition), then build the dbt models incrementally.",
    )
